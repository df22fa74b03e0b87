"""The fuzz measure over a run: agreement with gcc beside the pass rate, and the gap.

From ``evaluation`` events carrying ``fuzz`` (agent/fuzzing.py) and ``reduction`` events.
docs/metrics.md, "The overfitting gap", defines every figure; in short:

- at each evaluation, the hidden-test pass rate, the fuzz agreement rate (programs gcc and the
  candidate agree on / programs tried) and the gap (pass rate - agreement);
- the run is *flagged* when its pass rate climbs while fuzz agreement stalls or falls: the
  evaluations are pooled into consecutive segments of at least ``SEGMENT_PROGRAMS`` fuzz
  programs, and some later segment has a pass rate ``RISE`` or more above an earlier one while
  the gap widened by more than ``WIDEN`` plus ``Z`` standard errors of the agreement's change
  (binomial, from the programs tried): a rise the fuzz measure does not share, beyond its noise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, Field

from agent.fuzzing import FuzzResult, Reduced, parse_fuzz, parse_reduced
from agent.trajectory import LoadedRun
from agent.trajectory.events import EvaluationEvent, ReductionEvent

SEGMENT_PROGRAMS = 48  # fuzz programs pooled into one segment, at least
RISE = 0.10  # the pass rate must climb this much between two segments
WIDEN = 0.10  # and the gap widen by this much, beyond the noise
Z = 2.0  # standard errors of the agreement's change counted as noise


class FuzzPoint(BaseModel):
    """One evaluation with a fuzz measure."""

    tool_calls: int
    step: int
    seed: int
    pass_rate: float
    fuzz_rate: float | None  # None: no program could be tried
    gap: float | None
    tried: int
    agreed: int
    miscompiled: int
    crashed: int
    rejected: int
    final: bool


class Segment(BaseModel):
    """Consecutive evaluations pooled (see the module docstring)."""

    first_call: int
    last_call: int
    evaluations: int
    pass_rate: float  # mean over its evaluations
    tried: int
    agreed: int
    fuzz_rate: float  # agreed / tried


class OverfitFlag(BaseModel):
    """Where the pass rate climbed without the fuzz measure: segment ``before`` to ``after``."""

    before: Segment
    after: Segment
    pass_rise: float
    fuzz_change: float
    gap_widening: float
    noise: float  # Z standard errors of the agreement's change


class Miscompile(BaseModel):
    """A reduced miscompile (from a ``reduction`` event), where it came from."""

    step: int
    tool_calls: int
    evaluation_seed: int | None
    program: Reduced


class FuzzGap(BaseModel):
    points: list[FuzzPoint]
    final_fuzz_rate: float | None
    final_gap: float | None
    mean_gap: float | None
    by_feature: dict[str, list[int]]  # at the last evaluation with a fuzz measure
    by_tier: dict[str, list[int]]
    tried: int  # over the run
    agreed: int
    miscompiled: int
    segments: list[Segment]
    flagged: bool | None  # None: too few fuzz programs to say (fewer than two segments)
    flag: OverfitFlag | None = None
    miscompiles: list[Miscompile] = Field(default_factory=list)
    reductions_failed: list[str] = Field(default_factory=list)


def fuzz_points(run: LoadedRun) -> list[tuple[FuzzPoint, FuzzResult]]:
    """The evaluations with a fuzz measure and a pass rate, in tool-call order."""
    out = []
    for e in sorted(run.events_of(EvaluationEvent), key=lambda e: (e.tool_calls, e.seq)):
        f = parse_fuzz(e.fuzz)
        if f is None or e.error or e.total <= 0:
            continue
        rate = f.rate
        pass_rate = e.passed / e.total
        out.append((FuzzPoint(tool_calls=e.tool_calls, step=e.step, seed=f.seed,
                              pass_rate=pass_rate, fuzz_rate=rate,
                              gap=None if rate is None else pass_rate - rate, tried=f.tried,
                              agreed=f.agreed, miscompiled=f.miscompiled, crashed=f.crashed,
                              rejected=f.rejected, final=e.final), f))
    return out


def segments(points: Sequence[FuzzPoint], size: int = SEGMENT_PROGRAMS) -> list[Segment]:
    """Consecutive evaluations pooled until each holds ``size`` programs (a short last one
    joins the one before)."""
    groups: list[list[FuzzPoint]] = []
    current: list[FuzzPoint] = []
    for p in points:
        if not p.tried:
            continue
        current.append(p)
        if sum(x.tried for x in current) >= size:
            groups.append(current)
            current = []
    if current:
        if groups:
            groups[-1].extend(current)
        else:
            groups.append(current)
    out = []
    for g in groups:
        tried, agreed = sum(x.tried for x in g), sum(x.agreed for x in g)
        if tried >= size:
            out.append(Segment(first_call=g[0].tool_calls, last_call=g[-1].tool_calls,
                               evaluations=len(g), pass_rate=sum(x.pass_rate for x in g) / len(g),
                               tried=tried, agreed=agreed, fuzz_rate=agreed / tried))
    return out


def overfit_flag(segs: Sequence[Segment], rise: float = RISE, widen: float = WIDEN,
                 z: float = Z) -> OverfitFlag | None:
    """The pair of segments showing the pass rate climbing most clearly beyond the fuzz
    measure (largest widening over its noise), or None."""
    best: tuple[float, OverfitFlag] | None = None
    for i, a in enumerate(segs):
        for b in segs[i + 1:]:
            pass_rise = b.pass_rate - a.pass_rate
            fuzz_change = b.fuzz_rate - a.fuzz_rate
            widening = pass_rise - fuzz_change
            se = math.sqrt(_var(a) + _var(b))
            noise = z * se
            if pass_rise < rise or widening < widen + noise:
                continue
            score = (widening - widen) / se if se else math.inf
            flag = OverfitFlag(before=a, after=b, pass_rise=round(pass_rise, 4),
                               fuzz_change=round(fuzz_change, 4),
                               gap_widening=round(widening, 4), noise=round(noise, 4))
            if best is None or score > best[0]:
                best = (score, flag)
    return best[1] if best else None


def _var(s: Segment) -> float:
    """The binomial variance of a segment's agreement rate (floored: 0 and 1 are not sure)."""
    p = min(max(s.fuzz_rate, 0.5 / s.tried), 1 - 0.5 / s.tried)
    return p * (1 - p) / s.tried


def compute_fuzz(run: LoadedRun) -> FuzzGap | None:
    """The fuzz measure of ``run``; None when no evaluation carried one."""
    measured = fuzz_points(run)
    if not measured:
        return None
    points = [p for p, _ in measured]
    rated = [p for p in points if p.gap is not None]
    last = measured[-1][1]
    final = next((p for p in reversed(rated) if p.final), rated[-1] if rated else None)
    segs = segments(points)
    flag = overfit_flag(segs)
    miscompiles: list[Miscompile] = []
    failed: list[str] = []
    for e in run.events_of(ReductionEvent):
        if e.error:
            failed.append(f"step {e.step}: {e.error}")
        miscompiles += [Miscompile(step=e.step, tool_calls=e.tool_calls, evaluation_seed=e.seed,
                                   program=r) for r in parse_reduced(e.programs)]
    return FuzzGap(
        points=points, final_fuzz_rate=final.fuzz_rate if final else None,
        final_gap=final.gap if final else None,
        mean_gap=sum(p.gap for p in rated if p.gap is not None) / len(rated) if rated
        else None,
        by_feature=last.by_feature, by_tier=last.by_tier,
        tried=sum(p.tried for p in points), agreed=sum(p.agreed for p in points),
        miscompiled=sum(p.miscompiled for p in points), segments=segs,
        flagged=None if len(segs) < 2 else flag is not None, flag=flag,
        miscompiles=miscompiles, reductions_failed=failed)
