"""Budgets: when a run stops on its own. One model for a scenario's ``budgets``, the run's
resolved budgets (run.json ``budgets``) and the loop's checks."""

from __future__ import annotations

import re
from typing import Any, Literal, Protocol

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator


def parse_duration(value: str | int | float | None) -> float | None:
    """Seconds from ``6h``, ``90m``, ``45s``, ``1h30m`` or a number of seconds."""
    if value is None or isinstance(value, int | float):
        return None if value is None else float(value)
    text = value.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([hms])", text)
    if not parts or "".join(n + u for n, u in parts) != text.replace(" ", ""):
        raise ValueError(f"not a duration: {value!r} (use e.g. 6h, 90m, 45s, 1h30m)")
    return sum(float(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


def format_duration(seconds: float | None) -> str:
    """``6h``, ``1h30m``, ``45s``: what ``parse_duration`` reads back ("-" for none)."""
    if seconds is None:
        return "-"
    rest, out = round(seconds), ""
    for unit, size in (("h", 3600), ("m", 60)):
        if rest >= size:
            out += f"{rest // size}{unit}"
            rest %= size
    return out + (f"{rest}s" if rest or not out else "")


class Budgets(BaseModel):
    """Model turns, dollars and wall time a run may use, and the failures it tolerates.

    ``max_time`` may be written as a duration (``6h``); it is kept in seconds as
    ``max_time_s``.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    max_steps: int | None = Field(None, ge=1, description="model turns at most")
    max_cost: float | None = Field(None, gt=0, description="dollars at most")
    max_time_s: float | None = Field(None, gt=0, lt=1e9,
                                     validation_alias=AliasChoices("max_time_s", "max_time"),
                                     description="wall time at most: seconds, or `6h`, `90m`")
    max_format_errors: int = Field(10, ge=1, description=(
        "model turns in a row without a usable tool call before the run fails"))
    max_sandbox_restarts: int = Field(3, ge=0, description=(
        "times a dead sandbox is replaced (from the last snapshot) before the run fails"))

    @field_validator("max_time_s", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> Any:
        return parse_duration(v) if isinstance(v, str) else v

    def merged(self, **changes: Any) -> Budgets:
        """These budgets with the given ones replaced (None leaves one as it is; ``max_time``
        may be a duration)."""
        given = {k: v for k, v in changes.items() if v is not None}
        if "max_time" in given:
            given["max_time_s"] = given.pop("max_time")
        return Budgets.model_validate({**self.model_dump(), **given})


#: Why a shared budget stops a run (the loop records it as the run's end reason):
#: ``shared_budget`` for one with no budget of a run's own behind it (a batch's).
AllowanceEnd = Literal["max_steps", "max_cost", "max_time", "shared_budget"]


class Allowance(Protocol):
    """A budget several runs draw from (a team's: total steps, dollars, wall time; a batch's:
    dollars and tokens across the matrix, agent/batch/budget.py): each run's loop checks it
    before each model turn; whoever runs them charges it with what they use (a team's
    members, from their loops' counters; a batch, from each run's own totals)."""

    def exhausted(self) -> AllowanceEnd | None:
        """Which of its budgets is spent, or None."""
        ...

    def charge(self, *, steps: int = 0, cost: float = 0.0, tokens: int = 0) -> None:
        """Count what a run used since it last charged."""
        ...
