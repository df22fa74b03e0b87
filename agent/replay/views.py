"""Plain-text views of a run: steps grouped from events, rendered line by line.

`group_steps` turns events into `StepView`s; `listing_lines`, `step_lines`, `step_diff` and
`full_output` render them as text (the viewer, `--step`, piped output and `--follow` use them).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from datetime import datetime

from agent.trajectory import EventBase, LoadedRun


@dataclass
class CallView:
    """One tool call and its recorded result (None while it runs, or if the run died)."""

    call: EventBase
    result: EventBase | None = None

    @property
    def call_id(self) -> str:
        return str(getattr(self.call, "call_id", ""))

    @property
    def name(self) -> str:
        return str(getattr(self.call, "name", "?"))


@dataclass
class StepView:
    """Everything recorded for one model turn."""

    step: int
    model: EventBase | None = None
    calls: list[CallView] = field(default_factory=list)
    messages: list[EventBase] = field(default_factory=list)
    snapshot: EventBase | None = None
    others: list[EventBase] = field(default_factory=list)  # evaluations, errors, context …

    @property
    def tools(self) -> list[str]:
        return [c.name for c in self.calls]

    @property
    def content(self) -> str:
        msg = getattr(self.model, "message", None) or {}
        content = msg.get("content") if isinstance(msg, dict) else None
        return content if isinstance(content, str) else ""

    def search_text(self) -> str:
        """All text of the step, lowercased, for search."""
        parts = [self.content, str(getattr(self.model, "reasoning", "") or "")]
        for c in self.calls:
            parts += [c.name, json.dumps(getattr(c.call, "arguments", None) or {}),
                      str(getattr(c.call, "raw_arguments", "") or ""),
                      str(getattr(c.result, "output", "") or "")]
        parts += [str(getattr(m, "content", "")) for m in self.messages]
        return "\n".join(parts).lower()


def group_steps(events: list[EventBase]) -> list[StepView]:
    """Events grouped by model turn (steps ≥ 1, in order); step 0 (the start) is left out."""
    steps: dict[int, StepView] = {}
    pending: dict[str, CallView] = {}
    for e in events:
        if e.step < 1 or e.type in ("run_start", "run_end"):
            continue
        sv = steps.setdefault(e.step, StepView(e.step))
        if e.type == "model_call":
            sv.model = e
        elif e.type == "tool_call":
            cv = CallView(e)
            sv.calls.append(cv)
            pending[cv.call_id] = cv
        elif e.type == "tool_result":
            cid = str(getattr(e, "call_id", ""))
            if cid in pending:
                pending.pop(cid).result = e
            else:  # a result with no recorded call: show it anyway
                sv.calls.append(CallView(e, e))
        elif e.type == "message":
            sv.messages.append(e)
        elif e.type == "snapshot":
            sv.snapshot = e
        else:
            sv.others.append(e)
    return [steps[k] for k in sorted(steps)]


def _one_line(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def call_args_text(cv: CallView) -> str:
    """The call's arguments as a person reads them: bash shows its command line."""
    args = getattr(cv.call, "arguments", None)
    if args is None:
        raw = getattr(cv.call, "raw_arguments", "") or ""
        return f"<unparsable arguments: {raw}>"
    if cv.name == "bash" and isinstance(args.get("command"), str):
        return str(args["command"])
    return json.dumps(args, ensure_ascii=False)


def _result_tag(cv: CallView) -> str:
    r = cv.result
    if r is None:
        return "no result"
    exit_code = getattr(r, "exit_code", None)
    tag = f"exit {exit_code}" if exit_code is not None else (
        "ok" if getattr(r, "ok", False) else f"error {getattr(r, 'error_kind', '') or ''}".strip())
    if getattr(r, "timed_out", False):
        tag += " timeout"
    if getattr(r, "truncated", False):
        tag += " cut"
    return tag


def _model_failure(sv: StepView) -> EventBase | None:
    return next((e for e in sv.others if e.type == "error"
                 and getattr(e, "where", "") == "model"), None)


def _step_retries(sv: StepView) -> list[dict]:
    out = list(getattr(sv.model, "retries", None) or [])
    for e in sv.others:
        if e.type == "error" and getattr(e, "where", "") == "model":
            out += list(getattr(e, "retries", None) or [])
        elif e.type == "context":
            out += list((getattr(e, "details", {}) or {}).get("retries") or [])
    return out


def summary_line(sv: StepView, width: int = 160) -> str:
    """One line for a step: its calls and their results, then the model's words.

    A turn with no usable tool call says so (``text only``); a model call that failed for good
    shows its error instead; retried attempts are counted in brackets.
    """
    failure = _model_failure(sv)
    if sv.calls:
        calls = "; ".join(f"{c.name}: {_one_line(call_args_text(c), 40)} → {_result_tag(c)}"
                          for c in sv.calls)
    elif failure is not None and sv.model is None:
        calls = f"(model call failed: {_one_line(str(getattr(failure, 'message', '')), 70)})"
    elif any(getattr(m, "reason", "") == "format_error" for m in sv.messages):
        calls = "(no tool call: text only)"
    else:
        calls = "(no tool call)"
    retries = _step_retries(sv)
    if retries:
        calls += f" [{len(retries)} {'retry' if len(retries) == 1 else 'retries'}]"
    changed = " *" if sv.snapshot is not None and getattr(sv.snapshot, "changed", False) else ""
    head = f"{sv.step:>5}  {calls}{changed}"
    words = _one_line(sv.content, max(0, width - len(head) - 4))
    return f"{head}  | {words}" if words else head


def listing_lines(run: LoadedRun) -> list[str]:
    """A header, then one line per step (`*`: the step changed the workspace)."""
    info = run.current_info  # what the events say, when run.json is stale
    out = []
    if info is not None:
        out.append(f"run {info.run_id}  scenario {info.scenario}  model {info.model} "
                   f"({info.model_kind})  {info.status}"
                   + (f" ({info.end_reason})" if info.end_reason else ""))
        if info.error:
            out.append(f"error: {_one_line(info.error, 300)}")
    steps = group_steps(run.events)
    out.append(f"{len(steps)} steps, {sum(len(s.calls) for s in steps)} tool calls "
               "(* = workspace changed)")
    out += [summary_line(s) for s in steps]
    return out


def _indent(text: str, prefix: str = "    ") -> list[str]:
    return [prefix + line for line in (text.splitlines() or [""])]


def step_lines(run: LoadedRun, sv: StepView) -> list[str]:
    """The whole of one step as text: model turn, calls and results as recorded."""
    start = run.info.started_at if run.info and run.info.started_at else (
        run.events[0].t if run.events else 0.0)
    m = sv.model
    out = [f"step {sv.step}"]
    if m is not None:
        stamp = datetime.fromtimestamp(m.t).strftime("%Y-%m-%d %H:%M:%S")
        when = f"at {stamp} (+{m.t - start:.1f}s)"
        if run.info is not None and run.info.totals.wall_s is None:
            when = "time n/a"  # an import whose source records no time: t is the import's
        cost = getattr(m, "cost", None)
        out[0] += (f"  {when}  tokens "
                   f"{getattr(m, 'prompt_tokens', None) or 0}/"
                   f"{getattr(m, 'completion_tokens', None) or 0}"
                   + (f"  cost ${cost:.4f}" if cost else ""))
        out += ["assistant:", *_indent(sv.content or "(no text)")]
        if getattr(m, "reasoning", None):
            out += ["reasoning:", *_indent(str(m.reasoning))]  # type: ignore[attr-defined]
        if getattr(m, "format_error", None):
            out.append(f"format error: {m.format_error}")  # type: ignore[attr-defined]
    retries = _step_retries(sv)
    if retries:
        from agent.analysis.report import retries_text

        out.append(f"model call retried: {retries_text(retries)}")
        out += [f"    attempt {r.get('attempt')}: {_one_line(str(r.get('error', '')), 150)}"
                f" (waited {float(r.get('wait_s') or 0):.1f} s)" for r in retries]
    for cv in sv.calls:
        out.append(f"tool call {cv.call_id}: {cv.name}")
        prefix = "    $ " if cv.name == "bash" else "    "
        out += _indent(call_args_text(cv), prefix)
        r = cv.result
        if r is None:
            out.append("result: none recorded")
            continue
        line = f"result: {_result_tag(cv)}, {'ok' if getattr(r, 'ok', False) else 'failed'}, " \
               f"{getattr(r, 'duration_s', 0.0):.2f}s"
        if getattr(r, "note", None):
            line += f"  ({r.note})"  # type: ignore[attr-defined]
        if getattr(r, "truncated", False):
            line += f"  [output cut for the model; full output: " \
                    f"{getattr(r, 'output_ref', None) or 'not stored'}]"
        out += [line, *_indent(str(getattr(r, "output", "")))]
    for msg in sv.messages:
        out.append(f"message ({getattr(msg, 'role', '?')}, {getattr(msg, 'reason', '')}):")
        out += _indent(str(getattr(msg, "content", "")))
    for e in sv.others:
        if e.type == "evaluation":
            out.append(f"evaluation: {getattr(e, 'passed', 0)}/{getattr(e, 'total', 0)} at "
                       f"{getattr(e, 'tool_calls', 0)} tool calls"
                       + (f" (error: {e.error})" if getattr(e, "error", None) else ""))
        elif e.type == "error":
            out.append(f"error: {getattr(e, 'message', '')}")
        else:
            extra = {k: v for k, v in e.model_dump().items()
                     if k not in ("seq", "t", "type", "step")}
            out.append(f"{e.type}: {_one_line(json.dumps(extra, default=str), 200)}")
    if sv.snapshot is not None:
        commit = str(getattr(sv.snapshot, "commit", ""))[:10]
        changed = getattr(sv.snapshot, "changed", False)
        out.append(f"snapshot {commit} ({'workspace changed' if changed else 'no change'})")
    return out


def _snapshot_commits(run: LoadedRun) -> list[tuple[int, str]]:
    return [(e.step, str(getattr(e, "commit", ""))) for e in run.of_type("snapshot")
            if getattr(e, "commit", "")]


def step_diff(run: LoadedRun, step: int) -> str:
    """The workspace diff made by ``step``, from snapshots.git."""
    git_dir = run.run_dir / "snapshots.git"
    commits = _snapshot_commits(run)
    if not git_dir.exists() or not commits:
        return "(no snapshots.git in this run: no workspace history)"
    mine = [c for s, c in commits if s == step]
    if not mine:
        return f"(step {step} has no snapshot: it did not complete)"
    before = [c for s, c in commits if s < step]
    if before and before[-1] == mine[-1]:
        return f"(step {step} did not change the workspace)"
    from agent.trajectory.gitsafe import git_env

    # Only the run's own repository, with no outside config and no diff drivers.
    args = ["git", "-c", "core.quotepath=off"]
    if before:
        args += ["diff", "--no-ext-diff", "--no-textconv", "--stat", "--patch", before[-1],
                 mine[-1]]
    else:
        args += ["show", "--no-ext-diff", "--no-textconv", "--stat", "--patch",
                 "--format=(initial workspace)", mine[-1]]
    r = subprocess.run(args, capture_output=True, text=True, errors="replace",
                       cwd=git_dir, env=git_env(git_dir))
    if r.returncode != 0:
        return f"(git failed: {r.stderr.strip()})"
    return r.stdout or "(empty diff)"


def full_output(run: LoadedRun, cv: CallView, limit: int = 2_000_000) -> str:
    """A call's full output: outputs/<call_id>.log when it was cut, else as recorded."""
    r = cv.result
    if r is None:
        return "(no result recorded)"
    ref = getattr(r, "output_ref", None)
    if ref:
        path = run.run_dir / str(ref)
        outputs = (run.run_dir / "outputs").resolve()
        if outputs not in path.resolve().parents:  # a run folder from elsewhere is data
            return f"({ref} is not in this run's outputs/; as recorded:)\n" \
                   f"{getattr(r, 'output', '')}"
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read(limit + 1)
            return text if len(text) <= limit else text[:limit] + "\n[… shown up to 2 MB]"
        except OSError as e:
            return f"({ref} unreadable: {e}; as recorded:)\n{getattr(r, 'output', '')}"
    return str(getattr(r, "output", ""))
