"""``ScriptModel``: a model that needs no endpoint, handing out turns read from a file.

It ignores the conversation it is given and hands out its turns in order, raising
``ScriptExhausted`` when none is left, so a run ends with ``script_exhausted``
(``agent.models.recorded.RecordedTurnsModel`` does the same with a run's recorded turns).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.models.base import (
    AssistantTurn,
    ModelBase,
    ScriptExhausted,
)
from agent.models.openai_model import turn_from_message
from sandboxes.numbers import number


class ScriptToolCall(BaseModel):
    """One scripted tool call; ``arguments`` may be an object or a raw (even invalid) string."""

    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)
    id: str | None = None


class ScriptTurn(BaseModel):
    """One scripted assistant turn."""

    model_config = ConfigDict(extra="forbid")

    content: str | None = None
    tool_calls: list[ScriptToolCall] = Field(default_factory=list)
    reasoning_content: str | None = None
    finish_reason: str | None = None
    delay_s: float = number(default=0.0, ge=0)  # simulated endpoint latency


class CallIdCounter:
    """Generates ``call_1``, ``call_2``, ... across all turns of one model."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"call_{self.n}"


def _wire_message(turn: ScriptTurn) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": "assistant", "content": turn.content}
    if turn.reasoning_content is not None:
        msg["reasoning_content"] = turn.reasoning_content
    if turn.tool_calls:
        msg["tool_calls"] = [
            {"id": c.id, "type": "function",
             "function": {"name": c.name, "arguments": c.arguments if isinstance(c.arguments, str)
                          else json.dumps(c.arguments, ensure_ascii=False)}}
            for c in turn.tool_calls]
    return msg


class ScriptModel(ModelBase):
    """Hands out scripted turns in order; ``script:FILE`` on the command line."""

    def __init__(self, turns: Sequence[ScriptTurn | dict[str, Any]], *, name: str = "script",
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.name = name
        self._turns = [t if isinstance(t, ScriptTurn) else ScriptTurn.model_validate(t)
                       for t in turns]
        self._next = 0
        self._ids = CallIdCounter()
        self._sleep = sleep

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> ScriptModel:
        """Load a YAML or JSON list of turns; errors name the file and the bad entry's index."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"script file {path}: cannot read it ({exc}).") from exc
        try:
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as exc:
            raise ValueError(f"script file {path}: not valid "
                             f"{'JSON' if path.suffix == '.json' else 'YAML'} ({exc}).") from exc
        if not isinstance(data, list):
            raise ValueError(f"script file {path}: expected a list of turns (each with 'content' "
                             f"and/or 'tool_calls'), got {type(data).__name__}.")
        turns: list[ScriptTurn] = []
        for index, entry in enumerate(data):
            try:
                turns.append(ScriptTurn.model_validate(entry))
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors())
                raise ValueError(f"script file {path}: turn at index {index} is invalid: "
                                 f"{problems}. Each turn is {{content: ..., tool_calls: "
                                 f"[{{name: ..., arguments: {{...}}}}], delay_s: ...}}.") from None
        return cls(turns, name=kwargs.pop("name", f"script:{path}"), **kwargs)

    def __repr__(self) -> str:
        return f"ScriptModel(name={self.name!r}, turns={len(self._turns)}, next={self._next})"

    @property
    def remaining(self) -> int:
        """Turns not yet handed out."""
        return len(self._turns) - self._next

    def complete(self, messages: list[dict[str, Any]],
                 tools: list[dict[str, Any]]) -> AssistantTurn:
        """Return the next scripted turn; raise ScriptExhausted when there is none."""
        if self._next >= len(self._turns):
            raise ScriptExhausted(f"{self.name}: all {len(self._turns)} scripted turns used")
        script_turn = self._turns[self._next]
        self._next += 1
        start = time.monotonic()
        if script_turn.delay_s:
            self._sleep(script_turn.delay_s)
        turn = turn_from_message(_wire_message(script_turn), send_reasoning=False,
                                 new_id=self._ids)
        turn.finish_reason = script_turn.finish_reason or (
            "tool_calls" if turn.tool_calls else "stop")
        turn.latency_s = time.monotonic() - start
        return turn

