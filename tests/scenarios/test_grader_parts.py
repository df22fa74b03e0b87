"""`grader.parts`: cheap parts of a suite graded often, expensive ones every k-th evaluation,
with the results of the parts left out carried over (so curves and regressions stay whole)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agent.evaluation import SKIP_ENV, EvaluationRunner, GradeResult, PartSchedule
from agent.scenario.grader import ScenarioGrader
from agent.scenario.loader import ScenarioError, load_scenario
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import RunInfo
from agent.trajectory.snapshots import Snapshotter
from sandboxes.local_sandbox import LocalGraderBox


class PartGrader:
    """Grades a two-part suite; part `b` fails its test until ``b_fixed``; records skips."""

    def __init__(self) -> None:
        self.skips: list[list[str]] = []
        self.b_fixed = False
        self.fail_next = False

    def grade(self, workspace: Path, skip: list[str] | tuple[str, ...] = ()) -> GradeResult:
        self.skips.append(list(skip))
        if self.fail_next:
            self.fail_next = False
            return GradeResult(error="grader crashed")
        tests, stages = {}, {}
        if "a" not in skip:
            tests["a/s1/x"] = "pass"
            stages["a/s1"] = [1, 1]
        if "b" not in skip:
            tests["b/s1/y"] = "pass" if self.b_fixed else "fail"
            stages["b/s1"] = [int(self.b_fixed), 1]
        return GradeResult(tests=tests, stages=stages)


@pytest.fixture()
def runner(tmp_path: Path) -> tuple[EvaluationRunner, PartGrader, Snapshotter, Path]:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "f.txt").write_text("x")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    snaps = Snapshotter(run_dir / "snapshots.git", ws)
    rec = Recorder(run_dir, RunInfo(run_id="r", scenario="s", model="m"))
    grader = PartGrader()
    ev = EvaluationRunner(grader, snaps, rec, schedule=PartSchedule({"b": 3}, every=10))
    return ev, grader, snaps, run_dir


def _events(run_dir: Path) -> list[dict]:
    lines = (run_dir / "events.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["type"] == "evaluation"]


def test_expensive_part_every_third_evaluation_results_carried(runner) -> None:
    ev, grader, snaps, run_dir = runner
    commit = snaps.snapshot("s") or snaps.head()
    assert commit
    for calls in (10, 20, 30):
        ev.submit(commit, calls // 10, calls)
        ev.wait()
    grader.b_fixed = True
    for calls in (40, 50):
        ev.submit(commit, calls // 10, calls)
        ev.wait()
    ev.submit(commit, 6, 55, final=True)
    ev.wait()
    ev.close()
    # First full; b due again 30 calls after its last grading (k=3, every=10); final full.
    assert grader.skips == [[], ["b"], ["b"], [], ["b"], []]
    events = _events(run_dir)
    assert [e.get("carried", []) for e in events] == [[], ["b"], ["b"], [], ["b"], []]
    # Every evaluation covers the whole suite: carried results fill in what was skipped.
    assert all(e["total"] == 2 and set(e["stages"]) == {"a/s1", "b/s1"} for e in events)
    assert [e["passed"] for e in events] == [1, 1, 1, 2, 2, 2]
    assert events[2]["tests"]["b/s1/y"] == "fail"  # carried from the first grading


def test_after_a_failed_grading_everything_is_graded(runner) -> None:
    ev, grader, snaps, _ = runner
    commit = snaps.snapshot("s") or snaps.head()
    assert commit
    ev.submit(commit, 1, 10)
    ev.wait()
    grader.fail_next = True
    ev.submit(commit, 2, 20)
    ev.wait()
    ev.submit(commit, 3, 30)
    ev.wait()
    ev.close()
    assert grader.skips == [[], ["b"], []]  # nothing sound to carry after the failure


def test_schedule_without_cadence_grades_everything() -> None:
    s = PartSchedule({"b": 5}, every=None)
    s.graded(10, [])
    assert s.skip(12, final=False, have_base=True) == []


def test_local_grader_passes_skip_in_environment(tmp_path: Path) -> None:
    scn = tmp_path / "scn"
    (scn / "grader").mkdir(parents=True)
    (scn / "prompt.md").write_text("x")
    (scn / "grader" / "g.sh").write_text(
        "printf '{\"tests\": {\"got/%s\": \"pass\"}}\\n' \"${" + SKIP_ENV + ":-none}\"\n")
    (scn / "scenario.yaml").write_text(yaml.safe_dump({
        "name": "parts", "prompt": "prompt.md",
        "grader": {"command": "bash /grader/g.sh", "files": "grader/",
                   "parts": {"t1": 1, "t5": 4}}}))
    s = load_scenario(str(scn))
    assert s.grader is not None and s.grader.parts == {"t1": 1, "t5": 4}
    ws = tmp_path / "ws"
    ws.mkdir()
    spec = s.sandbox_spec().grading
    assert spec is not None
    grader = ScenarioGrader(LocalGraderBox(spec))
    assert list(grader.grade(ws).tests) == ["got/none"]
    assert list(grader.grade(ws, ["t3", "t5"]).tests) == ["got/t3,t5"]


@pytest.mark.parametrize("parts", [{"t1": 0}, {"a b": 2}, {"t1": "often"}])
def test_bad_parts_name_the_field(tmp_path: Path, parts: dict) -> None:
    scn = tmp_path / "scn"
    (scn / "grader").mkdir(parents=True)
    (scn / "prompt.md").write_text("x")
    (scn / "scenario.yaml").write_text(yaml.safe_dump({
        "name": "parts", "prompt": "prompt.md",
        "grader": {"command": "true", "files": "grader/", "parts": parts}}))
    with pytest.raises(ScenarioError, match=r"grader\.parts"):
        load_scenario(str(scn))
