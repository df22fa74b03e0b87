"""Numbers read from files and flags (scenarios, run.json, matrices, the command line): strict
(``true`` is not 1, ``"5"`` is not 5, ``20.0`` is not a count) and bounded (a count past a
billion is a typo or an attack, never a plan). One copy, used by every model with such a
field, so that each says the same thing about the same mistake."""

from __future__ import annotations

from typing import Any

from pydantic import Field

MAX_COUNT = 1_000_000_000  # steps, calls, restarts, tokens...
MAX_SEED = 2**63 - 1


def count(default: Any = ..., *, ge: int = 0, le: int = MAX_COUNT, **kw: Any) -> Any:
    """A field holding a whole number (not a bool, not a float), ``ge`` <= n <= ``le``."""
    return Field(default, strict=True, ge=ge, le=le, **kw)


def number(default: Any = ..., **kw: Any) -> Any:
    """A field holding a finite number (an int or a float, never a bool or a string)."""
    return Field(default, strict=True, allow_inf_nan=False, **kw)
