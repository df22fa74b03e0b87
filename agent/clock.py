"""A clock for the agent: its budgets told with the task, and what is left told as it goes.

An agent that cannot tell time is cut at ``--max-time`` mid-thought. The loop appends the
budgets to the task message (recorded in ``run_start``), and at a cadence (every ``every``
steps, and when a budget passes 50/75/90% of its size) a short line to the last tool result
of a step: wall time, steps and dollars left. Each line is a ``clock`` event, folded into the
conversation like the result it follows, so replay, resume and fork give the model the very
same text. ``--no-clock`` turns it off; a scenario words it (``clock:`` in scenario.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.budgets import Budgets, format_duration

PLACEHOLDERS = ("budgets", "left", "step", "steps_left", "max_steps", "time_left", "max_time",
                "elapsed", "cost_left", "max_cost", "spent")
DEFAULT_START = ("[Budgets for this task: {budgets}. You will be told what is left as you go; "
                 "finish (call `finish`) before they run out.]")
DEFAULT_LINE = "[clock: {left} left]"


class ClockOptions(BaseModel):
    """When and how the agent is told its budgets (run.json ``options.clock``; a scenario's
    ``clock:``; ``--no-clock`` / ``--clock-every N``). Templates take the placeholders of
    ``PLACEHOLDERS`` (e.g. ``{left}``: "1h10m of 6h wall time, 412 of 1000 steps")."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="tell the agent at all (`--no-clock`: off)")
    every: int = Field(25, ge=0, description=(
        "steps between two lines (0: only at the milestones; `--clock-every N`)"))
    milestones: list[float] = Field(default_factory=lambda: [0.5, 0.75, 0.9], description=(
        "shares of a budget (steps, wall time, dollars) whose passing is told"))
    start: str = Field(DEFAULT_START, description=(
        "what the task message ends with; placeholders: {budgets}, {max_time}, {max_steps}, "
        "{max_cost}"))
    line: str = Field(DEFAULT_LINE, description=(
        "the line after a step's last tool result; placeholders: {left}, {time_left}, "
        "{steps_left}, {cost_left}, {step}, {elapsed}, {spent} and those of `start`"))

    @field_validator("milestones")
    @classmethod
    def _fractions(cls, v: list[float]) -> list[float]:
        if any(not 0 < x < 1 for x in v):
            raise ValueError("milestones are fractions of a budget, between 0 and 1")
        return sorted(set(v))

    @field_validator("start", "line")
    @classmethod
    def _template(cls, v: str) -> str:
        try:
            v.format_map({k: "" for k in PLACEHOLDERS})
        except (KeyError, ValueError, IndexError) as e:
            raise ValueError(f"bad template {v!r} ({type(e).__name__}: {e}); placeholders: "
                             + ", ".join("{" + p + "}" for p in PLACEHOLDERS)) from None
        return v


@dataclass
class Reading:
    """Where a run stands against its budgets."""

    step: int
    elapsed_s: float
    cost: float
    cost_known: bool


def _money(x: float) -> str:
    return f"${max(0.0, x):.2f}"


class Clock:
    """Decides when the agent is told the time, and words it."""

    def __init__(self, options: ClockOptions, budgets: Budgets) -> None:
        self.options = options
        self.budgets = budgets

    @property
    def active(self) -> bool:
        b = self.budgets
        return self.options.enabled and any(
            x is not None for x in (b.max_steps, b.max_time_s, b.max_cost))

    def _values(self, r: Reading | None) -> dict[str, str]:
        b = self.budgets
        parts_all, parts_left = [], []
        v = {k: "" for k in PLACEHOLDERS}
        v["step"] = str(r.step) if r else "0"
        v["elapsed"] = format_duration(r.elapsed_s if r else 0.0)
        v["spent"] = _money(r.cost) if r and r.cost_known else ""
        if b.max_time_s is not None:
            left = b.max_time_s - (r.elapsed_s if r else 0.0)
            v["max_time"], v["time_left"] = format_duration(b.max_time_s), \
                format_duration(max(0.0, left))
            parts_all.append(f"{v['max_time']} wall time")
            parts_left.append(f"{v['time_left']} of {v['max_time']} wall time")
        if b.max_steps is not None:
            v["max_steps"] = str(b.max_steps)
            v["steps_left"] = str(max(0, b.max_steps - (r.step if r else 0)))
            parts_all.append(f"{b.max_steps} steps")
            parts_left.append(f"{v['steps_left']} of {b.max_steps} steps")
        if b.max_cost is not None:
            v["max_cost"] = _money(b.max_cost)
            parts_all.append(f"{v['max_cost']} of model cost")
            if r is None or r.cost_known:
                v["cost_left"] = _money(b.max_cost - (r.cost if r else 0.0))
                parts_left.append(f"{v['cost_left']} of {v['max_cost']}")
        v["budgets"], v["left"] = ", ".join(parts_all), ", ".join(parts_left)
        return v

    def start_text(self) -> str | None:
        """What the task message says of the budgets (None: nothing to tell)."""
        return self.options.start.format_map(self._values(None)) if self.active else None

    def used(self, r: Reading) -> dict[str, float]:
        """The share of each budget used so far."""
        b, out = self.budgets, {}
        if b.max_steps:
            out["steps"] = r.step / b.max_steps
        if b.max_time_s:
            out["time"] = r.elapsed_s / b.max_time_s
        if b.max_cost and r.cost_known:
            out["cost"] = r.cost / b.max_cost
        return out

    def due(self, r: Reading, last_step: int, told: dict[str, float]
            ) -> dict[str, Any] | None:
        """The ``clock`` event's fields when a line is due at this step, else None.

        ``last_step``: the step of the last line (0: none yet); ``told``: per budget, the
        highest milestone already told."""
        if not self.active:
            return None
        marks = {name: max((m for m in self.options.milestones if share >= m), default=0.0)
                 for name, share in self.used(r).items()}
        passed = sorted(n for n, m in marks.items() if m > told.get(n, 0.0))
        every = self.options.every
        if not passed and not (every and r.step - last_step >= every):
            return None
        values = self._values(r)
        return {"text": self.options.line.format_map(values),
                "reason": "milestone" if passed else "every",
                "marks": {n: max(m, told.get(n, 0.0)) for n, m in marks.items()},
                "left": {k: values[k] or None for k in ("steps_left", "time_left", "cost_left")}}
