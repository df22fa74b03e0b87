"""Budgets: when a run stops on its own. One model for a scenario's ``budgets``, the run's
resolved budgets (run.json ``budgets``) and the loop's checks."""

from __future__ import annotations

import re
from typing import Any, Protocol

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


class SharedBudget(Protocol):
    """A budget several runs draw from: a batch's ``--max-cost`` / ``--max-tokens-total``, or
    a team of agents sharing one allowance. Each run reports what it has spent so far (its own
    totals, so a report repeated after a resume or a retry counts once) and stops, with end
    reason ``shared_budget``, once ``exhausted`` says why."""

    def charge(self, member: str, cost: float, tokens: int) -> None:
        """``member`` (a run id) has spent ``cost`` dollars and ``tokens`` tokens in all."""
        ...

    def exhausted(self) -> str | None:
        """Why the budget is spent (e.g. "batch --max-cost $5.00 reached"), else None."""
        ...
