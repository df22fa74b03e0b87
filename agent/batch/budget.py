"""A budget a whole batch draws from: ``ultrarun batch --max-cost D --max-tokens-total T``.

``BudgetPool`` is an ``Allowance`` (agent/budgets.py), the protocol a team's budget follows
too: every run's loop checks it before each model turn, and once the pool's dollars or tokens
are spent every run stops there (end reason ``shared_budget``) and no other starts. The batch
charges it, not the loop: after each model call a run's observer ``report``s the run's own
totals (so a resumed run, or a report repeated, counts once), and what the batch's runs
recorded in earlier invocations (their run.json) counts from the start. On Ray the pool lives
on the driver (the progress board); each task's ``RemoteShare`` sends its run's totals there
after every model call and keeps the verdict for the loop to check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from agent.budgets import AllowanceEnd
from agent.trajectory.run_info import read_run_info

#: Spending ``charge``d without a run's name (the Allowance protocol's form).
ANONYMOUS = ""


class PoolLimits(BaseModel):
    """What the whole batch may spend (None: no limit)."""

    model_config = ConfigDict(extra="forbid")

    max_cost: float | None = Field(None, gt=0)
    max_tokens: int | None = Field(None, gt=0)  # prompt + completion tokens, all runs

    @property
    def any(self) -> bool:
        return self.max_cost is not None or self.max_tokens is not None


class BudgetPool:
    """Thread-safe: runs in threads (or the Ray board on their behalf) charge it."""

    def __init__(self, limits: PoolLimits) -> None:
        self.limits = limits
        self._spent: dict[str, tuple[float, int]] = {}
        self._unpriced: set[str] = set()  # members with calls of unknown cost
        self._lock = threading.Lock()

    def report(self, member: str, cost: float, tokens: int) -> None:
        """``member`` (a run id) has spent ``cost`` dollars and ``tokens`` tokens in all."""
        with self._lock:
            self._spent[member] = (max(0.0, cost), max(0, tokens))

    def charge(self, *, steps: int = 0, cost: float = 0.0, tokens: int = 0) -> None:
        """The Allowance protocol's form: spending added without a run's name."""
        with self._lock:
            c, t = self._spent.get(ANONYMOUS, (0.0, 0))
            self._spent[ANONYMOUS] = (c + max(0.0, cost), t + max(0, tokens))

    def mark_unpriced(self, member: str) -> None:
        """``member`` made calls of unknown cost: the dollar limit cannot see them."""
        with self._lock:
            self._unpriced.add(member)

    def each(self) -> tuple[dict[str, tuple[float, int]], list[str]]:
        """What each member has spent, and the members with calls of unknown cost."""
        with self._lock:
            return dict(self._spent), sorted(self._unpriced)

    def merge(self, each: dict[str, tuple[float, int]], unpriced: list[str]) -> None:
        """Take over what another copy of the pool heard (the Ray board's, at the end)."""
        for member, (cost, tokens) in each.items():
            self.report(member, cost, tokens)
        for member in unpriced:
            self.mark_unpriced(member)

    def spent(self) -> tuple[float, int]:
        with self._lock:
            return (sum(c for c, _ in self._spent.values()),
                    sum(t for _, t in self._spent.values()))

    def why(self) -> str | None:
        """What is spent, in words (None: nothing yet)."""
        cost, tokens = self.spent()
        lim = self.limits
        if lim.max_cost is not None and cost >= lim.max_cost:
            return f"the batch's --max-cost ${lim.max_cost:.2f} is spent (${cost:.4f})"
        if lim.max_tokens is not None and tokens >= lim.max_tokens:
            return f"the batch's --max-tokens-total {lim.max_tokens:,} is spent ({tokens:,})"
        return None

    def exhausted(self) -> AllowanceEnd | None:
        return "shared_budget" if self.why() else None

    def seed_from(self, batch_dir: Path, run_ids: list[str]) -> None:
        """Count what the batch's runs recorded in earlier invocations."""
        for run_id in run_ids:
            if not (batch_dir / run_id / "run.json").exists():
                continue
            try:
                t = read_run_info(batch_dir / run_id).totals
            except (OSError, ValueError):
                continue
            self.report(run_id, t.cost or 0.0, t.tokens_in + t.tokens_out)

    def summary(self) -> dict[str, object]:
        """For batch.json and the end-of-batch line."""
        cost, tokens = self.spent()
        with self._lock:
            unpriced = sorted(self._unpriced)
        return {"max_cost": self.limits.max_cost, "max_tokens": self.limits.max_tokens,
                "cost": round(cost, 6), "tokens": tokens, "exhausted": self.why(),
                "runs_with_unpriced_calls": unpriced}


class RemoteShare:
    """A run's view of a pool held elsewhere (a Ray task's of the driver's): ``report`` sends
    the run's totals at once (a model call takes seconds; the relay, milliseconds) and keeps
    the verdict, which ``exhausted`` answers the loop with."""

    def __init__(self, send: Callable[[float, int], str | None],
                 verdict: str | None = None) -> None:
        self._send = send
        self.verdict = verdict

    def report(self, cost: float, tokens: int) -> None:
        try:
            self.verdict = self._send(cost, tokens)
        except Exception:  # the driver is going away: keep the last word, the run goes on
            pass

    def charge(self, *, steps: int = 0, cost: float = 0.0, tokens: int = 0) -> None:
        """Not used: the run's totals are ``report``ed (the Allowance protocol's form)."""

    def exhausted(self) -> AllowanceEnd | None:
        return "shared_budget" if self.verdict else None
