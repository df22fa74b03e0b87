"""JSON from outside the process (a run folder, an imported file, a grader's output): parsed
with a bound on nesting, every problem a ``ValueError`` with a one-line message.

Python's decoder recurses once per level and raises ``RecursionError`` (not a ``ValueError``)
past about a thousand; what it accepts below that still recurses in validation, copying and
printing. So anything nested deeper than ``MAX_DEPTH`` is refused; real trajectories stay far
below it.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 200


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is out of range for a number")
    return value


def too_deep(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``data`` (parsed JSON) nests lists and objects more than ``limit`` deep."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return False


def loads(text: str | bytes, *, strict_numbers: bool = False, max_depth: int = MAX_DEPTH
          ) -> Any:
    """Parse ``text``; ValueError (one line) when it is not JSON, nests deeper than
    ``max_depth``, or (``strict_numbers``) holds NaN, Infinity or a number out of range."""
    kwargs: dict[str, Any] = {"parse_constant": _no_constant, "parse_float": _finite} \
        if strict_numbers else {}
    try:
        data = json.loads(text, **kwargs)
    except RecursionError:
        raise ValueError(f"JSON nested too deeply (limit {max_depth} levels)") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON (line {e.lineno}: {e.msg})") from None
    except ValueError as e:  # an integer longer than Python converts, NaN, 1e999
        raise ValueError(f"not usable JSON ({str(e).splitlines()[0][:120]})") from None
    if too_deep(data, max_depth):
        raise ValueError(f"JSON nested too deeply (limit {max_depth} levels)")
    return data
