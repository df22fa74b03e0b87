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
    """A real, finite number (not a bool, not NaN or infinity). Exact types (JSON gives no
    subclasses), which keeps this cheap enough for readers that fold every event."""
    t = type(v)
    return t is int or (t is float and math.isfinite(v))


def as_int(v: Any, default: int = 0) -> int:
    return v if type(v) is int else default


def as_num(v: Any) -> float | None:
    return float(v) if is_num(v) else None
