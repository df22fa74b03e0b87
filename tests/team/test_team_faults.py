"""A team under faults, on the tiny team-parts scenario (real Docker, real git in containers):
the harness killed with -9 at random moments and resumed, an agent's container killed, one
agent force-pushing and deleting main. Each ends with the upstream tree an uninterrupted run
ends with (or, for the force-push, with every pushed state still kept)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import docker
import pytest
import yaml

from agent.options import RunConfig
from agent.team.driver import TeamHooks, run_team
from agent.team.events import PushEvent, ResumeEvent, SessionEnd, TeamEnd, read_team_log
from agent.team.gitobjects import UpstreamObjects
from agent.team.info import TeamSettings, read_team_info
from agent.team.layout import sessions_of
from agent.team.metrics import compute_team_metrics
from agent.trajectory.reader import load_run
from tests.team.conftest import PARTS, SCRIPT, UR, main_tree

pytestmark = pytest.mark.docker


def _cfg(tmp_path: Path, team_id: str, script: Path = SCRIPT) -> RunConfig:
    return RunConfig(scenario=str(PARTS), model=f"script:{script}", logs=tmp_path,
                     run_id=team_id)


def _settings(agents: int = 3) -> TeamSettings:
    return TeamSettings(agents=agents, grade_every_pushes=1000)


def test_an_uninterrupted_team_ends_with_every_part(tmp_path: Path, parts_tree: str) -> None:
    result = run_team(_cfg(tmp_path, "clean"), _settings(), TeamHooks(handle_signals=False))
    info = result.info
    assert (info.status, info.end_reason) == ("finished", "finished")
    assert info.grade is not None and (info.grade["passed"], info.grade["total"]) == (18, 18)
    assert main_tree(result.team_dir) == parts_tree
    assert all(r and "nothing left" in r for r in result.members.values()), result.members
    m = compute_team_metrics(result.team_dir)
    assert m.pushes == 15 and [a.locks_claimed for a in m.agents] == [1, 1, 1]
    assert m.duplicate_edits == [] and m.overwrites == [] and m.regressions == []


# Seconds each turn of the soak's script waits as its simulated model: an uninterrupted run takes
# ~40 s, so that ten kills 2-8 s apart (each resume spending some of that on its start) all land
# before the team's end, with its pushes spread over the first half of them.
SOAK_TURN_S = 2.5


def _soak_script(tmp_path: Path) -> Path:
    turns = yaml.safe_load(SCRIPT.read_text())
    for turn in turns:
        turn["delay_s"] = SOAK_TURN_S
    script = tmp_path / "soak.yaml"
    script.write_text(yaml.safe_dump(turns))
    return script


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_kill9_at_random_moments_then_resume(tmp_path: Path, parts_tree: str) -> None:
    """Ten kill -9s of the harness while the team works, each followed by `resume`: the
    upstream ends as an uninterrupted run's, and the team log stays one contiguous record."""
    rng = random.Random(24)
    team = tmp_path / "soak"
    script = _soak_script(tmp_path)
    start = [*UR, "run", str(PARTS), "--agents", "3", "--model", f"script:{script}",
             "--logs", str(tmp_path), "--run-id", "soak", "--grade-every-pushes", "4", "--quiet"]
    args, kills = start, 0
    while kills < 10:
        output = tmp_path / f"harness-{kills}.out"
        with output.open("wb") as out:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        time.sleep(rng.uniform(2.0, 8.0))
        if proc.poll() is not None:
            # The team got to its end first: no kill this time. A harness that ended by itself
            # ended the team, and ended well.
            said = output.read_text(errors="replace")
            assert proc.returncode == 0, f"{args[3]} after {kills} kills: {proc.returncode} {said}"
            assert read_team_info(team).status == "finished", said
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        # A kill before the team wrote its team.json (a slow start under load) leaves no team
        # to resume: it is run again.
        args = [*UR, "resume", str(team), "--quiet"] if (team / "team.json").exists() else start
    assert kills == 10, f"only {kills} kills landed before the team ended"
    done = subprocess.run([*UR, "resume", str(team), "--quiet"], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    info = read_team_info(team)
    assert (info.status, info.end_reason) == ("finished", "finished")
    assert main_tree(team) == parts_tree
    log = read_team_log(team)
    assert not log.warnings
    assert [e.seq for e in log.events] == list(range(len(log.events)))
    # A kill while the resumed harness was still starting (images, the upstream's container)
    # leaves no resume event of its own.
    assert 1 <= len(log.of(ResumeEvent)) <= kills and len(log.of(TeamEnd)) == 1
    # Every push the upstream logged is in the team log once, in order.
    records = (team / "upstream" / "pushes.jsonl").read_text().splitlines()
    updates = sum(len(json.loads(r)["updates"]) for r in records)
    assert [p.push for p in log.of(PushEvent)] == list(range(1, updates + 1))


def test_a_killed_agent_container_is_replaced(tmp_path: Path, parts_tree: str,
                                              docker_client: docker.DockerClient) -> None:
    """`docker kill` of one agent's container mid-run: that agent's session replaces it
    (restoring its clone, history included) and goes on; the others never notice."""
    killed: list[str] = []
    run_dir = tmp_path / "kill" / "agents" / "a1" / "s001"

    def killer() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            events = run_dir / "events.jsonl"
            if events.exists() and events.read_text().count('"type":"snapshot"') >= 3:
                for c in docker_client.containers.list(
                        filters={"label": "ultrarun.run-id=kill-a1-s001"}):
                    c.kill()
                    killed.append(c.id)
                return
            time.sleep(0.1)

    thread = threading.Thread(target=killer)
    thread.start()
    result = run_team(_cfg(tmp_path, "kill"), _settings(), TeamHooks(handle_signals=False))
    thread.join()
    assert killed, "a1's container was never found to kill"
    assert result.info.status == "finished"
    assert main_tree(result.team_dir) == parts_tree
    restarts = {a: [e for s in sorted((result.team_dir / "agents" / a).iterdir())
                    for e in load_run(s).events if e.type == "sandbox_restart"]
                for a in ("a1", "a2", "a3")}
    assert len(restarts["a1"]) == 1 and not restarts["a2"] and not restarts["a3"], restarts


def test_a_force_push_and_a_deleted_main_lose_no_history(tmp_path: Path) -> None:
    """a2 force-pushes main back to the seed, then deletes main; a1 pushes on. Every state
    either of them pushed is still in the upstream (kept under hidden refs) and readable."""
    turns = yaml.safe_load(SCRIPT.read_text())
    # Each push is tried again until it lands: receive-pack refuses an update ("failed to
    # update ref") when main moved between its advertisement and the update, and a1 may push
    # in that window.
    again = "for i in $(seq 30); do out=$(git push {} 2>&1) && break; sleep 0.2; done; " \
            "echo \"$out\" | tail -n 2; "
    vandal = ("me=$(git config user.name); if [ $me = a2 ] && [ ! -e .vandal ]; then "
              "touch .vandal; seed=$(git rev-list --max-parents=0 HEAD); "
              + again.format("-f origin $seed:main") + again.format("origin :main") + "fi")
    turns.insert(-1, {"tool_calls": [{"name": "bash", "arguments": {"command": vandal}}]})
    script = tmp_path / "vandal.yaml"
    script.write_text(yaml.safe_dump(turns))
    result = run_team(_cfg(tmp_path, "force", script), _settings(2),
                      TeamHooks(handle_signals=False))
    team = result.team_dir
    pushes = read_team_log(team).of(PushEvent)
    forced = [p for p in pushes if p.forced]
    deleted = [p for p in pushes if p.deleted]
    # What a2's vandal turn printed, in each session of a2's (for a failure's message).
    said = [(s.name, x.result.output if x.result else None)
            for s in sessions_of(team / "agents" / "a2") for x in load_run(s).tool_calls()
            if x.call and ".vandal" in str(x.call.arguments)]
    assert [p.agent for p in forced] == ["a2"], (pushes, said)
    assert [p.agent for p in deleted] == ["a2"], (pushes, said)
    objects = UpstreamObjects(team / "upstream" / "team.git")
    for p in pushes:
        if not p.deleted:
            assert objects.ref(f"refs/ultrarun/seen/{p.new}") == p.new
            objects.files(objects.commit(p.new).tree)  # readable, whole
    m = compute_team_metrics(team)
    assert (m.forced_pushes, m.main_deleted) == (1, 1)
    # The agents' own clones never saw the kept states: they are hidden from fetches.
    clone = next((team / "agents" / "a1").glob("s*/workspace"))
    refs = subprocess.run(["git", "-C", str(clone), "-c", "safe.directory=*", "for-each-ref"],
                          capture_output=True, text=True).stdout
    assert "ultrarun" not in refs


def test_the_teams_step_budget_stops_every_agent(tmp_path: Path) -> None:
    """--max-steps is the team's: every session checks it before each turn and stops."""
    cfg = _cfg(tmp_path, "budget").model_copy(update={"max_steps": 8})
    result = run_team(cfg, _settings(), TeamHooks(handle_signals=False))
    info = result.info
    assert (info.status, info.end_reason) == ("finished", "max_steps")
    # Each agent checks before its turn: at most one turn each past the budget.
    assert 8 <= info.totals.steps <= 8 + 2, info.totals
    ends = read_team_log(result.team_dir).of(SessionEnd)
    assert {e.end_reason for e in ends} <= {"max_steps", "finished"}
