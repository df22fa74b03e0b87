"""Grading the team's upstream: the team's progress curve, on a coalesced schedule.

Every state of main is a candidate; the scenario's hidden grader (in its own sandbox, through
the same ``EvaluationRunner`` as a run's in-run evaluations, with ``coalesce`` on) grades:

- ``periodic``: the seed, the newest state after every K-th state of main, or T minutes after
  the last request when main moved since; a newer request supersedes one still queued;
- ``pinned``: the states just before and after a push that deleted lines another agent wrote
  recently (an overwrite: what can destroy others' work is always measured), never dropped;
- ``bisect``: states in the middle of an interval where a test regressed and more than one push
  could have done it (``attribution.bisect_targets``), until each regression has its push;
- ``final``: the last state, when the team ends.

Each grading is a ``TeamEvaluation`` in the team log (``step`` and ``tool_calls``: the index
of the state of main), so the team's curve reads like any run's.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from agent.evaluation import EvaluationEvent, EvaluationRunner, Grader
from agent.team.attribution import bisect_targets
from agent.team.events import TeamEvaluation, TeamLog
from agent.team.gitobjects import UpstreamObjects
from agent.team.ledger import Change
from agent.team.pushes import MainState
from agent.trajectory.snapshots import write_tree
from sandboxes.fsafe import WorkspaceDir


class UpstreamExporter:
    """A state of main as a folder for the grader, written by the snapshot writer from the
    upstream's objects (read by ultrarun, never by git)."""

    def __init__(self, objects: UpstreamObjects, owner: int | None) -> None:
        self.objects = objects
        self.owner = owner

    def export(self, commit: str, dest: Path) -> None:
        Path(dest).mkdir(parents=True, exist_ok=True)
        with WorkspaceDir(Path(dest), "/", owner=self.owner) as out:
            write_tree(self.objects, commit, out)


class UpstreamGrading:
    """Decides which states of main to grade; the runner grades them in the background."""

    def __init__(self, grader: Grader, objects: UpstreamObjects, team_log: TeamLog, *,
                 every_states: int, every_minutes: float, owner: int | None,
                 greens: bool = False) -> None:
        self.every_states = every_states
        self.every_s = every_minutes * 60
        self.greens = greens
        self.states: list[MainState] = []
        self.graded: dict[int, set[str]] = {}  # index -> tests passing
        self.all_tests: dict[int, set[str]] = {}
        # Gradings that are never dropped (pinned, bisect, final), until their result; a
        # periodic one may be superseded, so it holds nothing up.
        self.kept: dict[int, str] = {}
        self.last_request = 0
        self.last_request_t = time.monotonic()
        self._lock = threading.Lock()
        # Coalesced: a newer state of main supersedes one still queued (pinned and bisect
        # gradings are kept). Not sealed: see docs/teams.md, "What is not done".
        self.runner = EvaluationRunner(grader, UpstreamExporter(objects, owner), team_log,
                                       coalesce=True, event_cls=TeamEvaluation,
                                       on_result=self._on_result)

    # -- resume ----------------------------------------------------------------------------
    def restore(self, states: list[MainState], evaluations: list[TeamEvaluation],
                pinned: list[int] | None = None) -> None:
        """Carry on after a team log's gradings: the pinned ones not done are asked again
        (``pinned``: states of main that overwrote others' work)."""
        with self._lock:
            self.states = list(states)
            for e in evaluations:
                if e.error is None:
                    self._record(e)
            if evaluations:
                self.last_request = max(e.main for e in evaluations)
            for index in pinned or []:
                for i in (index - 1, index):
                    if 0 <= i < len(self.states) and self.states[i].sha is not None:
                        self._submit(self.states[i], "pinned", keep=True)
        self._more()

    # -- the schedule ------------------------------------------------------------------------
    def on_main(self, state: MainState, change: Change) -> None:
        """A new state of main (the push watcher's thread)."""
        with self._lock:
            self.states.append(state)
            if state.sha is None:
                return
            if change.overwritten:
                previous = self._previous_graded_candidate(state.index)
                if previous is not None:
                    self._submit(previous, "pinned", keep=True)
                self._submit(state, "pinned", keep=True)
            elif state.index == 0 or state.index - self.last_request >= self.every_states:
                self._submit(state, "periodic")  # the seed: where the curve starts

    def tick(self) -> None:
        """The time trigger (called by the team's main loop)."""
        with self._lock:
            if not self.states or time.monotonic() - self.last_request_t < self.every_s:
                return
            latest = self.states[-1]
            if latest.sha is not None and latest.index > self.last_request:
                self._submit(latest, "periodic")

    def final(self) -> None:
        """Grade the last state of main and wait for every grading queued or triggered."""
        with self._lock:
            latest = next((s for s in reversed(self.states) if s.sha is not None), None)
            if latest is not None:
                self._submit(latest, "final", keep=True, final=True)
        self.runner.wait()

    def close(self) -> None:
        self.runner.close()

    def abort(self) -> None:
        self.runner.abort()

    # -- internals -------------------------------------------------------------------------
    def _previous_graded_candidate(self, index: int) -> MainState | None:
        prev = index - 1
        if prev < 0 or prev in self.graded or prev in self.kept:
            return None
        state = self.states[prev] if prev < len(self.states) else None
        return state if state is not None and state.sha is not None else None

    def _submit(self, state: MainState, kind: str, keep: bool = False,
                final: bool = False) -> None:
        assert state.sha is not None
        if not final and (state.index in self.graded or state.index in self.kept):
            return
        if keep:
            self.kept[state.index] = kind
        else:
            self.last_request = max(self.last_request, state.index)
            self.last_request_t = time.monotonic()
        extra: dict[str, Any] = {"main": state.index, "agent": state.agent, "kind": kind}
        self.runner.submit(state.sha, state.index, state.index, final=final, keep=keep,
                           extra=extra)

    def _record(self, e: TeamEvaluation) -> None:
        self.graded[e.main] = {t for t, v in e.tests.items() if v == "pass"}
        self.all_tests[e.main] = set(e.tests)

    def _on_result(self, event: EvaluationEvent) -> None:
        assert isinstance(event, TeamEvaluation)
        with self._lock:
            self.kept.pop(event.main, None)
            if event.error is None:
                self._record(event)
        self._more()

    def _more(self) -> None:
        """Request the bisection gradings the results so far call for."""
        with self._lock:
            pending = set(self.kept)
            for index in bisect_targets(self.graded, self.all_tests, self.states, pending,
                                        greens=self.greens):
                if index < len(self.states) and self.states[index].sha is not None:
                    self._submit(self.states[index], "bisect", keep=True)
