"""The conversation the loop keeps: messages plus what context policies need to know.

Both the live loop and `resume` build it through these methods only, so a conversation rebuilt
from `events.jsonl` is the one the run had.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.context import CallMeta


@dataclass
class Conversation:
    messages: list[dict[str, Any]] = field(default_factory=list)
    step_starts: dict[int, int] = field(default_factory=dict)  # step -> index of its turn
    meta: dict[str, CallMeta] = field(default_factory=dict)  # call id -> name, exit code

    def start(self, opening: list[dict[str, Any]]) -> None:
        self.messages = list(opening)
        self.step_starts = {}

    def add_turn(self, step: int, message: dict[str, Any]) -> None:
        self.step_starts.setdefault(step, len(self.messages))
        self.messages.append(message)

    def note_result(self, call_id: str, name: str, exit_code: int | None, ok: bool) -> None:
        self.meta[call_id] = CallMeta(name, exit_code, ok)

    def add(self, messages: list[dict[str, Any]]) -> None:
        self.messages.extend(messages)

    def compact(self, summary: dict[str, Any]) -> int:
        """Replace everything after the task by ``summary``; return how many were replaced."""
        replaced = len(self.messages) - 2
        self.messages = [*self.messages[:2], summary]
        self.step_starts = {}
        return replaced
