"""The upstream's grading schedule, with the evaluation runner, the upstream exporter and a
grader that reads the exported files (no container): which states of main get graded —
periodic and coalesced, pinned around an overwrite, bisected to pin a regression on its push,
final — and what the team log then says."""

from __future__ import annotations

import threading
from pathlib import Path

from agent.evaluation import GradeResult
from agent.team.attribution import flips
from agent.team.events import TeamEvaluation, TeamLog, read_team_log
from agent.team.gitobjects import UpstreamObjects
from agent.team.grading import UpstreamGrading
from agent.team.ledger import Change
from agent.team.pushes import MainState
from tests.team.test_team_units import Repo

TESTS = ("t1", "t2", "t3", "t4")


class FileGrader:
    """Test tK passes when the graded workspace holds a file tK; ``gate`` holds it back."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.started = threading.Event()

    def grade(self, workspace: Path) -> GradeResult:
        self.started.set()
        self.gate.wait(60)
        return GradeResult(tests={t: "pass" if (workspace / t).exists() else "fail"
                                  for t in TESTS})


def _build(tmp_path: Path, steps: list[tuple[str, dict[str, str | None]]]
           ) -> tuple[UpstreamObjects, list[MainState]]:
    repo = Repo(tmp_path)
    objects = UpstreamObjects(repo.bare)
    states = []
    for i, (agent, files) in enumerate(steps):
        sha = repo.commit(files, agent)
        states.append(MainState(i, sha, objects.commit(sha).tree, agent, i + 1,
                                tuple(sorted(files))))
    return objects, states


def _grading(tmp_path: Path, objects: UpstreamObjects, grader: FileGrader,
             every: int) -> tuple[UpstreamGrading, TeamLog]:
    log = TeamLog(tmp_path)
    return UpstreamGrading(grader, objects, log, every_states=every, every_minutes=600,
                           owner=None), log


def test_periodic_gradings_coalesce_behind_a_slow_grader(tmp_path: Path) -> None:
    objects, states = _build(tmp_path, [("seed", {"README": "r"})] + [
        ("a1", {f"t{k}": "x"}) for k in range(1, 5)])
    grader = FileGrader()
    grading, log = _grading(tmp_path, objects, grader, every=1)
    grader.gate.clear()
    grading.on_main(states[0], Change())
    assert grader.started.wait(30)  # the seed is being graded; the rest queues up
    for s in states[1:]:
        grading.on_main(s, Change())
    grader.gate.set()
    grading.final()
    grading.close()
    log.close()
    graded = [(e.main, e.kind, e.passed) for e in read_team_log(tmp_path).of(TeamEvaluation)]
    # States 1-4 were superseded while the seed's grading ran, the newest by the final one.
    assert graded == [(0, "periodic", 0), (4, "final", 4)]
    assert grading.runner.skipped == 4


def test_an_overwrite_is_graded_and_a_regression_bisected_to_its_push(tmp_path: Path) -> None:
    objects, states = _build(tmp_path, [
        ("seed", {"README": "r"}),
        ("a1", {"t1": "x"}),
        ("a2", {"t2": "x"}),
        ("a1", {"current_tasks/x.txt": "a1: x"}),  # a lock: cannot flip a test
        ("a2", {"t1": None}),  # the regression
        ("a1", {"t3": "x"}),
        ("a1", {"t4": "x"}),
        ("a2", {"t4": "y"}),  # overwrote a1's line
    ])
    grader = FileGrader()
    grading, log = _grading(tmp_path, objects, grader, every=3)
    for s in states[:7]:
        grading.on_main(s, Change())
        grading.runner.wait()
    grading.on_main(states[7], Change(overwritten={"a1": 1}))
    grading.final()
    grading.close()
    log.close()
    events = read_team_log(tmp_path).of(TeamEvaluation)
    kinds = {(e.main, e.kind) for e in events}
    assert {(0, "periodic"), (3, "periodic"), (6, "periodic")} <= kinds
    assert {(5, "bisect"), (4, "bisect")} <= kinds  # 3..6 halved, then 3..5
    assert (7, "pinned") in kinds and (6, "periodic") in kinds  # 6 was graded already
    graded = {e.main: {t for t, v in e.tests.items() if v == "pass"} for e in events}
    every = {e.main: set(e.tests) for e in events}
    red = [f for f in flips(graded, every, states) if f.kind == "regression"]
    assert [(f.test, f.agent, f.state) for f in red] == [("t1", "a2", 4)]
    greens = {(f.test, f.agent) for f in flips(graded, every, states) if f.kind == "green"}
    assert ("t2", None) in greens  # 0..3 has two authors: green, not attributable
