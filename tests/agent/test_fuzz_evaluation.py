"""The fuzz measure in the evaluation runner: a fresh seed per evaluation (recorded, passed to
the grader, never the same twice), `--fuzz-seed` for repeatable runs, the result in the event
and not in the score, and the reduction of miscompiles after the evaluation, as its own event.
The grader is a real script run by the local grader box (its environment is the contract)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.evaluation import EvaluationRunner
from agent.fuzzing import (
    EXPECTED_ENV,
    FUZZ_ENV,
    ORACLE_CAP,
    ORACLE_ENV,
    REDUCE_ENV,
    evaluation_seed,
)
from agent.scenario.grader import ScenarioGrader
from agent.scenario.loader import FuzzSpec, ScenarioError, load_scenario
from agent.sealing import SealGate
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import RunInfo
from agent.trajectory.snapshots import Snapshotter
from sandboxes.local_sandbox import LocalGraderBox

# A grader that fuzzes nothing but says what it was asked: program 1 of every evaluation is
# a miscompile, and a reduction returns it "reduced". Asked for gcc's part alone, it prints a
# table naming the seed. Each run appends to LOG what it was asked, what its workspace held and
# whether the agent's sandbox was frozen then (FROZEN exists); with TABLE holding "none" it
# makes no table (a grader that knows nothing of it grades its suite), with "huge" one past the
# cap.
GRADER = f'''import json, os, pathlib
fuzz, red = os.environ.get("{FUZZ_ENV}"), os.environ.get("{REDUCE_ENV}")
oracle, table = os.environ.get("{ORACLE_ENV}") == "1", os.environ.get("{EXPECTED_ENV}")
kind = pathlib.Path("TABLE").read_text() if pathlib.Path("TABLE").exists() else ""
out = {{"tests": {{"s/a": "pass", "s/b": "fail"}}, "stages": {{"s": [1, 2]}}}}
if fuzz:
    n, seed = (int(x) for x in fuzz.split(":"))
    out["fuzz"] = {{"seed": seed, "programs": n, "tried": n, "agreed": n - 1,
                   "miscompiled": 1, "by_feature": {{"mod": [n, n - 1]}},
                   "failures": [{{"index": 1, "seed": seed + 1, "tier": "toy",
                                  "outcome": "miscompiled", "features": ["mod"]}}]}}
if oracle and kind != "none":
    out = {{"tests": {{}}, "stages": {{}},
           "oracle": "x" * {ORACLE_CAP + 1} if kind == "huge" else f"gcc says {{seed}}"}}
if red:
    ask = json.loads(red)
    out = {{"tests": {{}}, "stages": {{}}, "reduced": [
        {{"index": c["index"], "seed": c["seed"], "status": "reduced", "reduced": "x % -2",
          "seconds": ask["seconds"]}} for c in ask["cases"]]}}
with open("LOG", "a") as log:
    log.write(json.dumps({{"fuzz": bool(fuzz), "oracle": oracle, "table": table,
                          "reduce": bool(red), "files": sorted(os.listdir(".")),
                          "frozen": pathlib.Path("FROZEN").exists()}}) + "\\n")
print(json.dumps(out))
'''


class FlagFreezer:
    """A ``Freezer`` that marks the freeze with a file the grader can see."""

    def __init__(self, flag: Path) -> None:
        self.flag = flag

    def freeze(self) -> None:
        self.flag.touch()

    def thaw(self) -> None:
        self.flag.unlink()


def scenario(tmp_path: Path, fuzz: dict[str, Any] | None) -> Any:
    scn = tmp_path / "scn"
    (scn / "grader").mkdir(parents=True)
    (scn / "prompt.md").write_text("x")
    state = tmp_path.resolve()
    (scn / "grader" / "g.py").write_text(GRADER.replace('"LOG"', repr(str(state / "LOG")))
                                         .replace('"FROZEN"', repr(str(state / "FROZEN")))
                                         .replace('"TABLE"', repr(str(state / "TABLE"))))
    grader: dict[str, Any] = {"command": "python3 /grader/g.py", "files": "grader/"}
    if fuzz is not None:
        grader["fuzz"] = fuzz
    (scn / "scenario.yaml").write_text(yaml.safe_dump({"name": "fz", "prompt": "prompt.md",
                                                       "grader": grader}))
    return load_scenario(str(scn))


def evaluate(tmp_path: Path, name: str, fuzz: FuzzSpec | None, calls: list[int],
             fuzz_seed: int | None = None, gate: SealGate | None = None) -> list[dict[str, Any]]:
    s = scenario(tmp_path / name, fuzz.model_dump() if fuzz else None)
    ws = tmp_path / name / "ws"
    ws.mkdir()
    (ws / "f.txt").write_text("x")
    run_dir = tmp_path / name / "run"
    run_dir.mkdir()
    snaps = Snapshotter(run_dir / "snapshots.git", ws)
    rec = Recorder(run_dir, RunInfo(run_id=name, scenario="fz", model="m"))
    ev = EvaluationRunner(ScenarioGrader(LocalGraderBox(s.sandbox_spec().grading)), snaps, rec,
                          fuzz=fuzz, fuzz_seed=fuzz_seed, gate=gate)
    commit = snaps.snapshot("s") or snaps.head()
    for k, n in enumerate(calls):
        ev.submit(commit, k + 1, n, final=k == len(calls) - 1)
        ev.wait()
    ev.close()
    rec.close()
    snaps.close()
    return [json.loads(x) for x in (run_dir / "events.jsonl").read_text().splitlines()]


def test_every_evaluation_draws_fresh_programs(tmp_path: Path) -> None:
    spec = FuzzSpec(programs=6, reduce=0)
    events = [e for e in evaluate(tmp_path, "a", spec, [10, 20, 30]) if e["type"] == "evaluation"]
    seeds = [e["fuzz"]["seed"] for e in events]
    assert len(set(seeds)) == 3 and all(e["fuzz"]["programs"] == 6 for e in events)
    # the score is the suite's: the fuzz measure is a series of its own
    assert [(e["passed"], e["total"]) for e in events] == [(1, 2)] * 3
    again = [e["fuzz"]["seed"] for e in evaluate(tmp_path, "b", spec, [10, 20, 30])
             if e["type"] == "evaluation"]
    assert not set(again) & set(seeds)


def test_a_fuzz_seed_makes_a_run_repeatable(tmp_path: Path) -> None:
    spec = FuzzSpec(programs=4, reduce=0)
    runs = [[e["fuzz"]["seed"] for e in evaluate(tmp_path, name, spec, [10, 20], fuzz_seed=9)
             if e["type"] == "evaluation"] for name in ("a", "b")]
    assert runs[0] == runs[1] == [evaluation_seed(9, 10, False), evaluation_seed(9, 20, True)]
    assert len(set(runs[0])) == 2


def test_miscompiles_are_reduced_after_the_evaluation(tmp_path: Path) -> None:
    events = evaluate(tmp_path, "a", FuzzSpec(programs=5, reduce=1, reduce_seconds=7), [10, 20])
    kinds = [e["type"] for e in events if e["type"] in ("evaluation", "reduction")]
    assert kinds == ["evaluation", "reduction", "evaluation", "reduction"]
    for ev, red in zip(*[iter([e for e in events if e["type"] in kinds])] * 2, strict=True):
        assert red["step"] == ev["step"] and red["commit"] == ev["commit"]
        assert red["seed"] == ev["fuzz"]["seed"]
        assert red["programs"] == [{**red["programs"][0], "index": 1,
                                    "seed": ev["fuzz"]["seed"] + 1, "reduced": "x % -2",
                                    "seconds": 7.0, "status": "reduced"}]


def graded(tmp_path: Path, name: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (tmp_path / name / "LOG").read_text().splitlines()]


def test_gccs_part_is_made_before_the_seal(tmp_path: Path) -> None:
    """gcc's part on an empty workspace with the agent working; the suite and the candidate's
    part of the fuzz measure sealed, with gcc's table; the reduction after, thawed."""
    gate = SealGate(lambda: FlagFreezer(tmp_path / "a" / "FROZEN"), base=0.01)
    events = evaluate(tmp_path, "a", FuzzSpec(programs=3, reduce=1), [10], gate=gate)
    (ev,) = [e for e in events if e["type"] == "evaluation"]
    seed = ev["fuzz"]["seed"]
    assert graded(tmp_path, "a") == [
        {"fuzz": True, "oracle": True, "table": None, "reduce": False, "files": [],
         "frozen": False},
        {"fuzz": True, "oracle": False, "table": f"gcc says {seed}", "reduce": False,
         "files": ["f.txt"], "frozen": True},
        {"fuzz": False, "oracle": False, "table": None, "reduce": True, "files": ["f.txt"],
         "frozen": False}]
    assert (ev["passed"], ev["total"], ev.get("error")) == (1, 2, None)
    assert ev["frozen_s"] is not None and ev["fuzz"]["agreed"] == 2
    assert ev["fuzz"]["oracle_s"] > 0


@pytest.mark.parametrize("kind", ["none", "huge"])
def test_without_a_table_gcc_runs_in_the_sealed_grading(tmp_path: Path, kind: str) -> None:
    """A grader that makes no table (one that knows nothing of it grades its suite on the
    empty workspace), or a table too large for the environment: nothing is handed on."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "TABLE").write_text(kind)
    events = evaluate(tmp_path, "a", FuzzSpec(programs=3, reduce=0), [10])
    (ev,) = [e for e in events if e["type"] == "evaluation"]
    assert [(g["oracle"], g["table"]) for g in graded(tmp_path, "a")] == [(True, None),
                                                                          (False, None)]
    assert (ev["passed"], ev["total"], ev.get("error")) == (1, 2, None)
    assert ev["fuzz"]["tried"] == 3 and ev["fuzz"].get("oracle_s") is None


def test_no_fuzz_spec_asks_nothing(tmp_path: Path) -> None:
    events = [e for e in evaluate(tmp_path, "a", None, [10]) if e["type"] == "evaluation"]
    assert events[0].get("fuzz") is None and events[0]["passed"] == 1


@pytest.mark.parametrize("fuzz, field", [({"programs": 0}, "programs"),
                                         ({"programs": 5, "reduce": -1}, "reduce"),
                                         ({"programs": 5, "seconds": 3}, "seconds")])
def test_a_bad_fuzz_spec_names_its_field(tmp_path: Path, fuzz: dict[str, Any],
                                         field: str) -> None:
    with pytest.raises(ScenarioError, match=rf"grader\.fuzz\.{field}"):
        scenario(tmp_path, fuzz)
