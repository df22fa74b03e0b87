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

from agent.interchange.builder import ImportedCall, ImportedRun, ImportedStep, load_json, text_of
from agent.trajectory import LoadedRun, load_run
from sandboxes.errors import UserError

ATIF_VERSION = "ATIF-v1.6"


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
        if v is not None:
            datetime.fromisoformat(v)  # ValueError → a validation error naming the step
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
            if r.source_call_id is not None and r.source_call_id not in ids:
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
    """The ATIF document of a loaded run folder."""
    info = run.info
    model = info.model if info else None
    steps: list[dict[str, Any]] = []
    agent_step: dict[str, Any] | None = None
    orphans: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    tools: list[str] = []

    def add(step: dict[str, Any]) -> dict[str, Any]:
        step = {"step_id": len(steps) + 1, **step}
        steps.append(step)
        return step

    for e in run.events:
        d = e.model_dump()
        if e.type == "run_start":
            tools = list(d.get("tools") or [])
            for m in d.get("messages") or []:
                add({"timestamp": _iso(e.t),
                     "source": "system" if m.get("role") == "system" else "user",
                     "message": text_of(m.get("content"))})
        elif e.type == "model_call":
            msg = d.get("message") or {}
            metrics = _drop_none({"prompt_tokens": d.get("prompt_tokens"),
                                  "completion_tokens": d.get("completion_tokens"),
                                  "cost_usd": d.get("cost")})
            agent_step = add(_drop_none({
                "timestamp": _iso(e.t), "source": "agent", "model_name": model,
                "message": text_of(msg.get("content")),
                "reasoning_content": d.get("reasoning"),
                "metrics": metrics or None,
                "extra": {"ultrarun": _drop_none({
                    "step": e.step, "finish_reason": d.get("finish_reason"),
                    "format_error": d.get("format_error"), "latency_s": d.get("latency_s"),
                    "results": {}})}}))
        elif e.type == "tool_call" and agent_step is not None:
            agent_step.setdefault("tool_calls", []).append({
                "tool_call_id": d["call_id"], "function_name": d["name"],
                "arguments": d.get("arguments") if isinstance(d.get("arguments"), dict) else {}})
            if d.get("arguments") is None:  # unparsable: keep the raw text, not a fake object
                agent_step["extra"]["ultrarun"].setdefault("raw_arguments", {})[d["call_id"]] = \
                    {"raw_arguments": d.get("raw_arguments"), "parse_error": d.get("parse_error")}
        elif e.type == "tool_result":
            ids = {c["tool_call_id"] for c in (agent_step or {}).get("tool_calls", [])}
            if agent_step is None or d["call_id"] not in ids:
                orphans.append({"call_id": d["call_id"], "step": e.step, "output": d["output"]})
                continue
            agent_step.setdefault("observation", {"results": []})["results"].append(
                {"source_call_id": d["call_id"], "content": d["output"]})
            agent_step["extra"]["ultrarun"]["results"][d["call_id"]] = _drop_none({
                k: d.get(k) for k in ("ok", "exit_code", "timed_out", "truncated",
                                      "output_ref", "error_kind", "duration_s", "note")})
        elif e.type == "message":
            add({"timestamp": _iso(e.t),
                 "source": "system" if d.get("role") == "system" else "user",
                 "message": d.get("content") or "",
                 "extra": {"ultrarun": {"step": e.step, "role": d.get("role"),
                                        "reason": d.get("reason")}}})
        elif e.type == "evaluation":
            evaluations.append({k: d.get(k) for k in ("step", "tool_calls", "commit", "passed",
                                                      "total", "final")})
    if not steps:  # ATIF needs at least one step; an empty run still exports
        add({"source": "system", "message": ""})
    metrics = [s.get("metrics") or {} for s in steps]
    prompt = sum(m.get("prompt_tokens") or 0 for m in metrics)
    completion = sum(m.get("completion_tokens") or 0 for m in metrics)
    cost = sum(m.get("cost_usd") or 0.0 for m in metrics)
    totals = info.totals if info else None
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
        "final_metrics": {
            "total_prompt_tokens": prompt or (totals.tokens_in if totals else 0),
            "total_completion_tokens": completion or (totals.tokens_out if totals else 0),
            "total_cost_usd": round(cost or (totals.cost if totals else 0.0), 6),
            "total_steps": len(steps)},
        "extra": {"ultrarun": _drop_none({
            "run_id": info.run_id if info else None,
            "scenario": info.scenario if info else None,
            "status": info.status if info else None,
            "end_reason": info.end_reason if info else None,
            "grade": info.grade if info else None,
            "evaluations": evaluations or None,
            "orphan_results": orphans or None,
            "imported": (info.options.get("imported") if info else None)})},
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
def _t(ts: str | None) -> float | None:
    return datetime.fromisoformat(ts).timestamp() if ts else None


def parse(path: Path) -> ImportedRun:
    data = load_json(path)
    if not isinstance(data, dict) or not str(data.get("schema_version", "")).startswith("ATIF"):
        raise UserError(f"{path}: not an ATIF trajectory (expected a JSON object whose "
                        "`schema_version` is \"ATIF-v1.x\")")
    try:
        doc = validate_atif(data)
    except ValueError as e:
        raise UserError(f"{path}: invalid ATIF: {e}") from None
    first = next((i for i, s in enumerate(doc.steps) if s.source == "agent"), len(doc.steps))
    opening = [{"role": s.source, "content": text_of(s.message)} for s in doc.steps[:first]]
    steps: list[ImportedStep] = []
    for s in doc.steps[first:]:
        ours = (s.extra or {}).get("ultrarun") or {}
        if s.source != "agent":
            role = ours.get("role") or s.source
            steps[-1].after.append((role, text_of(s.message), ours.get("reason") or "note"))
            continue
        results: dict[str, list[str]] = {}
        loose: list[str] = []
        for r in s.observation.results if s.observation else []:
            text = text_of(r.content)
            if r.source_call_id is None:
                loose.append(text)
            else:
                results.setdefault(r.source_call_id, []).append(text)
        recorded = ours.get("results") or {}
        raw = ours.get("raw_arguments") or {}
        calls = []
        for c in s.tool_calls or []:
            extra = recorded.get(c.tool_call_id) or {}
            out = "\n".join(results[c.tool_call_id]) if c.tool_call_id in results else None
            bad = raw.get(c.tool_call_id) or {}
            calls.append(ImportedCall(
                name=c.function_name, arguments=None if bad else c.arguments, output=out,
                call_id=c.tool_call_id, exit_code=extra.get("exit_code"), ok=extra.get("ok"),
                raw_arguments=bad.get("raw_arguments"), parse_error=bad.get("parse_error"),
                duration_s=float(extra.get("duration_s") or 0.0),
                extra=_drop_none({k: extra.get(k) for k in ("timed_out", "error_kind")})))
        m = s.metrics or AtifMetrics()
        step = ImportedStep(
            content=text_of(s.message) or None, calls=calls, reasoning=s.reasoning_content,
            prompt_tokens=m.prompt_tokens, completion_tokens=m.completion_tokens,
            cost=m.cost_usd, t=_t(s.timestamp), finish_reason=ours.get("finish_reason"),
            format_error=ours.get("format_error"))
        step.after.extend(("user", text, "observation") for text in loose)
        steps.append(step)
    ours = (doc.extra or {}).get("ultrarun") or {}
    model = doc.agent.model_name or next((s.model_name for s in doc.steps if s.model_name),
                                         None) or "unknown"
    times = [t for t in (_t(s.timestamp) for s in doc.steps) if t is not None]
    return ImportedRun(
        kind="atif", source=Path(path), model=model, messages=opening, steps=steps,
        status=ours.get("status") or "finished", end_reason=ours.get("end_reason") or "finished",
        scenario=ours.get("scenario") or "imported",
        started_at=min(times) if times else None, ended_at=max(times) if times else None,
        metadata=_drop_none({"schema_version": doc.schema_version, "session_id": doc.session_id,
                             "agent": f"{doc.agent.name} {doc.agent.version}",
                             "notes": doc.notes,
                             "source_run_id": ours.get("run_id"),
                             "grade": ours.get("grade")}))


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "run"
