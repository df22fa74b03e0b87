"""Every evaluation a run asks for happens (issue 20, finding 6), whatever the grader's speed.

A scripted run of the `regress` scenario (`every: 2`) breaks `state` at steps 23-29: the
evaluations at tool calls 24, 26 and 28 must show it, with the grader at full speed and with
a grader that sleeps, and the two curves must be the same. Coalescing stays as an option:
with it and an unsealed slow grader, queued evaluations are dropped and `report` counts them.
Resume after a kill grades what was asked for and never recorded.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.analysis.metrics import compute_metrics
from agent.runner import RunConfig, execute_run
from agent.trajectory import load_run
from agent.trajectory.events import EvaluationEvent, SnapshotEvent, ToolResultEvent

pytestmark = pytest.mark.docker

ROOT = Path(__file__).parents[2]
REGRESS = ROOT / "tests" / "data" / "scenarios" / "regress"
STEPS = 33
BROKEN = range(23, 30)  # `state` holds "broken" after these steps


def scenario(tmp: Path, sleep_s: float = 0.0) -> Path:
    dest = tmp / "regress"
    shutil.copytree(REGRESS, dest)
    if sleep_s:
        (dest / "grader" / "sleep").write_text(str(sleep_s))
    return dest


def script(tmp: Path) -> str:
    turns: list[dict[str, Any]] = []
    for i in range(1, STEPS + 1):
        cmd = f"echo {i} >> log.txt"
        if i == 1 or i == BROKEN.stop:
            cmd += " && echo ok > state"
        if i == BROKEN.start:
            cmd += " && echo broken > state"
        turns.append({"tool_calls": [{"name": "bash", "arguments": {"command": cmd}}]})
    turns.append({"tool_calls": [{"name": "finish", "arguments": {"summary": "done"}}]})
    path = tmp / "script.yaml"
    path.write_text(yaml.safe_dump(turns))
    return f"script:{path}"


def run(tmp: Path, name: str, sleep_s: float = 0.0, **options: Any) -> Path:
    cfg = RunConfig(scenario=str(scenario(tmp / name, sleep_s)), model=script(tmp),
                    logs=tmp / "logs", run_id=name, **options)
    return execute_run(cfg).run_dir


def curve(run_dir: Path) -> dict[int, tuple[int, str]]:
    """Tool calls -> (passed, state's verdict) of every non-final evaluation (none failed)."""
    evals = load_run(run_dir).events_of(EvaluationEvent)
    assert [e.error for e in evals if e.error] == []
    return {e.tool_calls: (e.passed, e.tests["state"]) for e in evals if not e.final}


def test_every_requested_evaluation_is_graded_at_any_grader_speed(tmp_path: Path) -> None:
    fast = run(tmp_path, "fast")
    slow = run(tmp_path, "slow", sleep_s=1.0)
    for run_dir in (fast, slow):
        loaded = load_run(run_dir)
        asked = [e.tool_calls for e in loaded.events_of(SnapshotEvent) if e.evaluate]
        assert asked == list(range(2, STEPS + 2, 2))  # 34: the step of `finish`
        graded = curve(run_dir)
        assert sorted(graded) == asked, "an evaluation asked for was not graded"
        # The planted regression shows, and only where it was.
        assert [n for n, (_p, state) in graded.items() if state == "fail"] == [24, 26, 28]
        metrics = compute_metrics(loaded)
        assert (metrics.evaluations_requested, metrics.evaluations_skipped) == (17, 0)
        assert loaded.info is not None and loaded.info.status == "finished"
    assert curve(fast) == curve(slow)  # the same curve, whatever the grader's speed
    # Sealed: each grading froze the agent, and no command was charged for it.
    evals = load_run(slow).events_of(EvaluationEvent)
    assert all(e.frozen_s is not None and e.frozen_s >= 1.0 for e in evals)
    results = load_run(slow).events_of(ToolResultEvent)
    assert all(r.duration_s is not None and r.duration_s < 5 for r in results)


def test_coalescing_is_an_option_and_report_counts_what_it_dropped(tmp_path: Path) -> None:
    # Unsealed, the agent never waits for the grader, so a slow one falls behind.
    run_dir = run(tmp_path, "coalesced", sleep_s=1.5, coalesce_evals=True, sealed_eval=False)
    loaded = load_run(run_dir)
    assert loaded.info is not None and loaded.info.options.coalesce_evals
    metrics = compute_metrics(loaded)
    assert metrics.evaluations_requested == 17
    assert 0 < metrics.evaluations_skipped < 17
    assert metrics.evaluations_skipped == 17 - len(curve(run_dir))


def test_kill_during_a_sealed_grading_thaws_and_resume_grades_what_was_asked(
        tmp_path: Path) -> None:
    """kill -9 of the harness's whole process group while the agent's container is frozen:
    the thaw guard unpauses it (its watchdog then ends it, nothing stays frozen), and
    `resume` grades every evaluation asked for and never recorded, then carries on."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    import docker

    from agent.options import ResumeConfig
    from agent.resume import resume_run

    scen = scenario(tmp_path / "k", sleep_s=3.0)
    logs = tmp_path / "logs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli.main", "run", str(scen), "--model", script(tmp_path),
         "--logs", str(logs), "--run-id", "killed", "--quiet"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = docker.from_env()
    label = {"label": ["ultrarun.run-id=killed", "ultrarun.role=agent"]}
    deadline = time.monotonic() + 180
    frozen = None
    while time.monotonic() < deadline and frozen is None and proc.poll() is None:
        agents = client.containers.list(filters=label, ignore_removed=True)
        if agents and agents[0].attrs["State"]["Paused"]:
            frozen = agents[0]
        time.sleep(0.1)
    assert frozen is not None, "never saw the agent's container frozen"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()

    def left() -> list[Any]:
        return client.containers.list(all=True, filters=label, ignore_removed=True)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and left():
        time.sleep(0.2)
    assert left() == [], "a container stayed"
    events = [json.loads(line) for line in (logs / "killed" / "events.jsonl").read_text()
              .splitlines() if line.endswith("}")]
    asked = {e["tool_calls"] for e in events if e["type"] == "snapshot" and e.get("evaluate")}
    graded = {e["tool_calls"] for e in events if e["type"] == "evaluation"}
    assert asked - graded, "the kill left no requested evaluation ungraded"
    res = resume_run(ResumeConfig(run_dir=logs / "killed"))
    assert res.info.status == "finished"
    loaded = load_run(res.run_dir)
    assert sorted(curve(res.run_dir)) == list(range(2, STEPS + 2, 2))
    assert compute_metrics(loaded).evaluations_skipped == 0
