"""Multi-hour runs that survive: kill -9 and resume, budgets raised, fork, dead sandboxes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import docker
import pytest
import yaml

from agent.options import ForkConfig, ResumeConfig
from agent.resume import fork_run, resume_run
from agent.runner import RunConfig, execute_run
from agent.trajectory import load_run
from agent.trajectory.events import RunStart, SnapshotEvent
from tests.agent.conftest import ROOT, TINY, seqs_contiguous
from tests.fakes.openai_server import FakeOpenAIServer, Reply

UR = [sys.executable, "-m", "agent.cli.main"]


def build_script(path: Path, n: int) -> str:
    """n tool calls that build files; every step's effect depends on the steps before it."""
    turns: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        if i % 25 == 0:
            call = {"name": "write_file", "arguments": {"path": f"gen/part{i}.txt",
                                                        "content": f"part {i}\n" * 20}}
        elif i % 10 == 0:
            call = {"name": "bash", "arguments": {
                "command": f"cat f*.txt | sha256sum > sums/{i}.txt 2>/dev/null || "
                           f"(mkdir -p sums && cat f*.txt | sha256sum > sums/{i}.txt)"}}
        else:
            call = {"name": "bash", "arguments": {"command": f"echo {i} >> f{i % 7}.txt"}}
        turns.append({"tool_calls": [call]})
    turns.append({"tool_calls": [{"name": "finish", "arguments": {"summary": "built"}}]})
    path.write_text(yaml.safe_dump(turns))
    return f"script:{path}"


def tree(ws: Path) -> dict[str, bytes]:
    return {str(p.relative_to(ws)): p.read_bytes() for p in sorted(ws.rglob("*"))
            if p.is_file() and ".git" not in p.parts}


def check_one_trajectory(run_dir: Path, calls: int) -> None:
    events = seqs_contiguous(run_dir)
    tc = Counter(e["call_id"] for e in events if e["type"] == "tool_call")
    tr = Counter(e["call_id"] for e in events if e["type"] == "tool_result")
    assert set(tc.values()) == {1} and set(tr.values()) == {1}, "a call recorded twice"
    assert len(tr) == calls + 1  # plus finish
    assert sum(1 for e in events if e["type"] == "model_call") == calls + 1


@pytest.mark.slow
# Six harness-only kills here: test_group_kill.py kills the whole group at 30 moments.
@pytest.mark.parametrize("backend, kills", [("local", 6), ("docker", 2)])
def test_kill9_then_resume_matches_uninterrupted(backend: str, kills: int, tmp_path: Path,
                                                 request: pytest.FixtureRequest) -> None:
    if backend == "docker":
        request.getfixturevalue("base_image")
    n = 300
    spec = build_script(tmp_path / "build.yaml", n)
    logs = tmp_path / "logs"
    ref = execute_run(RunConfig(scenario=str(TINY), model=spec, sandbox=backend, logs=logs,
                                run_id="reference", eval_every=0, max_steps=1000))
    assert ref.info.end_reason == "finished"
    want = tree(ref.run_dir / "workspace")
    rng = random.Random(1234 + kills)
    for k in range(kills):
        rid = f"kill{k}"
        proc = subprocess.Popen([*UR, "run", str(TINY), "--model", spec, "--sandbox", backend,
                                 "--logs", str(logs), "--run-id", rid, "--quiet",
                                 "--eval-every", "0", "--max-steps", "1000"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        events = logs / rid / "events.jsonl"
        # Kill at a random point of the run itself (not of the clock, which a fast run could
        # outpace): once a random number of results is recorded, plus a random instant.
        target = rng.randint(1, n - 10)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if events.exists() and events.read_bytes().count(b'"tool_result"') >= target:
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.05))
        assert proc.poll() is None, f"{rid}: the run ended before the kill"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        res = resume_run(ResumeConfig(run_dir=logs / rid))
        assert (res.info.status, res.info.end_reason) == ("finished", "finished"), rid
        assert tree(logs / rid / "workspace") == want, f"{rid}: workspace differs"
        check_one_trajectory(logs / rid, n)
        kinds = [e["type"] for e in map(json.loads, events.read_text().splitlines())]
        assert kinds.count("resume") == 1 and kinds[-1] == "run_end"


def test_resume_raises_a_budget_and_rebuilds_the_same_conversation(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    def agent(body: dict[str, Any]) -> Reply:
        n = sum(1 for m in body["messages"] if m["role"] == "assistant") + 1
        if n > 12:
            return Reply(tool_calls=[("finish", {"summary": "ok"})])
        if n == 5:
            return Reply(content="no tool this time")
        return Reply(content=f"step {n}", reasoning_content=f"why {n}",
                     tool_calls=[("bash", {"command": f"echo {n} >> log.txt; seq 1 {n}"})])

    endpoint.responder = agent
    logs = tmp_path / "logs"
    # No clock: the two runs have different budgets, which a clock would tell the model.
    whole = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                  logs=logs, run_id="whole", clock=False))
    full_requests = [r.body["messages"] for r in endpoint.completion_requests]
    first = len(endpoint.completion_requests)
    part = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                 logs=logs, run_id="part", max_steps=6, clock=False))
    assert part.info.end_reason == "max_steps"
    done = resume_run(ResumeConfig(run_dir=part.run_dir, max_steps=50))
    assert (done.info.status, done.info.end_reason) == ("finished", "finished")
    assert done.info.totals.steps == whole.info.totals.steps
    resumed_requests = [r.body["messages"] for r in endpoint.completion_requests[first:]]
    # Identical prompts, before and after resume (the local workdir path and the ids the fake
    # server numbers across runs aside).
    import re

    def norm(reqs: list[Any]) -> str:
        return re.sub(r"call_fake_\d+_\d+", "ID", json.dumps(reqs).replace("/logs/part/", "/"))

    assert norm(resumed_requests) == norm(full_requests).replace("/logs/whole/", "/")
    events = seqs_contiguous(part.run_dir)
    assert [e["type"] for e in events].count("run_end") == 2
    resume_ev = next(e for e in events if e["type"] == "resume")
    assert resume_ev["reason"] == "budget (max_steps)"
    assert (part.run_dir / "workspace" / "log.txt").read_text() == \
        (whole.run_dir / "workspace" / "log.txt").read_text()
    with pytest.raises(ValueError, match="finished this run"):
        resume_run(ResumeConfig(run_dir=part.run_dir))


def test_fork_starts_from_the_parent_step(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    spec = build_script(tmp_path / "b.yaml", 20)
    parent = execute_run(RunConfig(scenario=str(TINY), model=spec, sandbox="local", logs=logs,
                                   run_id="parent"))
    branch = tmp_path / "branch.yaml"
    branch.write_text(yaml.safe_dump([
        {"tool_calls": [{"name": "bash", "arguments": {"command": "echo forked > fork.txt"}}]},
        {"tool_calls": [{"name": "finish", "arguments": {"summary": "branch"}}]}]))
    child = fork_run(ForkConfig(run_dir=parent.run_dir, at=10, model=f"script:{branch}",
                                run_id="child"))
    assert child.info.parent and child.info.parent["step"] == 10
    assert child.info.end_reason == "finished"
    pe = load_run(parent.run_dir)
    ce = load_run(child.run_dir)
    at10 = next(e for e in pe.events_of(SnapshotEvent) if e.step == 10).commit
    start = ce.events_of(SnapshotEvent)[0].commit
    git = ["git", "--git-dir"]
    ptree = subprocess.run([*git, str(parent.run_dir / "snapshots.git"), "ls-tree", "-r",
                            at10], capture_output=True, text=True).stdout
    ctree = subprocess.run([*git, str(child.run_dir / "snapshots.git"), "ls-tree", "-r",
                            start], capture_output=True, text=True).stdout
    assert ptree == ctree and ptree
    run_start = ce.events_of(RunStart)[0]
    assert len(run_start.messages) == 2 + 10 * 2
    assert (child.run_dir / "workspace" / "fork.txt").read_text() == "forked\n"
    assert ce.events[-1].step == 12


@pytest.mark.docker
def test_docker_kill_mid_run_restarts_the_sandbox(tmp_path: Path, base_image: str,
                                                  docker_client: docker.DockerClient) -> None:
    script = tmp_path / "s.yaml"
    script.write_text(yaml.safe_dump([
        {"tool_calls": [{"name": "bash", "arguments": {"command": "echo 1 > log.txt"}}]},
        {"tool_calls": [{"name": "bash", "arguments": {"command": "echo 2 >> log.txt; "
                                                                   "sleep 20"}}]},
        {"tool_calls": [{"name": "bash", "arguments": {"command": "echo 3 >> log.txt; "
                                                                   "cat log.txt"}}]},
        {"tool_calls": [{"name": "finish", "arguments": {"summary": "survived"}}]}]))

    def killer() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = docker_client.containers.list(
                filters={"label": ["ultrarun.run-id=dk", "ultrarun.role=agent"]})
            events = tmp_path / "logs" / "dk" / "events.jsonl"
            if found and events.exists() and "sleep 20" in events.read_text():
                time.sleep(0.5)
                found[0].kill()
                return
            time.sleep(0.1)

    t = threading.Thread(target=killer)
    t.start()
    res = execute_run(RunConfig(scenario=str(TINY), model=f"script:{script}",
                                logs=tmp_path / "logs", run_id="dk", eval_every=0))
    t.join()
    assert (res.info.status, res.info.end_reason) == ("finished", "finished")
    events = seqs_contiguous(res.run_dir)
    restarts = [e for e in events if e["type"] == "sandbox_restart"]
    assert len(restarts) == 1
    died = next(e for e in events if e["type"] == "tool_result" and e["call_id"] == "call_2")
    assert died["error_kind"] == "sandbox" and "fresh sandbox" in died["output"]
    last = next(e for e in events if e["type"] == "tool_result" and e["call_id"] == "call_3")
    assert last["output"].startswith("1\n3\n")  # restored from the step-1 snapshot


@pytest.mark.slow  # waits out a 20 s outage
def test_endpoint_down_for_20s_the_run_waits(endpoint: FakeOpenAIServer,
                                             tmp_path: Path) -> None:
    cfg_path = Path.home() / ".config" / "ultrarun" / "models.yaml"
    data = yaml.safe_load(cfg_path.read_text())
    data["profiles"]["fake"]["retry"] = {"max_attempts": 100, "base_delay_s": 0.5,
                                         "max_delay_s": 2.0, "outage_budget_s": 120}
    cfg_path.write_text(yaml.safe_dump(data))
    state = {"down": False}

    def agent(body: dict[str, Any]) -> Reply:
        n = sum(1 for m in body["messages"] if m["role"] == "tool") + 1
        if n == 3 and not state["down"]:
            state["down"] = True
            threading.Thread(target=outage).start()
            return Reply(delay_s=1.0, tool_calls=[("bash", {"command": "echo 3 >> log.txt"})])
        if n > 6:
            return Reply(tool_calls=[("finish", {"summary": "ok"})])
        return Reply(tool_calls=[("bash", {"command": f"echo {n} >> log.txt"})])

    def outage() -> None:
        time.sleep(0.3)
        endpoint.stop()  # connection refused from now on
        time.sleep(20)
        endpoint.start()

    notes: list[str] = []
    endpoint.responder = agent
    from agent.runner import Hooks

    t0 = time.monotonic()
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path / "logs"),
                      Hooks(observer=lambda s: notes.append(s.note) if s.note else None))
    assert time.monotonic() - t0 >= 19
    assert (res.info.status, res.info.end_reason) == ("finished", "finished")
    retried = [e for e in seqs_contiguous(res.run_dir)
               if e["type"] == "model_call" and e["retries"]]
    assert retried and sum(r["wait_s"] for r in retried[0]["retries"]) >= 15
    assert any("retry" in n for n in notes), "the live view was never told of the outage"


@pytest.mark.docker
def test_interrupt_stops_a_running_grading(tmp_path: Path, base_image: str,
                                           docker_client: docker.DockerClient) -> None:
    """Ctrl-C during a slow sealed grading (the agent's container frozen, its next tool call
    waiting): the run stops at once, the container is thawed and no container stays."""
    import shutil

    from agent.runner import Hooks

    scn = tmp_path / "slow-grader"
    shutil.copytree(TINY, scn)
    text = (scn / "scenario.yaml").read_text().replace(
        'command: "python3 /grader/grade.py /workspace"',
        'command: "sleep 120; python3 /grader/grade.py /workspace"').replace("every: 10",
                                                                             "every: 2")
    (scn / "scenario.yaml").write_text(text)
    spec = build_script(tmp_path / "s.yaml", 40)
    paused: list[str] = []

    def ctrl_c_when_frozen() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            agents = docker_client.containers.list(filters={
                "label": ["ultrarun.run-id=slowgrade", "ultrarun.role=agent"]},
                ignore_removed=True)
            if agents and agents[0].attrs["State"]["Paused"]:
                paused.append(agents[0].id)
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.1)

    watcher = threading.Thread(target=ctrl_c_when_frozen)
    t0 = time.monotonic()
    watcher.start()
    try:
        res = execute_run(RunConfig(scenario=str(scn), model=spec, logs=tmp_path / "logs",
                                    run_id="slowgrade"), Hooks())
    finally:
        watcher.join()
    assert paused, "the agent's container was never frozen during the grading"
    assert res.info.status == "interrupted"
    assert time.monotonic() - t0 < 60  # not waiting out the 120 s grading
    left = docker_client.containers.list(all=True,
                                         filters={"label": "ultrarun.run-id=slowgrade"})
    assert left == []


def test_resume_after_a_kill_during_the_final_grading_ends_finished(tmp_path: Path) -> None:
    """`finish` and its step's snapshot recorded, the run's end lost (a kill during the final
    evaluation): resume grades and ends `finished`; it never asks the model for more."""
    spec = build_script(tmp_path / "build.yaml", 3)
    logs = tmp_path / "logs"
    res = execute_run(RunConfig(scenario=str(TINY), model=spec, sandbox="local", logs=logs,
                                run_id="fin"))
    assert (res.info.status, res.info.end_reason) == ("finished", "finished")
    events = res.run_dir / "events.jsonl"
    lines = events.read_text().splitlines(keepends=True)
    kinds = [json.loads(x)["type"] for x in lines]
    cut = kinds.index("snapshot", len(kinds) - 1 - kinds[::-1].index("tool_result"))
    events.write_text("".join(lines[:cut + 1]))  # up to the finish step's snapshot
    info = json.loads((res.run_dir / "run.json").read_text())
    info.update(status="running", end_reason=None)
    (res.run_dir / "run.json").write_text(json.dumps(info))
    done = resume_run(ResumeConfig(run_dir=res.run_dir))
    assert (done.info.status, done.info.end_reason) == ("finished", "finished")
    after = [json.loads(x) for x in events.read_text().splitlines()]
    tail = [e["type"] for e in after[cut + 1:]]
    assert tail[0] == "resume" and tail[-1] == "run_end", tail
    assert "model_call" not in tail and "evaluation" in tail, tail
