"""Typed reads of JSON values from a run folder, which is data: a field may be missing, of
another type, NaN or a boolean where a number belongs. Each helper returns its type or a
neutral value, so readers that fold raw events (the viewer, live alerts) need no checks."""

from __future__ import annotations

import math
from typing import Any


def as_dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def is_num(v: Any) -> bool:
    """A real, finite number (not a bool, not NaN or infinity)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def as_int(v: Any, default: int = 0) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else default


def as_num(v: Any) -> float | None:
    return float(v) if is_num(v) else None
