"""Budgets: when a run stops on its own. One model for a scenario's ``budgets``, the run's
resolved budgets (run.json ``budgets``) and the loop's checks."""

from __future__ import annotations

import re
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, field_validator

from sandboxes.numbers import count, number


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

    max_steps: int | None = count(None, ge=1)
    max_cost: float | None = number(None, gt=0, lt=1e12)
    max_time_s: float | None = number(None, gt=0, lt=1e9,
                                      validation_alias=AliasChoices("max_time_s", "max_time"))
    max_format_errors: int = count(10, ge=1)  # model turns in a row without a usable call
    max_sandbox_restarts: int = count(3, ge=0)

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
