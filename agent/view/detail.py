"""One step in full, as JSON for a page: the model's turn, every call with readable arguments
and its result, messages, evaluations, and the workspace diff split into typed lines.

Every string from the run goes through ``agent.textsafe.visible`` (control characters, ANSI
escapes and bidi overrides shown, never acted on) and is cut to a bound; the page puts it in
the DOM as text, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent.replay.views import StepView, args_headline, group_steps
from agent.textsafe import visible
from agent.trajectory.events import (
    ContextEvent,
    ErrorEvent,
    EvaluationEvent,
    EventBase,
    RunStart,
)
from agent.trajectory.gitsafe import GitError, diff_text
from agent.trajectory.reader import event_from_line

#: Each string of a step (an output, a file written, the model's words) is cut to this.
TEXT_LIMIT = 200_000
#: A step's diff is read up to this many bytes, and shown up to this many lines.
DIFF_BYTES = 2 << 20
DIFF_LINES = 20_000
_BASE = ("seq", "t", "type", "step")


def shown(text: str) -> str:
    """Run text as a page shows it: control characters visible, lone surrogates (which no
    UTF-8 page can hold) replaced."""
    return visible(text).encode("utf-8", "replace").decode("utf-8")


def safe(value: Any, limit: int = TEXT_LIMIT) -> Any:
    """``value`` with every string made visible and cut to ``limit`` characters."""
    if isinstance(value, str):
        text = value if len(value) <= limit else \
            value[:limit] + f"\n… ({len(value) - limit:,} more characters not shown)"
        return shown(text)
    if isinstance(value, dict):
        return {shown(str(k))[:200]: safe(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe(v, limit) for v in value]
    return value


def events_of_lines(lines: Sequence[bytes]) -> list[EventBase]:
    out: list[EventBase] = []
    for raw in lines:
        try:
            out.append(event_from_line(raw))
        except (ValueError, RecursionError):
            continue  # the tracker already warned about it
    return out


def _extra(e: EventBase, known: set[str]) -> dict[str, Any]:
    """Fields a newer recorder added that this page has no place for: shown as they are."""
    return {k: v for k, v in e.model_dump().items() if k not in known and k not in _BASE}


def step_json(sv: StepView, start: float, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    """The step as the page's detail panel shows it."""
    out: dict[str, Any] = {"step": sv.step, "calls": [], "messages": [], "evaluations": [],
                           "others": [], "model": None, "snapshot": None}
    m = sv.model
    if m is not None:
        known = {"message", "reasoning", "prompt_tokens", "completion_tokens", "cost",
                 "latency_s", "retries", "finish_reason", "format_error"}
        out["model"] = safe({
            "t": round(m.t - start, 3), "content": sv.content, "reasoning": m.reasoning,
            "prompt_tokens": m.prompt_tokens, "completion_tokens": m.completion_tokens,
            "cost": m.cost, "latency_s": m.latency_s, "finish_reason": m.finish_reason,
            "format_error": m.format_error, "retries": m.retries,
            "extra": _extra(m, known)}, limit)
    for cv in sv.calls:
        c, r = cv.call, cv.result
        entry: dict[str, Any] = {
            "call_id": cv.call_id, "name": cv.name,
            "headline": args_headline(cv.name, c.arguments if c else None,
                                      c.raw_arguments if c else "", 300) if c else
            "(call not recorded)",
            "arguments": c.arguments if c else None,
            "raw_arguments": c.raw_arguments if c and c.arguments is None else None,
            "parse_error": c.parse_error if c else None, "result": None}
        if r is not None:
            entry["result"] = {"ok": r.ok, "failed": r.failed, "exit_code": r.exit_code,
                               "output": r.output, "truncated": r.truncated,
                               "output_ref": r.output_ref, "duration_s": r.duration_s,
                               "error_kind": r.error_kind, "note": r.note,
                               "timed_out": r.timed_out}
        out["calls"].append(safe(entry, limit))
    out["messages"] = [safe({"role": x.role, "reason": x.reason, "content": x.content}, limit)
                       for x in sv.messages]
    for e in sv.others:
        match e:
            case EvaluationEvent():
                out["evaluations"].append(safe({
                    "tool_calls": e.tool_calls, "passed": e.passed, "total": e.total,
                    "stages": e.stages, "error": e.error, "final": e.final,
                    "duration_s": e.duration_s, "carried": e.carried,
                    "failing": sorted(k for k, v in e.tests.items() if v != "pass")[:200]}))
            case ErrorEvent():
                out["others"].append(safe({"type": "error", "text": e.message,
                                           "retries": e.retries}, limit))
            case ContextEvent():
                details = {k: v for k, v in e.details.items() if k != "message"}
                out["others"].append(safe({"type": f"context {e.action}", "fields": details,
                                           "text": e.details.get("message")}, 20_000))
            case _:
                out["others"].append(safe({"type": e.type, "fields": _extra(e, set())}, 20_000))
    if sv.snapshot is not None:
        s = sv.snapshot
        out["snapshot"] = safe({"commit": s.commit, "changed": s.changed,
                                "tool_calls": s.tool_calls, "skipped": s.skipped,
                                "skipped_count": s.skipped_count})
    return out


def start_json(events: Sequence[EventBase], limit: int = TEXT_LIMIT) -> dict[str, Any] | None:
    """The run's opening (step 0): the system prompt and task as sent, the tools."""
    start = next((e for e in events if isinstance(e, RunStart)), None)
    if start is None:
        return None
    return safe({"messages": start.messages, "tools": start.tools,
                 "parent": getattr(start, "parent", None)}, limit)


def step_detail(lines: Sequence[bytes], step: int, start: float) -> dict[str, Any] | None:
    """The detail of ``step`` from its recorded lines (None when it has none)."""
    events = events_of_lines(lines)
    views = [v for v in group_steps(events) if v.step == step]
    out = step_json(views[0], start) if views else None
    if step == 0 or (out is None and events):
        opening = start_json(events)
        out = out or {"step": step, "calls": [], "messages": [], "evaluations": [],
                      "others": [], "model": None, "snapshot": None}
        out["start"] = opening
    return out


def diff_lines(text: str, cut: bool) -> dict[str, Any]:
    """A unified diff as typed lines: ``file``, ``hunk``, ``add``, ``del``, ``ctx``, ``stat``."""
    lines: list[list[str]] = []
    in_patch = False
    for line in text.splitlines()[:DIFF_LINES]:
        if line.startswith("diff --git "):
            in_patch, kind = True, "file"
        elif not in_patch:
            kind = "stat"
        elif line.startswith(("index ", "--- ", "+++ ", "new file", "deleted file",
                              "old mode", "new mode", "similarity", "rename ", "Binary files")):
            kind = "meta"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        lines.append([kind, shown(line[:4000])])
    more = len(text.splitlines()) > DIFF_LINES
    return {"lines": lines, "cut": cut or more,
            "adds": sum(1 for k, _ in lines if k == "add"),
            "dels": sum(1 for k, _ in lines if k == "del")}


def step_diff_json(git_dir: Path, before: str | None, after: str | None) -> dict[str, Any]:
    """The diff a step made, as typed lines; ``note`` says why there is none."""
    if after is None:
        return {"lines": [], "note": "this step has no snapshot (it did not complete)"}
    if before == after:
        return {"lines": [], "note": "this step did not change the workspace"}
    if not (git_dir / "HEAD").exists():
        return {"lines": [], "note": "no snapshots.git in this run"}
    try:
        text, cut = diff_text(git_dir, before, after, DIFF_BYTES)
    except GitError as e:
        return {"lines": [], "note": f"git failed: {e}"}
    return diff_lines(text, cut)
