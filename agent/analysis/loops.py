"""Loop detection over the tool-call sequence: repeats, near-duplicates, identical runs, cycles."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from agent.analysis.calls import Call

#: Two bash commands whose token sets have a Jaccard similarity at least this are near-duplicates.
NEAR_JACCARD = 0.9
#: A call "repeats" when it matches (exactly or nearly) one of this many calls before it.
REPEAT_LOOKBACK = 5
#: Cycle lengths searched for (a cycle of length 1 is a run of identical calls).
CYCLE_LENGTHS = (2, 3, 4, 5)

_WS = re.compile(r"\s+")
_NUM = re.compile(r"\d+")


class Cycle(BaseModel):
    length: int  # calls in one period
    repeats: int  # consecutive periods
    start: int  # tool-call index of the first call of the first period
    names: list[str]  # tool names of one period


class Loops(BaseModel):
    exact_repeats: int  # calls identical to the call just before them
    exact_repeat_rate: float
    near_duplicates: int  # calls nearly (not exactly) identical to the call just before them
    near_duplicate_rate: float
    recent_repeat_rate: float  # calls matching one of the REPEAT_LOOKBACK calls before them
    longest_identical_run: int
    longest_identical_run_start: int | None
    longest_cycle: Cycle | None


def _normalise(value: Any) -> Any:
    """Collapse whitespace and digit runs in every string, so `sleep 1` ~ `sleep  2`."""
    if isinstance(value, str):
        return _NUM.sub("0", _WS.sub(" ", value).strip())
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def near_signature(call: Call) -> str:
    """The signature after normalising whitespace and numbers."""
    if call.arguments is None:
        return f"{call.name}\x00raw:{_normalise(call.raw_arguments)}"
    return f"{call.name}\x00" + json.dumps(_normalise(call.arguments), sort_keys=True,
                                            ensure_ascii=False, default=str)


def _bash_tokens(call: Call) -> frozenset[str] | None:
    if call.name != "bash" or not call.arguments:
        return None
    command = call.arguments.get("command")
    return frozenset(command.split()) if isinstance(command, str) else None


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 1.0


class _Matcher:
    """Precomputed exact/near keys so comparisons stay O(1) (bash Jaccard aside)."""

    def __init__(self, calls: Sequence[Call]) -> None:
        self.exact = [c.signature for c in calls]
        self.near = [near_signature(c) for c in calls]
        self.tokens = [_bash_tokens(c) for c in calls]

    def similar(self, i: int, j: int) -> bool:
        if self.near[i] == self.near[j]:
            return True
        a, b = self.tokens[i], self.tokens[j]
        return a is not None and b is not None and _jaccard(a, b) >= NEAR_JACCARD


def repeat_flags(calls: Sequence[Call], matcher: _Matcher | None = None) -> list[bool]:
    """Per call: does it match (exactly or nearly) one of the REPEAT_LOOKBACK calls before it."""
    m = matcher or _Matcher(calls)
    return [any(m.exact[i] == m.exact[j] or m.similar(i, j)
                for j in range(max(0, i - REPEAT_LOOKBACK), i)) for i in range(len(calls))]


def _smallest_period(block: Sequence[str]) -> int:
    n = len(block)
    for p in range(1, n):
        if n % p == 0 and all(block[k] == block[k % p] for k in range(n)):
            return p
    return n


def longest_cycle(sigs: Sequence[str], names: Sequence[str]) -> Cycle | None:
    """The longest stretch (in calls) made of one block of 2-5 calls repeated >= 2 times.

    Only blocks whose smallest period is their length count (A A is a run, ABAB is a 2-cycle).
    Ties keep the earlier, then the shorter cycle.
    """
    best: Cycle | None = None
    n = len(sigs)
    for length in CYCLE_LENGTHS:
        i = length
        while i < n:
            if sigs[i] != sigs[i - length]:
                i += 1
                continue
            j = i
            while j < n and sigs[j] == sigs[j - length]:
                j += 1
            # sigs[i-length : j] is periodic with period `length`.
            start = i - length
            repeats = (j - start) // length
            block = sigs[start:start + length]
            if repeats >= 2 and _smallest_period(block) == length:
                span = repeats * length
                if best is None or span > best.length * best.repeats:
                    best = Cycle(length=length, repeats=repeats, start=start + 1,
                                 names=list(names[start:start + length]))
            i = j
    return best


def compute_loops(calls: Sequence[Call]) -> tuple[Loops, list[bool]]:
    """Loop metrics and the per-call repeat flags (for the windowed degradation metrics)."""
    m = _Matcher(calls)
    n = len(calls)
    exact = near = 0
    run_len = best_run = 0
    best_start: int | None = None
    for i in range(n):
        if i > 0 and m.exact[i] == m.exact[i - 1]:
            exact += 1
            run_len += 1
        else:
            if i > 0 and m.similar(i, i - 1):
                near += 1
            run_len = 1
        if run_len > best_run:
            best_run, best_start = run_len, calls[i - run_len + 1].index
    flags = repeat_flags(calls, m)
    loops = Loops(
        exact_repeats=exact, exact_repeat_rate=exact / n if n else 0.0,
        near_duplicates=near, near_duplicate_rate=near / n if n else 0.0,
        recent_repeat_rate=sum(flags) / n if n else 0.0,
        longest_identical_run=best_run, longest_identical_run_start=best_start,
        longest_cycle=longest_cycle(m.exact, [c.name for c in calls]))
    return loops, flags
