"""Metrics from `evaluation` events: the progress curve, regressions, stall."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from agent.analysis.calls import Call
from agent.analysis.tiers import Tier, compute_tiers
from agent.trajectory import LoadedRun
from agent.trajectory.events import EvaluationEvent, SnapshotEvent

#: Shares of the final score whose first crossing is reported in ``progress.tool_calls_to``.
MILESTONES = (25, 50, 75, 90)


class CurvePoint(BaseModel):
    tool_calls: int
    step: int
    wall_s: float | None  # seconds since run start at the graded tool call
    tokens: int | None  # cumulative tokens at the graded tool call
    passed: int
    total: int
    rate: float
    stages: dict[str, list[int]]
    commit: str | None
    final: bool


class Progress(BaseModel):
    points: list[CurvePoint]
    evaluations: int
    failed_evaluations: int  # evaluation events with an error or no tests, left off the curve
    final_rate: float
    best_rate: float
    auc: float | None  # area under the step curve over [0, tool calls], in [0, 1]
    tool_calls_to: dict[str, int | None]  # "25"/"50"/"75"/"90" % of the final score
    tiers: list[Tier] | None = None  # per tier, when stage ids carry one ("t2/07-unions")


class LostTest(BaseModel):
    test: str
    lost_at: int  # tool calls at the evaluation where it failed
    passed_at: int  # tool calls at the evaluation before, where it passed
    recovered_at: int | None
    recovered_after: int | None  # recovered_at - lost_at


class Regressions(BaseModel):
    events: int  # evaluations that lost at least one test passing at the evaluation before
    tests_lost: list[str]  # every test ever lost, sorted
    losses: list[LostTest]
    unrecovered: int
    max_drawdown: float  # largest drop of the pass rate below its running peak


class Stall(BaseModel):
    tool_calls_since_improvement: int
    last_improvement_at: int  # tool calls at the evaluation that last raised the best score
    best_rate: float


def curve(run: LoadedRun, calls: Sequence[Call]
          ) -> tuple[list[CurvePoint], list[dict[str, str]], int, int]:
    """The usable evaluations ordered by tool calls (then seq): points, their per-test results,
    how many evaluations there were and how many failed."""
    evals = sorted(run.events_of(EvaluationEvent), key=lambda e: (e.tool_calls, e.seq))
    points: list[CurvePoint] = []
    tests: list[dict[str, str]] = []
    failed = 0
    for e in evals:
        if e.total <= 0 or e.error:
            failed += 1
            continue
        n = e.tool_calls
        at = calls[n - 1] if 0 < n <= len(calls) else None
        points.append(CurvePoint(
            tool_calls=n, step=e.step,
            wall_s=round(at.wall_s, 3) if at else (0.0 if n == 0 else None),
            tokens=at.tokens if at else (0 if n == 0 else None), passed=e.passed,
            total=e.total, rate=e.passed / e.total, stages=dict(e.stages), commit=e.commit,
            final=e.final))
        tests.append(e.tests)  # read only: no copy (big suites)
    return points, tests, len(evals), failed


def area_under_curve(points: Sequence[CurvePoint], horizon: int) -> float | None:
    """Mean pass rate over tool calls 0..horizon, each score held until the next evaluation."""
    if horizon <= 0 or not points:
        return None
    area = 0.0
    for i, p in enumerate(points):
        x0 = min(p.tool_calls, horizon)
        x1 = min(points[i + 1].tool_calls, horizon) if i + 1 < len(points) else horizon
        area += p.rate * max(0, x1 - x0)
    return area / horizon


def milestones(points: Sequence[CurvePoint], final: float) -> dict[str, int | None]:
    """Tool calls at the first evaluation reaching each share of the final score."""
    out: dict[str, int | None] = {}
    for pct in MILESTONES:
        hit = next((p.tool_calls for p in points if final > 0 and p.rate >= final * pct / 100),
                   None)
        out[str(pct)] = hit
    return out


def requested_evaluations(run: LoadedRun) -> tuple[int, int]:
    """(evaluations the run asked for, how many of them were never recorded): a run
    with ``coalesce_evals`` drops queued ones when the grader falls behind."""
    asked = {e.tool_calls: e.commit for e in run.events_of(SnapshotEvent) if e.evaluate}
    graded = {(e.tool_calls, e.commit) for e in run.events_of(EvaluationEvent) if not e.final}
    return len(asked), sum(1 for n, c in asked.items() if (n, c) not in graded)


def compute_progress(points: Sequence[CurvePoint], n_evals: int, failed: int,
                     horizon: int) -> Progress:
    final_point = next((p for p in reversed(points) if p.final), points[-1])
    return Progress(points=list(points), evaluations=n_evals, failed_evaluations=failed,
                    final_rate=final_point.rate, best_rate=max(p.rate for p in points),
                    auc=area_under_curve(points, max(horizon, points[-1].tool_calls)),
                    tool_calls_to=milestones(points, final_point.rate),
                    tiers=compute_tiers(points))


def compute_regressions(points: Sequence[CurvePoint],
                        results: Sequence[dict[str, str]]) -> Regressions:
    """Tests passing at one evaluation and failing at the next one that ran them."""
    state: dict[str, tuple[str, int]] = {}  # test -> (last status, tool calls then)
    open_losses: dict[str, LostTest] = {}
    losses: list[LostTest] = []
    events = 0
    peak = dd = 0.0
    for p, tests in zip(points, results, strict=True):
        peak = max(peak, p.rate)
        dd = max(dd, peak - p.rate)
        lost_here = False
        for test, status in tests.items():
            before = state.get(test)
            if status == "pass":
                lost = open_losses.pop(test, None)
                if lost is not None:
                    lost.recovered_at = p.tool_calls
                    lost.recovered_after = p.tool_calls - lost.lost_at
            elif before is not None and before[0] == "pass":
                lost_here = True
                loss = LostTest(test=test, lost_at=p.tool_calls, passed_at=before[1],
                                recovered_at=None, recovered_after=None)
                losses.append(loss)
                open_losses[test] = loss
            state[test] = (status, p.tool_calls)
        events += lost_here
    return Regressions(events=events, tests_lost=sorted({x.test for x in losses}), losses=losses,
                       unrecovered=len(open_losses), max_drawdown=round(dd, 6))


def compute_stall(points: Sequence[CurvePoint], horizon: int) -> Stall:
    """Tool calls from the last evaluation that beat every earlier score to the end of the run."""
    best = 0.0
    last = 0
    for p in points:
        if p.rate > best:
            best, last = p.rate, p.tool_calls
    return Stall(tool_calls_since_improvement=max(0, horizon - last), last_improvement_at=last,
                 best_rate=best)
