"""Which push turned which hidden test red or green, from the gradings of main's states.

Between two graded states ``a < b`` of main, the tests whose verdict differs flipped in one of
the states after ``a`` up to ``b`` that changed code (a state that only moved lock files under
``current_tasks/`` cannot flip a test). A flip is attributed when those candidate states have
one author; a regression (pass to not-pass) is pinned to one push: while its interval has more
than one candidate, ``bisect_targets`` names the state in the middle to grade next. A test that
turns red and green again between two graded states is not seen (docs/teams.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from agent.team.pushes import LOCKS, MainState


@dataclass(frozen=True)
class Flip:
    test: str
    kind: str  # regression | green
    agent: str | None  # None: the interval has several authors (or none: a flaky grader)
    state: int | None  # the state that flipped it, when pinned to one
    since: int  # the graded state before
    until: int  # the graded state after


def touches_code(state: MainState) -> bool:
    return any(not f.startswith(LOCKS) for f in state.files)


def _candidates(states: Sequence[MainState], a: int, b: int) -> list[MainState]:
    return [s for s in states[a + 1:b + 1] if touches_code(s)]


def flips(graded: Mapping[int, set[str]], all_tests: Mapping[int, set[str]],
          states: Sequence[MainState]) -> list[Flip]:
    """Every flip between consecutive graded states (``graded``: index -> tests passing;
    ``all_tests``: index -> every test id of that grading)."""
    out: list[Flip] = []
    order = sorted(graded)
    for a, b in pairwise(order):
        cands = _candidates(states, a, b)
        authors = {s.agent for s in cands}
        agent = next(iter(authors)) if len(authors) == 1 else None
        exact = cands[0].index if len(cands) == 1 else None
        known = all_tests[a] | all_tests[b]
        for test in sorted(known):
            was, now = test in graded[a], test in graded[b]
            if was != now:
                out.append(Flip(test, "regression" if was else "green", agent, exact, a, b))
    return out


def bisect_targets(graded: Mapping[int, set[str]], all_tests: Mapping[int, set[str]],
                   states: Sequence[MainState], pending: set[int],
                   greens: bool = False) -> list[int]:
    """States to grade so that every regression (and, with ``greens``, every green) is
    pinned to one push; none for intervals with a grading already pending."""
    out: list[int] = []
    order = sorted(graded)
    for a, b in pairwise(order):
        if any(a < p < b for p in pending):
            continue
        cands = _candidates(states, a, b)
        if len(cands) < 2:
            continue
        lost = graded[a] - graded[b]
        won = (graded[b] - graded[a]) if greens else set()
        lost |= (all_tests[a] - all_tests[b]) & graded[a]
        if lost or (won and len({s.agent for s in cands}) > 1):
            mid = cands[(len(cands) - 1) // 2].index
            if mid not in graded and mid != b:
                out.append(mid)
    return out
