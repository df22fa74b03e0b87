"""Harbor's Agent Trajectory Interchange Format (ATIF): models, validation, import and export.

An ATIF document is ``{schema_version, session_id, agent, steps, final_metrics, extra}``;
each step has a 1-based ``step_id``, a ``source`` (system | user | agent) and a ``message``;
agent steps may add ``model_name``, ``reasoning_content``, ``tool_calls``, ``observation``
(results tied to calls by ``source_call_id``) and ``metrics``. ultrarun's own details (exit
codes, cut outputs, the run's status and grade) ride in the ``extra`` objects, so an export
imports back without loss of steps or calls.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agent.interchange.builder import ImportedCall, ImportedRun, ImportedStep, text_of
from agent.interchange.exits import NOT_ENDED, from_exit_status
from agent.interchange.source import MAX_BYTES, TIME_RANGE, is_format_error_reply, read_json
from agent.trajectory import LoadedRun, load_run
from agent.trajectory.events import (
    EvaluationEvent,
    MessageEvent,
    ModelCall,
    RunStart,
    ToolCallEvent,
    ToolResultEvent,
)
from sandboxes.errors import UserError

ATIF_VERSION = "ATIF-v1.6"
#: What a step's usage holds beyond ATIF's fields, in its ``metrics.extra.ultrarun``: token
#: kinds ATIF has no name for, and the request's prefix figures (docs/metrics.md, caching).
KIND_KEYS = ("cache_write_tokens", "reasoning_tokens", "request_chars", "prefix_chars")


def _t(ts: str | None) -> float | None:
    """Unix time of an ISO 8601 timestamp (UTC when it names no zone)."""
    if not ts:
        return None
    t = datetime.fromisoformat(ts)
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")  # readers must keep what newer versions add


class AtifToolCall(_Model):
    tool_call_id: str
    function_name: str
    arguments: dict[str, Any]


class AtifObservationResult(_Model):
    source_call_id: str | None = None
    content: str | list[dict[str, Any]] | None = None


class AtifObservation(_Model):
    results: list[AtifObservationResult]


class AtifMetrics(_Model):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None
    cost_usd: float | None = None


class AtifStep(_Model):
    step_id: int
    timestamp: str | None = None
    source: Literal["system", "user", "agent"]
    model_name: str | None = None
    message: str | list[dict[str, Any]]
    reasoning_content: str | None = None
    tool_calls: list[AtifToolCall] | None = None
    observation: AtifObservation | None = None
    metrics: AtifMetrics | None = None
    extra: dict[str, Any] | None = None

    @field_validator("timestamp")
    @classmethod
    def _iso(cls, v: str | None) -> str | None:
        if v is not None:  # ValueError → a validation error naming the step
            t = _t(v)
            if t is None or not TIME_RANGE[0] < t < TIME_RANGE[1]:
                raise ValueError(f"{v!r} is not a time between 1970 and 2100")
        return v

    @model_validator(mode="after")
    def _agent_only(self) -> AtifStep:
        if self.source != "agent":
            bad = [f for f in ("model_name", "reasoning_content", "tool_calls", "metrics")
                   if getattr(self, f) is not None]
            if bad:
                raise ValueError(f"{', '.join(bad)} only allowed on agent steps")
        ids = {c.tool_call_id for c in self.tool_calls or []}
        for r in (self.observation.results if self.observation else []):
            if r.source_call_id and r.source_call_id not in ids:
                raise ValueError(f"observation source_call_id {r.source_call_id!r} is not a "
                                 "tool_call_id of this step")
        return self


class AtifAgent(_Model):
    name: str
    version: str
    model_name: str | None = None
    extra: dict[str, Any] | None = None


class AtifFinalMetrics(_Model):
    total_prompt_tokens: int | None = None
    total_completion_tokens: int | None = None
    total_cached_tokens: int | None = None
    total_cost_usd: float | None = None
    total_steps: int | None = None


class AtifTrajectory(_Model):
    schema_version: str = Field(pattern=r"^ATIF-v1\.\d+$")
    session_id: str | None = None
    agent: AtifAgent
    steps: list[AtifStep] = Field(min_length=1)
    notes: str | None = None
    final_metrics: AtifFinalMetrics | None = None
    extra: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _sequential(self) -> AtifTrajectory:
        for i, s in enumerate(self.steps, 1):
            if s.step_id != i:
                raise ValueError(f"step_id must run 1, 2, 3 …: steps[{i - 1}] has {s.step_id}")
        return self


def validate_atif(data: Any) -> AtifTrajectory:
    """Parse and check an ATIF document; ValueError listing what is wrong."""
    try:
        return AtifTrajectory.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'document'}: {err['msg']}"
                             for err in e.errors()[:5])
        raise ValueError(problems) from None


# -- export ---------------------------------------------------------------------------------
def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def to_atif(run: LoadedRun) -> dict[str, Any]:
    """The ATIF document of a loaded run folder.

    Totals come from run.json (what the run declares; for a native run the sum of its
    turns). A run without times of its own (an import from a source that has none) gets no
    ``timestamp`` on its steps rather than the time of the import.
    """
    info = run.info
    model = info.model if info else None
    totals = info.totals if info else None
    timed = not (totals is not None and totals.wall_s is None)
    steps: list[dict[str, Any]] = []
    agent_step: dict[str, Any] | None = None
    orphans: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    tools: list[str] = []

    def add(step: dict[str, Any], t: float) -> dict[str, Any]:
        step = {"step_id": len(steps) + 1, **({"timestamp": _iso(t)} if timed else {}), **step}
        steps.append(step)
        return step

    for e in run.events:
        match e:
            case RunStart():
                tools = list(e.tools)
                for m in e.messages:
                    add({"source": "system" if m.get("role") == "system" else "user",
                         "message": text_of(m.get("content"))}, e.t)
            case ModelCall():
                extra = e.model_extra or {}  # what an import kept of its source
                kinds = _drop_none({k: getattr(e, k) for k in KIND_KEYS})
                usage = _drop_none({"prompt_tokens": e.prompt_tokens,
                                    "completion_tokens": e.completion_tokens,
                                    "cached_tokens": e.cached_tokens, "cost_usd": e.cost,
                                    "extra": {"ultrarun": kinds} if kinds else None})
                agent_step = add(_drop_none({
                    "source": "agent", "model_name": model,
                    "message": text_of(e.message.get("content")),
                    "reasoning_content": e.reasoning,
                    "metrics": usage or None,
                    "extra": {"ultrarun": _drop_none({
                        "step": e.step, "finish_reason": e.finish_reason,
                        "format_error": e.format_error, "latency_s": e.latency_s,
                        "refused_calls": extra.get("refused_calls"),
                        "not_executed": extra.get("not_executed"), "results": {}})}}), e.t)
            case ToolCallEvent() if agent_step is not None:
                agent_step.setdefault("tool_calls", []).append({
                    "tool_call_id": e.call_id, "function_name": e.name,
                    "arguments": e.arguments if e.arguments is not None else {}})
                if e.arguments is None:  # unparsable: keep the raw text, not a fake object
                    agent_step["extra"]["ultrarun"].setdefault("raw_arguments", {})[e.call_id] \
                        = {"raw_arguments": e.raw_arguments, "parse_error": e.parse_error}
            case ToolResultEvent():
                ids = {c["tool_call_id"] for c in (agent_step or {}).get("tool_calls", [])}
                if agent_step is None or e.call_id not in ids:
                    orphans.append({"call_id": e.call_id, "step": e.step, "output": e.output})
                    continue
                agent_step.setdefault("observation", {"results": []})["results"].append(
                    {"source_call_id": e.call_id, "content": e.output})
                agent_step["extra"]["ultrarun"]["results"][e.call_id] = _drop_none({
                    "ok": e.ok, "exit_code": e.exit_code, "timed_out": e.timed_out,
                    "truncated": e.truncated, "output_ref": e.output_ref,
                    "error_kind": e.error_kind, "duration_s": e.duration_s, "note": e.note})
            case MessageEvent():
                add({"source": "system" if e.role == "system" else "user",
                     "message": e.content or "",
                     "extra": {"ultrarun": {"step": e.step, "role": e.role,
                                            "reason": e.reason}}}, e.t)
            case EvaluationEvent():
                evaluations.append({"step": e.step, "tool_calls": e.tool_calls,
                                    "commit": e.commit, "passed": e.passed, "total": e.total,
                                    "final": e.final})
    if not steps:  # ATIF needs at least one step; an empty run still exports
        add({"source": "system", "message": ""}, info.started_at if info else 0.0)
    metrics = [s.get("metrics") or {} for s in steps]

    def total(key: str, declared: Any) -> Any:
        values = [m[key] for m in metrics if m.get(key) is not None]
        return declared if declared is not None else (sum(values) if values else None)

    cost = total("cost_usd", totals.cost if totals else None)
    imported = info.options.imported if info else None
    return _drop_none({
        "schema_version": ATIF_VERSION,
        "session_id": info.run_id if info else run.run_dir.name,
        "agent": _drop_none({"name": "ultrarun",
                             "version": (info.versions.get("ultrarun") if info else None)
                             or "unknown",
                             "model_name": model,
                             "extra": _drop_none({"model_kind": info.model_kind if info else None,
                                                  "tools": tools})}),
        "steps": steps,
        "final_metrics": _drop_none({
            "total_prompt_tokens": total("prompt_tokens", totals.tokens_in if totals else None),
            "total_completion_tokens": total("completion_tokens",
                                             totals.tokens_out if totals else None),
            "total_cached_tokens": total("cached_tokens", totals.tokens_cached
                                         if totals and totals.cache_reported_calls else None),
            "total_cost_usd": None if cost is None else round(cost, 6),
            "total_steps": len(steps)}),
        "extra": {"ultrarun": _drop_none({
            "run_id": info.run_id if info else None,
            "scenario": info.scenario if info else None,
            "status": info.status if info else None,
            "end_reason": info.end_reason if info else None,
            "started_at": info.started_at if info and timed else None,
            "ended_at": info.ended_at if info and timed else None,
            "grade": info.grade if info else None,
            "evaluations": evaluations or None,
            "orphan_results": orphans or None,
            "imported": imported}) | {"wall_s": totals.wall_s if totals else None}},
    })


def export_atif(run_dir: Path, dest: Path) -> Path:
    """Write the run folder ``run_dir`` as an ATIF JSON file at ``dest``."""
    run = load_run(Path(run_dir))
    if run.info is None and not run.events:
        raise UserError(f"{run_dir}: not a run folder ({'; '.join(run.warnings)})")
    doc = to_atif(run)
    validate_atif(doc)  # never write a file our own reader would refuse
    try:
        Path(dest).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                              encoding="utf-8")
    except OSError as e:
        raise UserError(f"{dest}: cannot write ({e.strerror or e})") from None
    return Path(dest)


# -- import ---------------------------------------------------------------------------------
#: Words in a tool call that mean the agent submitted (mini-swe-agent's completion markers).
_SUBMIT_MARKERS = ("MINI_SWE_AGENT_FINAL_OUTPUT", "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT")
#: Timestamps of at least this many agent turns all within this span were written at
#: conversion time (Harbor's first mini-swe-agent converter stamps every step with "now").
_SAME_TIME_TURNS, _SAME_TIME_SPAN = 3, 1.0
_RC = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")


def _declares_end(doc: AtifTrajectory) -> tuple[str, str]:
    """(status, end_reason) from what a foreign file says: a root ``extra.exit_status``, or a
    completion call in the last agent turn (terminus-2's ``mark_task_complete``,
    mini-swe-agent's submit command); else not finished."""
    extra = doc.extra or {}
    if isinstance(extra.get("exit_status"), str):
        return from_exit_status(extra["exit_status"])
    last = next((s for s in reversed(doc.steps) if s.source == "agent"), None)
    if last is not None:
        if (last.extra or {}).get("task_complete") is True:
            return "finished", "finished"
        for c in last.tool_calls or []:
            if c.function_name == "mark_task_complete" or any(
                    m in json.dumps(c.arguments) for m in _SUBMIT_MARKERS):
                return "finished", "finished"
    return NOT_ENDED


def _step_times(doc: AtifTrajectory, warnings: list[str]) -> dict[int, float]:
    times = {s.step_id: t for s in doc.steps if (t := _t(s.timestamp)) is not None}
    agent_turns = sum(1 for s in doc.steps if s.source == "agent" and s.step_id in times)
    if agent_turns >= _SAME_TIME_TURNS and max(times.values()) - min(times.values()) \
            < _SAME_TIME_SPAN:
        warnings.append(f"the timestamps of all {agent_turns} agent steps lie within "
                        f"{_SAME_TIME_SPAN:g} s: they record when the file was written, not "
                        "the run; wall time is not available")
        return {}
    return times


def _calls(s: AtifStep, ours: dict[str, Any]) -> list[ImportedCall]:
    recorded = _dict(ours.get("results"))
    raw = _dict(ours.get("raw_arguments"))
    calls = []
    for c in s.tool_calls or []:
        extra = _dict(recorded.get(c.tool_call_id))
        bad = _dict(raw.get(c.tool_call_id))
        duration = extra.get("duration_s")
        calls.append(ImportedCall(
            name=c.function_name, arguments=None if bad else c.arguments, output=None,
            call_id=c.tool_call_id, exit_code=_int_or_none(extra.get("exit_code")),
            ok=extra.get("ok") if isinstance(extra.get("ok"), bool) else None,
            raw_arguments=_str(bad.get("raw_arguments")), parse_error=_str(bad.get("parse_error")),
            duration_s=float(duration) if isinstance(duration, int | float) else 0.0,
            timed_out=extra.get("timed_out") is True,
            note=_str(extra.get("note")), extra=_drop_none({"error_kind": _str(
                extra.get("error_kind"))})))
    return calls


def _time(v: Any) -> float | None:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and TIME_RANGE[0] < v < \
        TIME_RANGE[1]
    return float(v) if ok else None


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _int_or_none(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _kinds(m: AtifMetrics) -> dict[str, int | None]:
    """Token kinds ATIF has no field for, from our own export's ``metrics.extra``."""
    extra = (m.model_extra or {}).get("extra")
    ours = extra.get("ultrarun") if isinstance(extra, dict) else None
    ours = ours if isinstance(ours, dict) else {}
    return {k: v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None
            for k in KIND_KEYS for v in [ours.get(k)]}


def _agent_step(s: AtifStep, t: float | None, mini: bool) -> ImportedStep:
    """One agent turn: its calls paired with the observation results. ``mini``: the file
    was converted from mini-swe-agent, whose observations start with ``<returncode>N``."""
    ours = (s.extra or {}).get("ultrarun")
    ours = ours if isinstance(ours, dict) else {}
    calls = _calls(s, ours)
    linked: dict[str, list[str]] = {}
    loose: list[str] = []
    for r in s.observation.results if s.observation else []:
        if r.source_call_id:
            linked.setdefault(r.source_call_id, []).append(text_of(r.content))
        elif r.content is not None:
            loose.append(text_of(r.content))
    m = s.metrics or AtifMetrics()
    kinds = _kinds(m)
    step = ImportedStep(
        content=text_of(s.message) or None, calls=calls, reasoning=s.reasoning_content,
        prompt_tokens=m.prompt_tokens, completion_tokens=m.completion_tokens, cost=m.cost_usd,
        cached_tokens=m.cached_tokens if (m.cached_tokens or 0) >= 0 else None,
        cache_write_tokens=kinds["cache_write_tokens"],
        reasoning_tokens=kinds["reasoning_tokens"], request_chars=kinds["request_chars"],
        prefix_chars=kinds["prefix_chars"],
        t=t, finish_reason=_str(ours.get("finish_reason")),
        format_error=_str(ours.get("format_error")),
        extra=_drop_none({k: ours.get(k) for k in ("refused_calls", "not_executed")}))
    for c in calls:
        if c.call_id in linked:
            c.output = "\n".join(linked[c.call_id])
    if loose and not linked and all(is_format_error_reply(x) for x in loose):
        step.refuse("refused by the harness: " + loose[0].strip().splitlines()[0][:120])
        step.after.extend(("user", x, "format_error") for x in loose)
        return step
    unanswered = [c for c in calls if c.output is None]
    if len(unanswered) == 1 and len(loose) == 1:  # one call, one result: they belong together
        unanswered[0].output = loose.pop()
    for c in unanswered:
        if c.output is None and loose:
            c.note = c.note or "the step's observation is shared by its calls: see the " \
                               "message after them"
    step.after.extend(("user", x, "observation") for x in loose)
    for c in calls:
        if mini and c.exit_code is None and c.output and (rc := _RC.match(c.output.lstrip())):
            c.exit_code = int(rc.group(1))
    return step


def parse(path: Path, max_bytes: int = MAX_BYTES) -> ImportedRun:
    """Parse the file at ``path``; a UserError names the file and the field at fault."""
    data = read_json(path, max_bytes)
    if not isinstance(data, dict) or not isinstance(data.get("schema_version"), str) \
            or not data["schema_version"].startswith("ATIF"):
        raise UserError(f"{path}: schema_version: missing: not an ATIF trajectory (expected a "
                        "JSON object whose `schema_version` is \"ATIF-v1.x\")")
    try:
        doc = validate_atif(data)
    except ValueError as e:
        raise UserError(f"{path}: invalid ATIF: {e}") from None
    ours = (doc.extra or {}).get("ultrarun")
    ours = ours if isinstance(ours, dict) else {}
    warnings: list[str] = []
    times = {s.step_id: t for s in doc.steps if (t := _t(s.timestamp)) is not None} if ours \
        else _step_times(doc, warnings)  # our own export's times are the run's
    mini = doc.agent.name == "mini-swe-agent"
    live = [s for s in doc.steps if not (s.model_extra or {}).get("is_copied_context")]
    first = next((i for i, s in enumerate(live) if s.source == "agent"), len(live))
    opening = [{"role": s.source, "content": text_of(s.message)} for s in live[:first]]
    steps: list[ImportedStep] = []
    for s in live[first:]:
        if s.source == "agent":
            steps.append(_agent_step(s, times.get(s.step_id), mini))
            continue
        mine = (s.extra or {}).get("ultrarun")
        mine = mine if isinstance(mine, dict) else {}
        steps[-1].after.append((str(mine.get("role") or s.source), text_of(s.message),
                                str(mine.get("reason") or "note")))
        for r in s.observation.results if s.observation else []:  # v1.2+: system results
            steps[-1].after.append(("system", text_of(r.content), "observation"))
    status, reason = (str(ours["status"]), str(ours.get("end_reason") or ours["status"])) \
        if isinstance(ours.get("status"), str) else _declares_end(doc)
    fm = doc.final_metrics or AtifFinalMetrics()
    model = doc.agent.model_name or next((s.model_name for s in doc.steps if s.model_name),
                                         None) or "unknown"
    started = _time(ours.get("started_at")) or (min(times.values()) if times else None)
    ended = _time(ours.get("ended_at")) or (max(times.values()) if times else None)
    wall = ours.get("wall_s") if isinstance(ours.get("wall_s"), int | float) and \
        0 <= ours["wall_s"] < TIME_RANGE[1] else None
    if "wall_s" in ours and ours["wall_s"] is None:
        started = ended = None  # the exported run had no times of its own
    return ImportedRun(
        kind="atif", source=Path(path), model=model, messages=opening, steps=steps,
        status=status, end_reason=reason, scenario=str(ours.get("scenario") or "imported"),
        started_at=started, ended_at=ended, wall_s=wall, tokens_in=fm.total_prompt_tokens,
        tokens_out=fm.total_completion_tokens, cost=fm.total_cost_usd,
        totals_from="final_metrics", warnings=warnings,
        metadata=_drop_none({"schema_version": doc.schema_version, "session_id": doc.session_id,
                             "agent": f"{doc.agent.name} {doc.agent.version}",
                             "notes": doc.notes, "total_cached_tokens": fm.total_cached_tokens,
                             "source_run_id": ours.get("run_id"), "grade": ours.get("grade"),
                             "origin": ours.get("imported")}))


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "run"
