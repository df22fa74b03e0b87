"""Progress by tier: stage ids that carry a prefix (``t2/07-unions``) grouped by it.

A suite with tiers (the c-compiler scenario) has dozens of stages; one curve per tier, and the
stages drawn tier by tier, keep a report readable where one chart of every stage would not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from agent.analysis.progress import CurvePoint


class TierPoint(BaseModel):
    tool_calls: int
    passed: int
    total: int


class Tier(BaseModel):
    name: str
    stages: list[str]
    points: list[TierPoint]  # one per usable evaluation
    final: list[int]  # [passed, total] at the last evaluation
    best_rate: float
    last_improvement_at: int | None  # tool calls at the evaluation that last raised its best


def tier_of(stage: str) -> str | None:
    """The tier of a stage id: what comes before its first ``/`` (None without one)."""
    head, sep, _ = stage.partition("/")
    return head if sep else None


def compute_tiers(points: Sequence[CurvePoint]) -> list[Tier] | None:
    """Per-tier curves, or None when the stages carry no tier (a flat suite)."""
    names: dict[str, set[str]] = {}
    for p in points:
        for stage in p.stages:
            tier = tier_of(stage)
            if tier is None:
                return None
            names.setdefault(tier, set()).add(stage)
    if not names:
        return None
    out = []
    for tier in sorted(names):
        curve: list[TierPoint] = []
        best, improved = -1.0, None
        for p in points:
            pairs = [v for k, v in p.stages.items() if tier_of(k) == tier and len(v) == 2]
            passed, total = sum(v[0] for v in pairs), sum(v[1] for v in pairs)
            curve.append(TierPoint(tool_calls=p.tool_calls, passed=passed, total=total))
            rate = passed / total if total else 0.0
            if rate > best:
                best, improved = rate, p.tool_calls
        last = curve[-1]
        out.append(Tier(name=tier, stages=sorted(names[tier]), points=curve,
                        final=[last.passed, last.total], best_rate=max(best, 0.0),
                        last_improvement_at=improved if best > 0 else None))
    return out
