"""Flatten a run's events into one record per tool call: the axis every metric is measured on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agent.trajectory import EventBase, LoadedRun


@dataclass
class Call:
    """One tool call and its result. ``index`` is 1-based: the run's tool-call counter after it."""

    index: int
    step: int
    call_id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str
    parse_error: str | None
    ok: bool
    exit_code: int | None
    error_kind: str | None
    output_chars: int
    wall_s: float  # seconds since run start when the result was recorded
    tokens: int  # cumulative prompt + completion tokens of the model calls up to this call

    @property
    def failed(self) -> bool:
        return (not self.ok) or (self.exit_code is not None and self.exit_code != 0)

    @property
    def malformed(self) -> bool:
        return self.parse_error is not None or self.error_kind == "bad_arguments"

    @property
    def unknown_tool(self) -> bool:
        return self.error_kind == "unknown_tool"

    @property
    def signature(self) -> str:
        """Tool name + canonical JSON arguments (raw text when they did not parse)."""
        if self.arguments is None:
            return f"{self.name}\x00raw:{self.raw_arguments}"
        args = json.dumps(self.arguments, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False, default=str)
        return f"{self.name}\x00{args}"


def run_start_time(run: LoadedRun) -> float:
    """The run's start (run.json), else the first event's time, else 0."""
    if run.info is not None and run.info.started_at:
        return run.info.started_at
    return run.events[0].t if run.events else 0.0


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def extract_calls(run: LoadedRun) -> list[Call]:
    """Pair tool_call and tool_result events by call id, in order.

    Calls answered ``after_finish`` were never run and are left out, matching the runner's own
    tool-call counter (which evaluation and snapshot events refer to). A call with no result
    (the run died mid-call) is left out too.
    """
    start = run_start_time(run)
    pending: dict[str, EventBase] = {}
    calls: list[Call] = []
    tokens = 0
    for e in run.events:
        if e.type == "model_call":
            tokens += _int(getattr(e, "prompt_tokens", 0)) + _int(
                getattr(e, "completion_tokens", 0))
        elif e.type == "tool_call":
            pending[getattr(e, "call_id", "")] = e
        elif e.type == "tool_result":
            if getattr(e, "error_kind", None) == "after_finish":
                continue
            call = pending.pop(getattr(e, "call_id", ""), None)
            calls.append(Call(
                index=len(calls) + 1, step=e.step, call_id=getattr(e, "call_id", ""),
                name=getattr(e, "name", ""),
                arguments=getattr(call, "arguments", None) if call is not None else None,
                raw_arguments=getattr(call, "raw_arguments", "") if call is not None else "",
                parse_error=getattr(call, "parse_error", None) if call is not None else None,
                ok=bool(getattr(e, "ok", False)), exit_code=getattr(e, "exit_code", None),
                error_kind=getattr(e, "error_kind", None),
                output_chars=len(getattr(e, "output", "") or ""),
                wall_s=max(0.0, e.t - start), tokens=tokens))
    return calls


def calls_before_events(run: LoadedRun) -> list[int]:
    """For each event (by position), how many tool calls had completed before it."""
    out: list[int] = []
    n = 0
    for e in run.events:
        out.append(n)
        if e.type == "tool_result" and getattr(e, "error_kind", None) != "after_finish":
            n += 1
    return out
