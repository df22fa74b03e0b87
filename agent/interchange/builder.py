"""Write a foreign trajectory as an ordinary run folder (run.json + events.jsonl).

Importers parse their format into an `ImportedRun`; `write_run` turns it into events through
the `Recorder`, keeping the source's timestamps when it has them. No snapshots.git and no
evaluation events are made: the source has no workspace history, so metrics that need them
report "not available" instead of inventing zeros.
"""

from __future__ import annotations

import json
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
from agent.trajectory.run_info import RunInfo, Totals, versions
from sandboxes.errors import UserError

E = TypeVar("E", bound=EventBase)


@dataclass
class ImportedCall:
    """One tool call and what came back."""

    name: str
    arguments: dict[str, Any] | None
    output: str | None  # None: the source recorded no observation for it
    call_id: str | None = None
    exit_code: int | None = None
    ok: bool | None = None  # None: derived from the exit code
    raw_arguments: str | None = None
    parse_error: str | None = None
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)  # kept on the tool_result event


@dataclass
class ImportedStep:
    """One model turn: its message, its calls, and messages the harness added after them."""

    content: str | None
    calls: list[ImportedCall] = field(default_factory=list)
    reasoning: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: float | None = None
    t: float | None = None
    finish_reason: str | None = None
    format_error: str | None = None
    after: list[tuple[str, str, str]] = field(default_factory=list)  # (role, content, reason)
    extra: dict[str, Any] = field(default_factory=dict)  # kept on the model_call event


@dataclass
class ImportedRun:
    kind: str
    source: Path
    model: str
    messages: list[dict[str, Any]]  # system prompt and task, as sent
    steps: list[ImportedStep]
    status: str = "finished"
    end_reason: str = "finished"
    scenario: str = "imported"
    started_at: float | None = None
    ended_at: float | None = None
    tokens_in: int | None = None  # totals when the source only has totals
    tokens_out: int | None = None
    cost: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # exit status, submission, versions


class _Recorder(Recorder):
    """A Recorder whose events carry the source's timestamps rather than the import's."""

    clock: float | None = None

    def emit(self, event_cls: type[E], step: int, **fields: Any) -> E:
        with self._lock:
            t = self.clock if self.clock is not None else time.time()
            event = event_cls(seq=self._seq, t=t, step=step, **fields)
            self._file.write(event.model_dump_json(exclude_none=True).encode() + b"\n")
            self._file.flush()
            self._seq += 1
            return event


def load_json(path: Path) -> Any:
    """The JSON content of ``path``; UserError naming the file when it is not JSON."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise UserError(f"{path}: cannot read ({e.strerror or e})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None


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
                parts.append(str(p.get("text", "")) if p.get("type", "text") == "text"
                             else f"[{p.get('type')}]")
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


def write_run(run: ImportedRun, out_dir: Path) -> Path:
    """Write ``run`` as the run folder ``out_dir`` (which must be new or empty)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise UserError(f"{out_dir}: already exists and is not empty (pick another --out)")
    out_dir.mkdir(parents=True, exist_ok=True)
    now = time.time()
    start = run.started_at or next((s.t for s in run.steps if s.t), None) or now
    info = RunInfo(run_id=out_dir.name, scenario=run.scenario, model=run.model,
                   model_kind="imported", sandbox="none", context="full", eval_every=None,
                   versions=versions(), started_at=start, status="running",
                   options={"imported": {"format": run.kind, "source": str(run.source),
                                         **run.metadata}})
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
                     finish_reason=step.finish_reason or ("tool_calls" if step.calls else "stop"),
                     format_error=step.format_error, **step.extra)
            totals.steps = n
            totals.tokens_in += step.prompt_tokens or 0
            totals.tokens_out += step.completion_tokens or 0
            totals.cost += step.cost or 0.0
            for cid, c in zip(ids, step.calls, strict=True):
                rec.emit(ToolCallEvent, n, call_id=cid, name=c.name, arguments=c.arguments,
                         raw_arguments=_raw(c), parse_error=c.parse_error)
                t += c.duration_s
                rec.clock = t
                ok = c.ok if c.ok is not None else (c.exit_code in (None, 0)
                                                    and c.output is not None)
                note = None if c.output is not None else "no observation recorded in the source"
                rec.emit(ToolResultEvent, n, call_id=cid, name=c.name, ok=ok,
                         output=c.output or "", exit_code=c.exit_code,
                         duration_s=c.duration_s, note=note, **c.extra)
                totals.tool_calls += 1
            for role, content, reason in step.after:
                rec.emit(MessageEvent, n, role=role, content=content, reason=reason)
            if step.format_error:
                totals.format_errors += 1
        # Sources that only keep totals (SWE-agent) still get them into run.json.
        totals.tokens_in = totals.tokens_in or run.tokens_in or 0
        totals.tokens_out = totals.tokens_out or run.tokens_out or 0
        totals.cost = round(totals.cost or run.cost or 0.0, 6)
        end = max(t, run.ended_at or t)
        totals.wall_s = round(end - start, 3)
        rec.clock = end
        info.status, info.end_reason, info.ended_at, info.totals = \
            run.status, run.end_reason, end, totals
        rec.emit(RunEnd, len(run.steps), status=run.status, end_reason=run.end_reason,
                 totals=totals.model_dump())
        rec.save_info()
    finally:
        rec.close()
    return out_dir
