"""Flatten a run's events into one record per tool call: the axis every metric is measured on."""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from typing import Any

from agent.trajectory import LoadedRun
from agent.trajectory.events import ModelCall, ToolResultEvent


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
        return call_signature(self.name, self.arguments, self.raw_arguments)


def call_signature(name: str, arguments: dict[str, Any] | None, raw_arguments: str) -> str:
    """What makes two calls the same call: the tool and its canonical JSON arguments (the raw
    text when they did not parse). Loop metrics and live alerts compare these."""
    if arguments is None:
        return f"{name}\x00raw:{raw_arguments}"
    args = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return f"{name}\x00{args}"


def run_start_time(run: LoadedRun) -> float:
    """The run's start (run.json), else the first event's time, else 0."""
    if run.info is not None and run.info.started_at:
        return run.info.started_at
    return run.events[0].t if run.events else 0.0


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def extract_calls(run: LoadedRun) -> list[Call]:
    """Each tool call with its result, in the order the results were recorded.

    Calls answered ``after_finish`` were never run and are left out, matching the runner's own
    tool-call counter (which evaluation and snapshot events refer to). A call with no result
    (the run died mid-call) is left out too.
    """
    start = run_start_time(run)
    spent: list[tuple[int, int]] = []  # (seq, tokens so far) after each model call
    tokens = 0
    for m in run.events_of(ModelCall):
        tokens += _int(m.prompt_tokens) + _int(m.completion_tokens)
        spent.append((m.seq, tokens))
    done = sorted(((x.result, x.call) for x in run.tool_calls()
                   if x.result is not None and x.result.ran), key=lambda p: p[0].seq)
    calls: list[Call] = []
    for r, c in done:
        i = bisect.bisect_left(spent, (r.seq, 0))  # model calls recorded before the result
        calls.append(Call(
            index=len(calls) + 1, step=r.step, call_id=r.call_id, name=r.name,
            arguments=c.arguments if c else None, raw_arguments=c.raw_arguments if c else "",
            parse_error=c.parse_error if c else None, ok=r.ok, exit_code=r.exit_code,
            error_kind=r.error_kind, output_chars=len(r.output), wall_s=max(0.0, r.t - start),
            tokens=spent[i - 1][1] if i else 0))
    return calls


def calls_before_events(run: LoadedRun) -> list[int]:
    """For each event (by position), how many tool calls had completed before it."""
    out: list[int] = []
    n = 0
    for e in run.events:
        out.append(n)
        n += isinstance(e, ToolResultEvent) and e.ran
    return out
