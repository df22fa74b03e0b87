"""Write a foreign trajectory as an ordinary run folder (run.json + events.jsonl).

Importers parse their format into an `ImportedRun`; `write_run` turns it into events through
the `Recorder`, keeping the source's timestamps when it has them. No snapshots.git and no
evaluation events are made: the source has no workspace history, so metrics that need them
report "not available" instead of inventing zeros.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from agent.trajectory.events import (
    EventBase,
    MessageEvent,
    ModelCall,
    RunEnd,
    RunStart,
    ToolCallEvent,
    ToolResultEvent,
)
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import RunInfo, Totals, as_end_reason, as_status, versions
from sandboxes.errors import UserError

E = TypeVar("E", bound=EventBase)


@dataclass
class ImportedCall:
    """One tool call the harness ran, and what came back."""

    name: str
    arguments: dict[str, Any] | None
    output: str | None  # None: the source recorded no observation of its own for it
    call_id: str | None = None
    exit_code: int | None = None
    ok: bool | None = None  # None: from the exit code (and timed_out)
    raw_arguments: str | None = None
    parse_error: str | None = None
    duration_s: float = 0.0
    timed_out: bool = False
    note: str | None = None  # why the result is incomplete, kept on the tool_result event
    extra: dict[str, Any] = field(default_factory=dict)  # kept on the tool_result event


@dataclass
class ImportedStep:
    """One model turn: its message, the calls the harness ran, what the harness said after.

    A turn the harness refused (no action, several actions, unparsable) has ``format_error``
    set and no calls; its reply is an ``after`` message with reason ``format_error``.
    """

    content: str | None
    calls: list[ImportedCall] = field(default_factory=list)
    reasoning: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    request_chars: int | None = None  # our own export's prefix figures (docs/metrics.md)
    prefix_chars: int | None = None
    t: float | None = None  # None: the source has no time for this turn
    finish_reason: str | None = None
    format_error: str | None = None
    after: list[tuple[str, str, str]] = field(default_factory=list)  # (role, content, reason)
    extra: dict[str, Any] = field(default_factory=dict)  # kept on the model_call event

    def refuse(self, why: str) -> None:
        """Mark this turn as one the harness did not run: calls parsed from it are dropped
        (kept as ``refused_calls`` on the model_call event)."""
        if self.calls:
            self.extra["refused_calls"] = [
                {"name": c.name, "raw_arguments": _raw(c)} for c in self.calls]
            self.calls = []
        self.format_error = why

    @property
    def refused(self) -> bool:
        """A format error: flagged, or answered by the harness with a format-error reply."""
        return bool(self.format_error) or any(r == "format_error" for *_, r in self.after)


@dataclass
class ImportedRun:
    """A foreign trajectory, parsed. ``tokens_in``/``tokens_out``/``cost`` are the totals the
    source declares (``totals_from`` names where), which win over the sum of its turns."""

    kind: str
    source: Path
    model: str
    messages: list[dict[str, Any]]  # system prompt and task, as sent
    steps: list[ImportedStep]
    status: str = "interrupted"
    end_reason: str = "interrupted"
    scenario: str = "imported"
    started_at: float | None = None
    ended_at: float | None = None
    wall_s: float | None = None  # declared (our own export's); else ended_at - started_at
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    totals_from: str = "the source's totals"
    metadata: dict[str, Any] = field(default_factory=dict)  # exit status, submission, versions
    warnings: list[str] = field(default_factory=list)


#: A call duration beyond this (a week) is not used to place later events in time.
MAX_DURATION = 7 * 86400.0


class _Recorder(Recorder):
    """A Recorder whose events carry the source's timestamps rather than the import's."""

    clock: float | None = None

    def emit(self, event_cls: type[E], step: int, **fields: Any) -> E:
        if self.clock is not None:
            fields["t"] = self.clock
        return super().emit(event_cls, step, **fields)


def text_of(content: Any) -> str:
    """Message content as text: strings as is, content-part lists joined."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for p in content:
            if isinstance(p, dict):
                text = p.get("text")
                parts.append(text if isinstance(text, str) else f"[{p.get('type')}]")
            else:
                parts.append(str(p))
        return "".join(parts)
    return str(content)


def _assistant_message(step: ImportedStep, ids: list[str]) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": "assistant", "content": step.content}
    if step.calls:
        msg["tool_calls"] = [
            {"id": cid, "type": "function",
             "function": {"name": c.name, "arguments": _raw(c)}}
            for cid, c in zip(ids, step.calls, strict=True)]
    return msg


def _raw(call: ImportedCall) -> str:
    if call.raw_arguments is not None:
        return call.raw_arguments
    return json.dumps(call.arguments or {}, ensure_ascii=False)


def _sum(values: list[Any]) -> Any:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _totals(run: ImportedRun, steps_sum: tuple[Any, Any, Any]) -> tuple[int, int, float | None]:
    """Declared totals where the source has them, else the turns' sums; a warning in
    ``run.warnings`` when both exist and disagree."""
    out = []
    for label, declared, summed in (("prompt tokens", run.tokens_in, steps_sum[0]),
                                    ("completion tokens", run.tokens_out, steps_sum[1]),
                                    ("cost", run.cost, steps_sum[2])):
        if declared is not None and summed is not None and not math.isclose(
                declared, summed, rel_tol=1e-3, abs_tol=1e-6):
            run.warnings.append(f"{run.totals_from} declares {label} {declared:g} but the "
                                f"turns sum to {summed:g}: the declared total is used")
        out.append(declared if declared is not None else summed)
    return int(out[0] or 0), int(out[1] or 0), None if out[2] is None else round(out[2], 6)


def write_run(run: ImportedRun, out_dir: Path) -> Path:
    """Write ``run`` as the run folder ``out_dir`` (which must be new or empty).

    Events carry the source's times; a source without any time gets the import's clock on
    every event and ``totals.wall_s`` null ("not available"), never a made-up duration.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise UserError(f"{out_dir}: already exists and is not an empty folder (pick another "
                        "--out)")
    known = [x for x in (run.started_at, *(s.t for s in run.steps), run.ended_at)
             if x is not None]
    start = min(known) if known else time.time()
    tokens_in, tokens_out, cost = _totals(run, (
        _sum([s.prompt_tokens for s in run.steps]), _sum([s.completion_tokens for s in run.steps]),
        _sum([s.cost for s in run.steps])))
    imported = {"format": run.kind, "source": str(run.source), **run.metadata,
                "timestamps": "source" if known else "none"}
    if run.warnings:
        imported["warnings"] = list(run.warnings)
    out_dir.mkdir(parents=True, exist_ok=True)
    info = RunInfo(run_id=out_dir.name, scenario=run.scenario, model=run.model,
                   model_kind="imported", sandbox="none", context="full", eval_every=None,
                   versions=versions(), started_at=start, status="running",
                   options={"imported": imported})
    rec = _Recorder(out_dir, info)
    try:
        rec.clock = start
        tools = sorted({c.name for s in run.steps for c in s.calls})
        rec.emit(RunStart, 0, run_id=info.run_id, messages=run.messages, tools=tools)
        totals = Totals()
        seen_ids: set[str] = set()
        t = start
        for n, step in enumerate(run.steps, 1):
            t = max(t, step.t or t)
            rec.clock = t
            ids = []
            for k, c in enumerate(step.calls, 1):
                cid = c.call_id if c.call_id and c.call_id not in seen_ids else f"call_{n}_{k}"
                seen_ids.add(cid)
                ids.append(cid)
            rec.emit(ModelCall, n, message=_assistant_message(step, ids),
                     reasoning=step.reasoning, prompt_tokens=step.prompt_tokens,
                     completion_tokens=step.completion_tokens, cost=step.cost,
                     cached_tokens=step.cached_tokens, cache_write_tokens=step.cache_write_tokens,
                     reasoning_tokens=step.reasoning_tokens, request_chars=step.request_chars,
                     prefix_chars=step.prefix_chars,
                     finish_reason=step.finish_reason or ("tool_calls" if step.calls else "stop"),
                     format_error=step.format_error, **step.extra)
            totals.steps = n
            totals.model_calls += 1
            totals.unpriced_calls += step.cost is None
            if step.cached_tokens is not None:
                totals.tokens_cached += step.cached_tokens
                totals.cache_reported_calls += 1
            totals.tokens_cache_write += step.cache_write_tokens or 0
            totals.tokens_reasoning += step.reasoning_tokens or 0
            if step.prefix_chars is not None and step.request_chars:
                totals.request_chars += step.request_chars
                totals.prefix_chars += min(step.prefix_chars, step.request_chars)
            for cid, c in zip(ids, step.calls, strict=True):
                rec.emit(ToolCallEvent, n, call_id=cid, name=c.name, arguments=c.arguments,
                         raw_arguments=_raw(c), parse_error=c.parse_error)
                t += c.duration_s if known and 0.0 <= c.duration_s <= MAX_DURATION else 0.0
                rec.clock = t
                ok = c.ok if c.ok is not None else (c.exit_code in (None, 0) and not c.timed_out)
                note = c.note or (None if c.output is not None
                                  else "no observation of its own recorded in the source")
                rec.emit(ToolResultEvent, n, call_id=cid, name=c.name, ok=ok,
                         output=c.output or "", exit_code=c.exit_code, timed_out=c.timed_out,
                         duration_s=c.duration_s, note=note, **c.extra)
                totals.tool_calls += 1
            for role, content, reason in step.after:
                rec.emit(MessageEvent, n, role=role, content=content, reason=reason)
            if step.refused:
                totals.format_errors += 1
        totals.tokens_in, totals.tokens_out, totals.cost = tokens_in, tokens_out, cost
        end = max(t, run.ended_at or t)
        totals.wall_s = run.wall_s if run.wall_s is not None else (
            round(end - start, 3) if known else None)
        rec.clock = end
        # The source's words, checked: a hostile file's status never reaches run.json as is.
        status, reason = as_status(run.status), as_end_reason(run.end_reason)
        info.status, info.end_reason, info.ended_at, info.totals = status, reason, end, totals
        rec.emit(RunEnd, len(run.steps), status=status, end_reason=reason,
                 totals=totals.model_dump())
        rec.save_info()
    finally:
        rec.close()
    return out_dir
