"""``RecordedTurnsModel``: the model behind ``--model replay:RUN_DIR``.

It ignores the conversation it is given and hands out the assistant messages a run recorded, in
order, raising ``ScriptExhausted`` when none is left, so the new run ends with
``script_exhausted``. (Browsing or re-executing a run is ``agent.replay``, not this.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.models.base import AssistantTurn, ModelBase, ScriptExhausted
from agent.models.openai_model import turn_from_message
from agent.models.script import CallIdCounter


class RecordedTurnsModel(ModelBase):
    """Hands out a run's recorded assistant messages in order; ``replay:RUN_DIR`` on the
    command line."""

    def __init__(self, messages: Sequence[dict[str, Any]], *, name: str = "replay") -> None:
        self.name = name
        self._messages = list(messages)
        self._next = 0
        self._ids = CallIdCounter()

    def __repr__(self) -> str:
        return (f"RecordedTurnsModel(name={self.name!r}, messages={len(self._messages)}, "
                f"next={self._next})")

    def complete(self, messages: list[dict[str, Any]],
                 tools: list[dict[str, Any]]) -> AssistantTurn:
        """Return the next recorded message as a turn; raise ScriptExhausted at the end."""
        if self._next >= len(self._messages):
            raise ScriptExhausted(f"{self.name}: all {len(self._messages)} recorded turns replayed")
        recorded = self._messages[self._next]
        self._next += 1
        # Recorded ids are kept so tool results in the new history line up as they did before.
        turn = turn_from_message(recorded, send_reasoning="reasoning_content" in recorded,
                                 new_id=self._ids)
        turn.finish_reason = "tool_calls" if turn.tool_calls else "stop"
        return turn

