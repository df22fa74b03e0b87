"""The built-in bugfix-ledger (short) and calc-interpreter (medium) scenarios: they load, their
hidden graders separate the reference from the seed, the scripted reference policies solve
them end to end in Docker, and the agent's container never sees the grader files."""

from __future__ import annotations

import importlib.util
import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from agent.runner import RunConfig, execute_run
from agent.scenario.loader import Scenario, load_scenario
from agent.scenario.policy import PolicyModel
from ultrarun.policy import write_stage

CALLS = {"bugfix-ledger": (15, 25), "calc-interpreter": (80, 120)}


def _grade_on_host(scenario: Scenario, workspace: Path) -> dict:
    """Run the grader as the runner's LocalGrader would: it finds its files next to itself."""
    assert scenario.grader_tree is not None and not scenario.grader_tree.layers
    grader = scenario.grader_tree.base / "grade.py"
    r = subprocess.run([sys.executable, str(grader), str(workspace)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert set(result) == {"tests", "stages"}
    assert sum(total for _, total in result["stages"].values()) == len(result["tests"])
    return result


def _passed(result: dict) -> tuple[int, int]:
    return (sum(v == "pass" for v in result["tests"].values()), len(result["tests"]))


def _policy_module(scenario: Scenario) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_t_{scenario.name}",
                                                  scenario.root / "reference_policy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["bugfix-ledger", "calc-interpreter"])
def test_scenario_loads_and_policy_builds(name: str) -> None:
    s = load_scenario(name)
    assert s.name == name and s.builtin and s.grader and s.grader.files
    assert s.image.name == "ultrarun/base:bookworm"
    assert s.budgets.max_steps and s.budgets.max_steps >= CALLS[name][1] * 2
    assert "finish" in s.prompt_text and "finish" in s.tools
    # The policy checks at construction that its staged reference renders as it expects.
    assert isinstance(_policy_module(s).make_policy(s), PolicyModel)


def test_bugfix_grader_reference_full_seed_low(tmp_path: Path) -> None:
    s = load_scenario("bugfix-ledger")
    assert s.workspace_tree is not None
    seed = s.workspace_tree.assemble(tmp_path / "seed")
    before = _grade_on_host(s, seed)
    assert before["stages"]["visible-bugs"][0] == 0
    assert before["stages"]["hidden-bugs"][0] <= 1
    assert before["stages"]["regressions"][0] == before["stages"]["regressions"][1]
    assert 15 <= len(before["tests"]) <= 30
    fixed = s.workspace_tree.assemble(tmp_path / "fixed")
    shutil.copytree(s.root / "reference", fixed, dirs_exist_ok=True)
    after = _grade_on_host(s, fixed)
    assert _passed(after) == (len(after["tests"]), len(after["tests"]))
    # A solution that breaks the package on import costs tests, never the grader.
    (fixed / "ledger" / "core.py").write_text("raise SystemExit(3)\n")
    broken = _grade_on_host(s, fixed)
    assert _passed(broken)[0] == 0 and set(broken["tests"].values()) == {"error"}


def test_calc_grader_reference_full_seed_zero(tmp_path: Path) -> None:
    s = load_scenario("calc-interpreter")
    assert s.workspace_tree is not None
    ws = s.workspace_tree.assemble(tmp_path / "ws")
    seed = _grade_on_host(s, ws)
    assert _passed(seed)[0] == 0 and 60 <= len(seed["tests"]) <= 120
    assert len(seed["stages"]) == 6
    write_stage(s.root / "reference" / "staged", ws)  # the reference: the last stage
    done = _grade_on_host(s, ws)
    assert _passed(done) == (len(done["tests"]), len(done["tests"]))
    # The visible tests pass with the reference, through the workspace's own runner.
    r = subprocess.run([sys.executable, "run_tests.py"], cwd=ws, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and "passed 24/24" in r.stdout, r.stdout


def test_calc_stage_renders_and_visible_tests_match_hidden() -> None:
    s = load_scenario("calc-interpreter")
    module = _policy_module(s)
    staged = (s.root / "reference" / "staged" / "interp").read_text()
    versions = [module.render(staged, k) for k in range(1, 7)]
    assert versions[-1] == module.render(staged)  # stage 6 is the final version
    assert all(len(a) < len(b) for a, b in itertools.pairwise(versions))
    for visible in (s.root / "workspace" / "tests").glob("*/*"):  # visible is a hidden subset
        hidden = s.root / "grader" / "tests" / visible.parent.name / visible.name
        assert hidden.read_text() == visible.read_text(), visible


@pytest.mark.docker
def test_agent_container_cannot_see_grader(tmp_path: Path, base_image: str) -> None:
    from sandboxes import open_sandbox

    (tmp_path / "ws").mkdir()
    with open_sandbox("docker", workspace=tmp_path / "ws", image=base_image) as sb:
        assert sb.exec("ls /grader").exit_code != 0
        found = sb.exec("find / -name hidden_tests.py -o -name grade.py 2>/dev/null | head")
        assert found.output.strip() == ""


@pytest.mark.docker
@pytest.mark.parametrize("name", ["bugfix-ledger", "calc-interpreter"])
def test_reference_run_end_to_end(name: str, tmp_path: Path, base_image: str) -> None:
    res = execute_run(RunConfig(scenario=name, model="reference", logs=tmp_path))
    info = res.info
    assert (info.status, info.end_reason) == ("finished", "finished"), info.error
    lo, hi = CALLS[name]
    assert lo <= info.totals.tool_calls <= hi
    assert info.grade is not None
    assert info.grade["passed"] == info.grade["total"] > 0, info.grade
    # The policy committed its work in the workspace as it went.
    git = ["git", "-c", "safe.directory=*", "-C", str(res.run_dir / "workspace")]
    log = subprocess.run([*git, "log", "--oneline"], capture_output=True, text=True)
    assert len(log.stdout.splitlines()) >= 3, log.stderr
