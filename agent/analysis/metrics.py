"""Coherence metrics of one run folder, as a pydantic `RunMetrics` with stable keys.

See docs/metrics.md for every definition. A metric whose source is missing (no evaluations, no
snapshots.git) is None with a reason in ``RunMetrics.unavailable``; never 0.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agent.analysis.caching import Caching, compute_caching
from agent.analysis.calls import Call, calls_before_events, extract_calls, run_start_time
from agent.analysis.churn import Churn, FileChange, has_history, read_history
from agent.analysis.fuzzgap import FuzzGap, compute_fuzz
from agent.analysis.loops import Loops, compute_loops
from agent.analysis.progress import (
    Progress,
    Regressions,
    Stall,
    compute_progress,
    compute_regressions,
    compute_stall,
    curve,
    requested_evaluations,
)
from agent.trajectory import LoadedRun
from agent.trajectory.events import (
    ContextEvent,
    ErrorEvent,
    MessageEvent,
    ModelCall,
    SnapshotEvent,
)
from agent.trajectory.reader import totals_from_events
from agent.trajectory.run_info import Totals

METRICS_SCHEMA = 1
#: A bash command that builds the project (starts/ends build-break episodes). Matched with
#: ``re.search`` against the command line. ``make test``/``make check`` are left out: a failing
#: test run is not a broken build.
BUILD_COMMAND_PATTERN = (r"(^|[\s;&|(])(g?make(?!\s+(test|check)\b)|ninja|cmake|gcc|g\+\+|clang"
                         r"|clang\+\+|cc|c\+\+"
                         r"|cargo\s+build|go\s+build|javac|tsc|npm\s+run\s+build"
                         r"|yarn\s+build|\./compile|\./build(\.sh)?|python3?\s+\S*setup\.py"
                         r"|pip3?\s+install\s+-e)(\s|$|;|&|\|)")
_BUILD = re.compile(BUILD_COMMAND_PATTERN)
#: Tool calls per window of the degradation metrics.
WINDOW = 50
#: A trailing window with fewer calls than this is dropped (too noisy to trend).
MIN_WINDOW_CALLS = WINDOW // 2


class RunSummary(BaseModel):
    run_id: str | None
    scenario: str | None
    model: str | None
    model_kind: str | None
    status: str | None
    end_reason: str | None
    error: str | None = None  # why it failed, or that it has no run_end
    steps: int
    tool_calls: int
    tokens: int  # prompt + completion tokens of every model call (summaries included)
    tokens_in: int
    tokens_out: int
    cost: float | None  # None when no model call had a price
    unpriced_calls: int  # model calls whose cost is unknown
    wall_s: float | None  # None: an imported run whose source records no time
    final_passed: int | None
    final_total: int | None
    parent: dict[str, Any] | None


class BuildBreaks(BaseModel):
    pattern: str
    build_commands: int
    episodes: int
    lengths: list[int]  # tool calls from the failing build to the next good build (or the end)
    longest: int
    open: bool  # the last episode never ended


class Errors(BaseModel):
    failing_results: int  # ok == false or a non-zero exit code
    error_rate: float
    longest_streak: int
    longest_streak_start: int | None
    build_breaks: BuildBreaks


class Validity(BaseModel):
    tool_calls: int
    malformed: int  # parse_error or error_kind bad_arguments
    unknown_tool: int
    malformed_per_100: float | None
    unknown_tool_per_100: float | None
    format_errors: int  # model turns with no usable tool call


class Edits(BaseModel):
    write_file_calls: int
    edit_file_calls: int
    write_file_overwrites: int  # write_file over a file that already existed
    overwrites_by_file: dict[str, int]


class Window(BaseModel):
    index: int
    start: int  # first tool-call index in the window
    end: int  # last tool-call index in the window
    calls: int
    error_rate: float
    repeat_rate: float
    invalid_rate: float
    mean_output_chars: float


class Degradation(BaseModel):
    window: int
    windows: list[Window]
    slopes: dict[str, float | None]  # least-squares change per window of each windowed metric


class ContextMark(BaseModel):
    tool_calls: int
    step: int
    wall_s: float
    action: str
    details: dict[str, Any]


class ModelCalls(BaseModel):
    """How the model calls went: the endpoint's side of a run (see docs/metrics.md)."""

    calls: int  # calls that returned a turn (compaction summaries included)
    turns: int  # of those, the agent's turns (recorded as model_call events)
    failed: int  # calls that failed for good: the run or the summary got no answer
    retries: int  # failed attempts that were retried
    calls_with_retries: int
    retry_wait_s: float  # time slept between attempts
    retry_errors: dict[str, int]  # what the retried attempts failed with, by kind
    outages: int  # calls that retried after a lost connection, a timeout, 429 or 5xx
    longest_outage_s: float  # the longest wait within one call
    text_only_turns: int  # agent turns with no usable tool call
    unusable_rate: float | None  # text_only_turns / turns
    mean_latency_s: float | None  # of the agent's turns
    context_windows: list[int]  # windows learnt from the endpoint, in order
    compactions: int
    fallbacks: int  # switches to compaction after a context-length error
    last_error: str | None  # the message of the last failed call


class RunMetrics(BaseModel):
    schema_version: int = METRICS_SCHEMA
    run: RunSummary
    progress: Progress | None
    regressions: Regressions | None
    stall: Stall | None
    loops: Loops
    errors: Errors
    validity: Validity
    edits: Edits
    churn: Churn | None
    degradation: Degradation
    model_calls: ModelCalls
    caching: Caching
    context_events: list[ContextMark]
    unavailable: dict[str, str]  # metric key -> why it is None
    warnings: list[str]
    evaluations_requested: int = 0  # snapshots the run asked to grade (`every`)
    evaluations_skipped: int = 0  # of those, never recorded (coalesced, or the run stopped)
    fuzz: FuzzGap | None = None  # the fuzz measure and the overfitting gap (grader.fuzz)


def _slope(ys: Sequence[float]) -> float | None:
    n = len(ys)
    if n < 2:
        return None
    mx = (n - 1) / 2
    my = sum(ys) / n
    den = sum((x - mx) ** 2 for x in range(n))
    return round(sum((x - mx) * (y - my) for x, y in enumerate(ys)) / den, 6)


def compute_degradation(calls: Sequence[Call], repeats: Sequence[bool]) -> Degradation:
    windows: list[Window] = []
    for k, lo in enumerate(range(0, len(calls), WINDOW)):
        chunk = calls[lo:lo + WINDOW]
        n = len(chunk)
        if n < MIN_WINDOW_CALLS and k > 0:
            break
        windows.append(Window(
            index=k, start=chunk[0].index, end=chunk[-1].index, calls=n,
            error_rate=sum(c.failed for c in chunk) / n,
            repeat_rate=sum(repeats[lo:lo + n]) / n,
            invalid_rate=sum(c.malformed or c.unknown_tool for c in chunk) / n,
            mean_output_chars=sum(c.output_chars for c in chunk) / n))
    keys = ("error_rate", "repeat_rate", "invalid_rate", "mean_output_chars")
    return Degradation(window=WINDOW, windows=windows,
                       slopes={k: _slope([getattr(w, k) for w in windows]) for k in keys})


def compute_errors(calls: Sequence[Call]) -> Errors:
    streak = best = 0
    best_start: int | None = None
    for c in calls:
        streak = streak + 1 if c.failed else 0
        if streak > best:
            best, best_start = streak, c.index - streak + 1
    builds = 0
    lengths: list[int] = []
    opened: int | None = None
    for c in calls:
        command = (c.arguments or {}).get("command") if c.name == "bash" else None
        if not isinstance(command, str) or not _BUILD.search(command):
            continue
        builds += 1
        if c.failed and opened is None:
            opened = c.index
        elif not c.failed and opened is not None:
            lengths.append(c.index - opened)
            opened = None
    if opened is not None:
        lengths.append(len(calls) - opened + 1)
    return Errors(failing_results=sum(c.failed for c in calls),
                  error_rate=sum(c.failed for c in calls) / len(calls) if calls else 0.0,
                  longest_streak=best, longest_streak_start=best_start,
                  build_breaks=BuildBreaks(pattern=BUILD_COMMAND_PATTERN, build_commands=builds,
                                           episodes=len(lengths), lengths=lengths,
                                           longest=max(lengths, default=0),
                                           open=opened is not None))


def compute_validity(run: LoadedRun, calls: Sequence[Call]) -> Validity:
    n = len(calls)
    bad = sum(c.malformed for c in calls)
    unknown = sum(c.unknown_tool for c in calls)
    fmt = _format_errors(run)
    return Validity(tool_calls=n, malformed=bad, unknown_tool=unknown,
                    malformed_per_100=round(100 * bad / n, 4) if n else None,
                    unknown_tool_per_100=round(100 * unknown / n, 4) if n else None,
                    format_errors=fmt)


def _format_errors(run: LoadedRun) -> int:
    """Turns with no usable tool call (the harness answered with a format reminder)."""
    return sum(1 for e in run.events_of(MessageEvent) if e.reason == "format_error")


def _norm_path(path: str) -> str:
    if path.startswith("/workspace/"):
        path = path[len("/workspace/"):]
    return posixpath.normpath(path.lstrip("/")) if path else path


def compute_edits(run: LoadedRun, calls: Sequence[Call],
                  changes: Sequence[FileChange]) -> Edits:
    """write_file over a path that existed: in a snapshot before the call, or written before."""
    commit_at: dict[str, int] = {}
    for e in run.events_of(SnapshotEvent):  # a commit repeats in unchanged steps: keep the first
        commit_at.setdefault(e.commit, e.tool_calls)
    # (tool calls when the snapshot was taken, path, exists afterwards), oldest first.
    timeline = [(commit_at.get(ch.commit, 0), ch.path, not ch.deleted) for ch in changes]
    exists: dict[str, bool] = {}
    t = 0
    written: set[str] = set()
    overwrites: Counter[str] = Counter()
    writes = edits = 0
    for c in calls:
        while t < len(timeline) and timeline[t][0] < c.index:
            exists[timeline[t][1]] = timeline[t][2]
            t += 1
        path = (c.arguments or {}).get("path")
        if c.name not in ("write_file", "edit_file") or not isinstance(path, str):
            continue
        key = _norm_path(path)
        if c.name == "edit_file":
            edits += 1
        else:
            writes += 1
            if c.ok and (key in written or exists.get(key, False)):
                overwrites[key] += 1
        if c.ok:
            written.add(key)
    return Edits(write_file_calls=writes, edit_file_calls=edits,
                 write_file_overwrites=sum(overwrites.values()),
                 overwrites_by_file=dict(sorted(overwrites.items())))


def error_kind(text: str) -> str:
    """``HTTP 503``, ``timeout``, ``connection error`` ... from a retry record's error text."""
    if text.startswith("HTTP "):
        return " ".join(text.split()[:2]).rstrip(":")
    return text.split(" (")[0].split(" after ")[0][:40]


def compute_model_calls(run: LoadedRun) -> ModelCalls:
    """Model-call figures from model_call, error and context events."""
    turns = run.events_of(ModelCall)
    summaries = failed_summaries = compactions = fallbacks = 0
    failed: list[ErrorEvent] = []
    windows: list[int] = []
    retry_sets: list[list[dict[str, Any]]] = []
    for e in run.events:
        match e:
            case ModelCall():
                retry_sets.append(e.retries)
            case ErrorEvent():
                retry_sets.append(e.retries)
                if e.where == "model":
                    failed.append(e)
            case ContextEvent():
                details = e.details
                retry_sets.append(list(details.get("retries") or []))
                if e.action == "compact":
                    compactions += 1
                    summaries += "prompt_tokens" in details or "completion_tokens" in details
                    failed_summaries += "summary_error" in details
                elif e.action == "fallback":
                    fallbacks += 1
                elif e.action == "window" and isinstance(details.get("context_window"), int):
                    windows.append(details["context_window"])
    kinds: Counter[str] = Counter()
    outages = 0
    longest = wait = 0.0
    for records in retry_sets:
        waits = [float(r.get("wait_s") or 0.0) for r in records]
        wait += sum(waits)
        longest = max(longest, sum(waits))
        errors = [str(r.get("error", "")) for r in records]
        kinds.update(error_kind(x) for x in errors)
        statuses = [r.get("status") for r in records]
        outages += any(st is None or st == 429 or (isinstance(st, int) and st >= 500)
                       for st in statuses)
    text_only = _format_errors(run)
    latencies = [e.latency_s for e in turns]
    return ModelCalls(
        calls=len(turns) + summaries, turns=len(turns),
        failed=len(failed) + failed_summaries,
        retries=sum(len(r) for r in retry_sets),
        calls_with_retries=sum(1 for r in retry_sets if r), retry_wait_s=round(wait, 3),
        retry_errors=dict(kinds.most_common()), outages=outages,
        longest_outage_s=round(longest, 3), text_only_turns=text_only,
        unusable_rate=round(text_only / len(turns), 4) if turns else None,
        mean_latency_s=round(sum(latencies) / len(latencies), 3) if latencies else None,
        context_windows=windows, compactions=compactions, fallbacks=fallbacks,
        last_error=failed[-1].message[:500] if failed else None)


def compute_summary(run: LoadedRun, calls: Sequence[Call],
                    counted: Totals | None = None) -> RunSummary:
    info = run.current_info
    steps = max((e.step for e in run.events), default=0)
    end = run.events[-1].t if run.events else run_start_time(run)
    grade = info.grade if info is not None else None
    passed = grade.get("passed") if isinstance(grade, dict) else None
    total = grade.get("total") if isinstance(grade, dict) else None
    counted = counted or totals_from_events(run.events)
    priced = counted.model_calls > counted.unpriced_calls
    tokens_in, tokens_out = counted.tokens_in, counted.tokens_out
    cost = counted.cost if priced else (info.totals.cost or None if info else None)
    wall: float | None = round(max(0.0, end - run_start_time(run)), 3)
    if info is not None and info.model_kind == "imported":
        # An import's run.json holds what its source declares (e.g. ATIF final_metrics);
        # null there means the source has no such figure, which must not read as 0.
        cost, wall = info.totals.cost, info.totals.wall_s
        tokens_in, tokens_out = info.totals.tokens_in, info.totals.tokens_out
    return RunSummary(
        run_id=info.run_id if info else None, scenario=info.scenario if info else None,
        model=info.model if info else None, model_kind=info.model_kind if info else None,
        status=info.status if info else None, end_reason=info.end_reason if info else None,
        error=info.error if info else None,
        steps=steps, tool_calls=len(calls), tokens=tokens_in + tokens_out,
        tokens_in=tokens_in, tokens_out=tokens_out, cost=cost,
        unpriced_calls=counted.unpriced_calls, wall_s=wall,
        final_passed=passed if isinstance(passed, int) else None,
        final_total=total if isinstance(total, int) else None,
        parent=info.parent if info else None)


def compute_metrics(run: LoadedRun, calls: list[Call] | None = None) -> RunMetrics:
    """Every metric of ``run``; reads ``<run>/snapshots.git`` when it has history."""
    calls = calls if calls is not None else extract_calls(run)
    unavailable: dict[str, str] = {}
    warnings = list(run.warnings)
    imported = run.info.options.imported if run.info is not None else None
    if isinstance(imported, dict):
        warnings += [str(w) for w in imported.get("warnings") or []]
        if run.info is not None and run.info.totals.wall_s is None:
            unavailable["wall_s"] = "the imported source records no timestamps"
    horizon = len(calls)
    counted = totals_from_events(run.events)  # once, for the summary and the caching figures

    points, results, n_evals, failed = curve(run, calls)
    asked, skipped = requested_evaluations(run)
    progress = regressions = stall = None
    if points:
        progress = compute_progress(points, n_evals, failed, horizon)
        regressions = compute_regressions(points, results)
        stall = compute_stall(points, horizon)
    else:
        why = ("no evaluation events" if not n_evals
               else f"all {n_evals} evaluation(s) failed or had no tests")
        unavailable.update(progress=why, regressions=why, stall=why)

    churn: Churn | None = None
    changes: list[FileChange] = []
    git_dir = Path(run.run_dir) / "snapshots.git"
    if has_history(git_dir):
        try:
            history = read_history(git_dir)
            churn, changes = history.churn, history.changes
        except OSError as e:
            unavailable["churn"] = f"snapshots.git unreadable: {e}"
            warnings.append(f"{git_dir}: {e}")
    else:
        unavailable["churn"] = "no snapshots.git (or it has no commits)"

    loops, repeats = compute_loops(calls)
    before = calls_before_events(run)
    start = run_start_time(run)
    marks = [ContextMark(tool_calls=before[i], step=e.step, wall_s=round(max(0.0, e.t - start), 3),
                         action=e.action, details=dict(e.details))
             for i, e in enumerate(run.events) if isinstance(e, ContextEvent)]
    return RunMetrics(
        run=compute_summary(run, calls, counted), progress=progress, regressions=regressions,
        stall=stall, loops=loops, errors=compute_errors(calls),
        validity=compute_validity(run, calls), edits=compute_edits(run, calls, changes),
        churn=churn, degradation=compute_degradation(calls, repeats),
        model_calls=compute_model_calls(run), caching=compute_caching(run, counted),
        context_events=marks, fuzz=compute_fuzz(run),
        evaluations_requested=asked, evaluations_skipped=skipped,
        unavailable=unavailable, warnings=warnings)
