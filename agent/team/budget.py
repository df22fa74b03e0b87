"""The team's budgets: total model turns, dollars and wall time over every agent's sessions.

An ``Allowance`` (``agent/budgets.py``) every session's loop checks before each model turn and
charges after each model call, so the team stops as one when any of them is spent. Wall time
counts while the harness runs: a resumed team carries on from the time it had used.
"""

from __future__ import annotations

import threading
import time

from agent.budgets import AllowanceEnd, Budgets


class TeamAllowance:
    def __init__(self, budgets: Budgets, *, used_s: float = 0.0, steps: int = 0,
                 cost: float = 0.0, tokens: int = 0) -> None:
        self.budgets = budgets
        self.started = time.time() - used_s
        self.steps = steps
        self.cost = cost
        self.tokens = tokens
        self._lock = threading.Lock()

    def exhausted(self) -> AllowanceEnd | None:
        b = self.budgets
        with self._lock:
            if b.max_steps is not None and self.steps >= b.max_steps:
                return "max_steps"
            if b.max_cost is not None and self.cost >= b.max_cost:
                return "max_cost"
        if b.max_time_s is not None and self.elapsed() >= b.max_time_s:
            return "max_time"
        return None

    def charge(self, *, steps: int = 0, cost: float = 0.0, tokens: int = 0) -> None:
        with self._lock:
            self.steps += steps
            self.cost += cost
            self.tokens += tokens

    def elapsed(self) -> float:
        return time.time() - self.started

    def time_left(self) -> float | None:
        t = self.budgets.max_time_s
        return None if t is None else max(1.0, t - self.elapsed())
