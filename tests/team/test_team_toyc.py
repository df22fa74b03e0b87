"""The scripted 3-agent team on toy-c-compiler: one run, shared by every assertion.

The team policy (scenarios/toy-c-compiler/team_policy.py) shares the reference policy's 18
stages out through locks and plants two conflicts, so every team metric has a known value:
the upstream ends at the reference's 380/380; the owner of stage 6 loses a lock race for
stage 5 (a rejected push, an add/add merge conflict, nothing pushed); the owner of stage 14
edits store() concurrently with stage 13's fix, pushes its merge keeping its own line (a
rejected push, a content conflict, one merge on main, one function edited on both sides, one
line of the stage-13 owner overwritten, a regression of the char tests), and its own stage
14 rewrites codegen.py back, turning them green again.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from types import ModuleType

import pytest

from agent.options import RunConfig
from agent.scenario.loader import load_scenario
from agent.team.driver import TeamHooks, TeamResult, run_team
from agent.team.events import LockEvent, TeamEvaluation, read_team_log
from agent.team.info import TeamSettings
from agent.team.metrics import TeamMetrics, compute_team_metrics
from tests.team.conftest import UR

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _policy() -> ModuleType:
    path = load_scenario("toy-c-compiler").root / "team_policy.py"
    spec = importlib.util.spec_from_file_location("_toyc_team_policy_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


POLICY = _policy()
N = 3


def owner(stage: int) -> str:
    return f"a{POLICY.owner(stage, N)}"


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> tuple[TeamResult, TeamMetrics]:
    # Only the gradings the plants call for (pinned around the overwrite) and the final one:
    # periodic ones would only slow the test down on a 2-core machine.
    logs = tmp_path_factory.mktemp("toyc-team")
    result = run_team(RunConfig(scenario="toy-c-compiler", model="reference", logs=logs,
                                run_id="team"),
                      TeamSettings(agents=N, grade_every_pushes=1000, grade_every_minutes=600),
                      TeamHooks(handle_signals=False))
    return result, compute_team_metrics(result.team_dir)


@pytest.mark.timeout(3600)
def test_the_team_reaches_the_references_grade(team: tuple[TeamResult, TeamMetrics]) -> None:
    result, m = team
    info = result.info
    assert (info.status, info.end_reason) == ("finished", "finished"), info.error
    assert info.grade is not None and (info.grade["passed"], info.grade["total"]) == (380, 380)
    assert all(r and "nothing left" in r for r in result.members.values()), result.members
    assert [a.sessions for a in m.agents] == [2, 2, 2]


@pytest.mark.timeout(3600)
def test_the_planted_values(team: tuple[TeamResult, TeamMetrics]) -> None:
    result, m = team
    stages = 18
    race, clash = owner(POLICY.LOCK_RACE + 1), owner(POLICY.CLASH + 1)
    victim = owner(POLICY.CLASH)
    # Every stage claimed and released once; two pushes per stage, plus the clash's merge.
    log = read_team_log(result.team_dir)
    locks = log.of(LockEvent)
    assert sum(lk.type == "lock_claimed" for lk in locks) == stages
    assert sum(lk.type == "lock_released" for lk in locks) == stages
    assert m.pushes == 2 * stages + 1 and m.main_states == 2 * stages + 2
    assert {a.agent: a.locks_claimed for a in m.agents} == {f"a{i}": 6 for i in range(1, 4)}
    # Lock race and clash: one rejected push and one merge conflict each, nowhere else.
    expect = {a.agent: int(a.agent == race) + int(a.agent == clash) for a in m.agents}
    assert {a.agent: a.push_conflicts for a in m.agents} == expect
    assert {a.agent: a.merge_conflicts for a in m.agents} == expect
    assert (m.push_conflicts, m.merge_conflicts, m.merges) == (2, 2, 1)
    assert m.duplicate_locks == []
    assert [(d["agent"], d["function"], d["with"]) for d in m.duplicate_edits] == [
        (clash, "toyc/codegen.py::store", [victim])]
    assert [(o["by"], o["of"], o["lines"]) for o in m.overwrites] == [(clash, victim, 1)]
    assert len(m.regressions) == 1
    reg = m.regressions[0]
    assert reg["agent"] == clash and reg["tests"]
    assert all(t.startswith(("0", "1")) for t in reg["tests"])
    assert any(t.startswith("13-chars-strings/") for t in reg["tests"])
    # Graded exactly around the overwrite (pinned), and every regressed test is green at the end.
    gradings = log.of(TeamEvaluation)
    pinned = sorted(g.main for g in gradings if g.kind == "pinned")
    assert pinned == [reg["main"] - 1, reg["main"]]
    final = next(g for g in gradings if g.final)
    assert all(final.tests[t] == "pass" for t in reg["tests"])
    assert {a.agent: a.regressions for a in m.agents} == {
        a.agent: int(a.agent == clash) for a in m.agents}
    assert {a.agent: a.overwritten for a in m.agents} == {
        a.agent: int(a.agent == victim) for a in m.agents}
    assert all(a.surviving_lines > 0 and a.lines_added > 0 for a in m.agents)
    assert m.tokens_in == m.tokens_out == 0 and m.cost == 0.0  # a scripted policy


@pytest.mark.timeout(3600)
def test_report_and_compare_read_the_team(team: tuple[TeamResult, TeamMetrics]) -> None:
    result, m = team
    out = subprocess.run([*UR, "report", str(result.team_dir), "--json"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["push_conflicts"], data["merge_conflicts"]) == (2, 2)
    assert [a["surviving_lines"] for a in data["agents"]] == [a.surviving_lines
                                                              for a in m.agents]
    page = (result.team_dir / "report.html").read_text()
    assert "Regressions" in page and "toyc/codegen.py::store" in page
    cmp = subprocess.run([*UR, "compare", str(result.team_dir), "--json"],
                         capture_output=True, text=True, timeout=300)
    assert cmp.returncode == 0, cmp.stderr
    team_run = json.loads(cmp.stdout)["runs"][0]
    assert team_run["metrics"]["run"]["tool_calls"] == m.tool_calls
