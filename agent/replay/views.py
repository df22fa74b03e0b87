"""Plain-text views of a run: steps grouped from events, rendered line by line.

`group_steps` turns events into `StepView`s; `listing_lines`, `step_lines`, `step_diff` and
`full_output` render them as text (the viewer, `--step`, piped output and `--follow` use them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent.models.usage import COUNT_KEYS
from agent.trajectory import EventBase, LoadedRun
from agent.trajectory.events import (
    ClockEvent,
    ContextEvent,
    ErrorEvent,
    EvaluationEvent,
    MessageEvent,
    ModelCall,
    ReductionEvent,
    RunEnd,
    RunStart,
    SnapshotEvent,
    ToolCallEvent,
    ToolResultEvent,
)
from agent.trajectory.reader import ToolExchange, pair_tool_calls

#: A step's diff is read up to this many bytes.
DIFF_LIMIT = 4 << 20


@dataclass
class StepView:
    """Everything recorded for one model turn."""

    step: int
    model: ModelCall | None = None
    calls: list[ToolExchange] = field(default_factory=list)
    messages: list[MessageEvent] = field(default_factory=list)
    snapshot: SnapshotEvent | None = None
    others: list[EventBase] = field(default_factory=list)  # evaluations, errors, context …

    @property
    def tools(self) -> list[str]:
        return [c.name for c in self.calls]

    @property
    def content(self) -> str:
        content = self.model.message.get("content") if self.model is not None else None
        return content if isinstance(content, str) else ""

    def search_text(self) -> str:
        """All text of the step, lowercased, for search."""
        parts = [self.content, (self.model.reasoning if self.model else None) or ""]
        for c in self.calls:
            parts.append(c.name)
            if c.call is not None:
                parts += [json.dumps(c.call.arguments or {}), c.call.raw_arguments]
            if c.result is not None:
                parts.append(c.result.output)
        parts += [m.content for m in self.messages]
        return "\n".join(parts).lower()


def group_steps(events: Sequence[EventBase]) -> list[StepView]:
    """Events grouped by model turn (steps ≥ 1, in order); step 0 (the start) is left out."""
    steps: dict[int, StepView] = {}
    for e in events:
        if e.step < 1 or isinstance(e, RunStart | RunEnd):
            continue
        sv = steps.setdefault(e.step, StepView(e.step))
        match e:
            case ModelCall():
                sv.model = e
            case ToolCallEvent() | ToolResultEvent():
                pass  # paired below
            case MessageEvent():
                sv.messages.append(e)
            case SnapshotEvent():
                sv.snapshot = e
            case _:
                sv.others.append(e)
    for x in pair_tool_calls(events):
        if x.step >= 1:
            steps.setdefault(x.step, StepView(x.step)).calls.append(x)
    return [steps[k] for k in sorted(steps)]


def one_line(text: str, width: int) -> str:
    """``text`` on one line (whitespace runs become one space), cut to ``width`` with ``…``."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def call_args_text(cv: ToolExchange) -> str:
    """The call's arguments as a person reads them: bash shows its command line."""
    if cv.call is None:
        return "<call not recorded>"
    args = cv.call.arguments
    if args is None:
        return f"<unparsable arguments: {cv.call.raw_arguments}>"
    if cv.name == "bash" and isinstance(args.get("command"), str):
        return str(args["command"])
    return json.dumps(args, ensure_ascii=False)


def args_headline(name: str, arguments: dict[str, Any] | None, raw: str = "",
                  width: int = 200) -> str:
    """A call on one line as a step header shows it: bash its command, file tools their path
    (with what they do to it), grep its pattern, finish its summary; JSON otherwise."""
    a = arguments
    if a is None:
        return one_line(f"<unparsable arguments> {raw}", width)
    text: str
    if isinstance(a.get("command"), str):
        text = a["command"]
    elif isinstance(a.get("pattern"), str):
        text = f"{a['pattern']}  in {a.get('path') or '.'}"
    elif isinstance(a.get("path"), str):
        bits = []
        for k, v in a.items():
            if k == "path" or v is None:
                continue
            if isinstance(v, str):
                n = v.count("\n") + (1 if v and not v.endswith("\n") else 0)
                bits.append(f"{k}: {n} line{'' if n == 1 else 's'}")
            elif isinstance(v, int | float | bool):
                bits.append(f"{k}={v}")
        text = a["path"] + (f"  ({', '.join(bits)})" if bits else "")
    elif isinstance(a.get("summary"), str):
        text = a["summary"]
    else:
        text = json.dumps(a, ensure_ascii=False, default=str)
    return one_line(text, width)


def _result_tag(cv: ToolExchange) -> str:
    r = cv.result
    if r is None:
        return "no result"
    tag = f"exit {r.exit_code}" if r.exit_code is not None else (
        "ok" if r.ok else f"error {r.error_kind or ''}".strip())
    if r.timed_out:
        tag += " timeout"
    if r.truncated:
        tag += " cut"
    return tag


def _model_failure(sv: StepView) -> ErrorEvent | None:
    return next((e for e in sv.others if isinstance(e, ErrorEvent) and e.where == "model"),
                None)


def _step_retries(sv: StepView) -> list[dict[str, Any]]:
    out = list(sv.model.retries) if sv.model is not None else []
    for e in sv.others:
        if isinstance(e, ErrorEvent) and e.where == "model":
            out += e.retries
        elif isinstance(e, ContextEvent):
            out += list(e.details.get("retries") or [])
    return out


def step_json(sv: StepView) -> dict[str, Any]:
    """One step of ``replay --json``: its calls and results, the model call's usage, and the
    retries of the step's model calls (failed attempts, a failed call's, a summary's)."""
    m = sv.model
    usage = {k: getattr(m, k) for k in (*COUNT_KEYS, "cost", "latency_s")} if m else None
    return {"step": sv.step, "tools": sv.tools, "content": sv.content,
            "calls": [{"call_id": c.call_id, "name": c.name,
                       "arguments": c.call.arguments if c.call else None,
                       "exit_code": c.result.exit_code if c.result else None,
                       "ok": c.result.ok if c.result else None} for c in sv.calls],
            "usage": usage, "retries": _step_retries(sv),
            "model_error": next((e.message for e in sv.others
                                 if isinstance(e, ErrorEvent) and e.where == "model"), None)}


def summary_line(sv: StepView, width: int = 160) -> str:
    """One line for a step: its calls and their results, then the model's words.

    A turn with no usable tool call says so (``text only``); a model call that failed for good
    shows its error instead; retried attempts are counted in brackets.
    """
    failure = _model_failure(sv)
    if sv.calls:
        calls = "; ".join(f"{c.name}: {one_line(call_args_text(c), 40)} → {_result_tag(c)}"
                          for c in sv.calls)
    elif failure is not None and sv.model is None:
        calls = f"(model call failed: {one_line(failure.message, 70)})"
    elif any(m.reason == "format_error" for m in sv.messages):
        calls = "(no tool call: text only)"
    else:
        calls = "(no tool call)"
    retries = _step_retries(sv)
    if retries:
        calls += f" [{len(retries)} {'retry' if len(retries) == 1 else 'retries'}]"
    changed = " *" if sv.snapshot is not None and sv.snapshot.changed else ""
    head = f"{sv.step:>5}  {calls}{changed}"
    words = one_line(sv.content, max(0, width - len(head) - 4))
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
            out.append(f"error: {one_line(info.error, 300)}")
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
        out[0] += (f"  {when}  tokens {m.prompt_tokens or 0}/{m.completion_tokens or 0}"
                   + (f" ({m.cached_tokens} cached)" if m.cached_tokens else "")
                   + (f"  cost ${m.cost:.4f}" if m.cost is not None else ""))
        out += ["assistant:", *_indent(sv.content or "(no text)")]
        if m.reasoning:
            out += ["reasoning:", *_indent(m.reasoning)]
        if m.format_error:
            out.append(f"format error: {m.format_error}")
    retries = _step_retries(sv)
    if retries:
        from agent.analysis.alerts import retries_summary

        out.append(f"model call retried: {retries_summary(retries)}")
        out += [f"    attempt {r.get('attempt')}: {one_line(str(r.get('error', '')), 150)}"
                f" (waited {float(r.get('wait_s') or 0):.1f} s)" for r in retries]
    for cv in sv.calls:
        out.append(f"tool call {cv.call_id}: {cv.name}")
        prefix = "    $ " if cv.name == "bash" else "    "
        out += _indent(call_args_text(cv), prefix)
        r = cv.result
        if r is None:
            out.append("result: none recorded")
            continue
        line = f"result: {_result_tag(cv)}, {'ok' if r.ok else 'failed'}, {r.duration_s:.2f}s"
        if r.note:
            line += f"  ({r.note})"
        if r.truncated:
            line += f"  [output cut for the model; full output: {r.output_ref or 'not stored'}]"
        out += [line, *_indent(r.output)]
    for msg in sv.messages:
        out.append(f"message ({msg.role}, {msg.reason}):")
        out += _indent(msg.content)
    for e in sv.others:
        match e:
            case EvaluationEvent():
                out.append(f"evaluation: {e.passed}/{e.total} at {e.tool_calls} tool calls"
                           + (f" (error: {e.error})" if e.error else ""))
                out += fuzz_lines(e)
            case ReductionEvent():
                out += reduction_lines(e)
            case ErrorEvent():
                out.append(f"error: {e.message}")
            case ClockEvent():
                out.append(f"clock ({e.reason}), after the last result: {e.text}")
            case _:
                extra = {k: v for k, v in e.model_dump().items()
                         if k not in ("seq", "t", "type", "step")}
                out.append(f"{e.type}: {one_line(json.dumps(extra, default=str), 200)}")
    if sv.snapshot is not None:
        changed = sv.snapshot.changed
        out.append(f"snapshot {sv.snapshot.commit[:10]} "
                   f"({'workspace changed' if changed else 'no change'})")
    return out


def fuzz_lines(e: EvaluationEvent) -> list[str]:
    """The evaluation's fuzz measure in a line, and where its miscompiles are."""
    from agent.fuzzing import fuzz_line, parse_fuzz

    f = parse_fuzz(e.fuzz)
    if f is None:
        return []
    out = [f"  {fuzz_line(f)}"]
    if f.miscompiled:
        bad = ", ".join(str(x.index) for x in f.failures if x.outcome == "miscompiled")
        out.append(f"  miscompiled programs: {bad} (the first ones are reduced after the "
                   "evaluation: the `reduction` of this step, and `ultrarun report RUN --html "
                   "F`, section Miscompiles)")
    return out


def reduction_lines(e: ReductionEvent) -> list[str]:
    """Reduced miscompiles of the evaluation at this step, with gcc's and the candidate's
    output (the report's page lists them as #miscompile-STEP-INDEX)."""
    from agent.fuzzing import parse_reduced

    out = [f"reduction of the fuzz miscompiles (seed {e.seed}, {e.duration_s:.0f} s)"
           + (f": error: {e.error}" if e.error else "")]
    for p in parse_reduced(e.programs):
        out.append(f"  program {p.index} ({p.tier}, seed {p.seed}): {p.status}, "
                   f"{p.lines_before} -> {p.lines_after} lines  [report: "
                   f"#miscompile-{e.step}-{p.index}]")
        out += _indent(p.reduced or p.source, "      ")
        if p.expected and p.got:
            out.append(f"    gcc: exit {p.expected.exit_code}, stdout {p.expected.stdout!r}")
            out.append(f"    the candidate: exit {p.got.exit_code}, stdout {p.got.stdout!r}")
    return out


def step_diff(run: LoadedRun, step: int) -> str:
    """The workspace diff made by ``step``, from snapshots.git."""
    git_dir = run.run_dir / "snapshots.git"
    commits = run.snapshot_commits()
    if not git_dir.exists() or not commits:
        return "(no snapshots.git in this run: no workspace history)"
    mine = [c for s, c in commits if s == step]
    if not mine:
        return f"(step {step} has no snapshot: it did not complete)"
    before = [c for s, c in commits if s < step]
    if before and before[-1] == mine[-1]:
        return f"(step {step} did not change the workspace)"
    from agent.trajectory.gitsafe import GitError, diff_text

    # Only the run's own repository, with no outside config and no diff drivers.
    try:
        text, cut = diff_text(git_dir, before[-1] if before else None, mine[-1], DIFF_LIMIT)
    except GitError as e:
        return f"(git failed: {e})"
    if cut:
        text += f"\n… (diff cut at {DIFF_LIMIT >> 20} MiB)"
    return text or "(empty diff)"


def full_output(run: LoadedRun, cv: ToolExchange, limit: int = 2_000_000) -> str:
    """A call's full output: outputs/<call_id>.log when it was cut, else as recorded."""
    r = cv.result
    if r is None:
        return "(no result recorded)"
    ref = r.output_ref
    if ref:
        path = run.run_dir / ref
        outputs = (run.run_dir / "outputs").resolve()
        if outputs not in path.resolve().parents:  # a run folder from elsewhere is data
            return f"({ref} is not in this run's outputs/; as recorded:)\n{r.output}"
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read(limit + 1)
            return text if len(text) <= limit else text[:limit] + "\n[… shown up to 2 MB]"
        except OSError as e:
            return f"({ref} unreadable: {e}; as recorded:)\n{r.output}"
    return r.output
