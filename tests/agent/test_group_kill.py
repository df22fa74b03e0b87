"""Whole-process-group kills (a closed terminal, `systemctl stop`, an OOM kill of the job):
the harness dies together with its git, grader and shell children, at 30 moments, some
timed to land inside a snapshot (between a step's last result and its `snapshot` event, while
200 files are stored), inside a grading, or inside a resume's own start.

Each run is killed six times in a row (the first time while `run`s, then every `resume`
started after a kill is itself a victim), then resumed to the end: the workspace, the events
(contiguous ``seq``, each call and each step recorded once) and `snapshots.git` end exactly
as an uninterrupted run leaves them. Mostly `--sandbox local` (cheap); a few Docker runs,
whose orphaned containers the next resume reaps.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.options import ResumeConfig
from agent.resume import resume_run
from agent.runner import RunConfig, execute_run
from agent.trajectory.reader import writer_alive
from agent.trajectory.snapshot_recovery import _stale_files
from agent.trajectory.snapshots import SnapshotStore
from sandboxes.docker_sandbox import LABEL_ROLE, LABEL_RUN
from tests.agent.conftest import ROOT, TINY
from tests.agent.test_resume_fork import tree

# serial: run alone after the parallel part of `make test` (it kills at timed moments)
pytestmark = pytest.mark.serial

UR = [sys.executable, "-m", "agent.cli.main"]
CALLS = 30
BIG = 4  # every BIG-th call writes 200 files: its snapshot takes a while


def scenario(tmp: Path) -> Path:
    """The tiny scenario with a grader slow enough (0.3 s) to be killed inside."""
    dest = tmp / "scenario"
    shutil.copytree(TINY, dest)
    grade = dest / "grader" / "grade.py"
    grade.write_text("import time\ntime.sleep(0.3)\n" + grade.read_text())
    return dest


def script(path: Path) -> str:
    """CALLS calls whose effects build on each other; some write 200 files (slow commits)."""
    turns: list[dict[str, Any]] = []
    for i in range(1, CALLS + 1):
        if i % BIG == 0:
            cmd = f"mkdir -p d{i} && for j in $(seq 1 200); do echo $j.{i} > d{i}/f$j; done"
        elif i % 10 == 0:
            cmd = f"mkdir -p sums && cat f*.txt | sha256sum > sums/{i}.txt"
        else:
            cmd = f"echo {i} >> f{i % 7}.txt"
        turns.append({"tool_calls": [{"name": "bash", "arguments": {"command": cmd}}]})
    turns.append({"tool_calls": [{"name": "finish", "arguments": {"summary": "built"}}]})
    path.write_text(yaml.safe_dump(turns))
    return f"script:{path}"


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children of any of its threads: gradings run in one)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids: list[int] = []
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:  # gone meanwhile
            continue
        for tid in tasks:
            try:
                kids += map(int, Path(f"/proc/{p}/task/{tid}/children").read_text().split())
            except OSError:
                continue
        out += kids
        todo += kids
    return out


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace") \
            .split("\0")
    except OSError:
        return []


def in_local_grading(pid: int) -> bool:
    return any(any("grade.py" in a for a in cmdline(c)) for c in descendants(pid))


def lock_holders(path: Path) -> list[str]:
    """Processes holding an flock on ``path`` (from /proc/locks), with their command lines."""
    inode = path.stat().st_ino
    pids = [int(f[4]) for f in (line.split() for line in Path("/proc/locks").read_text()
                                .splitlines()) if f[1] == "FLOCK" and f[5].endswith(f":{inode}")]
    return [f"{pid}: {' '.join(cmdline(pid))}" for pid in pids]


def last_event(events: Path) -> dict[str, Any] | None:
    """The last complete event of a run (reads the file's tail only)."""
    try:
        with open(events, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 4096))
            tail = f.read()
    except OSError:
        return None
    lines = tail.split(b"\n")[:-1]  # the part after the last newline may be torn
    try:
        return json.loads(lines[-1]) if lines else None
    except ValueError:
        return None


def in_big_snapshot(events: Path) -> bool:
    """A big step's result is recorded and its `snapshot` event is not: storing 200 files."""
    e = last_event(events)
    return e is not None and e["type"] == "tool_result" and e["step"] % BIG == 0


def results(events: Path) -> int:
    try:
        return events.read_bytes().count(b'"tool_result"')
    except OSError:
        return 0


def wait_for(pred: Any, proc: subprocess.Popen[bytes], timeout: float, poll: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if pred():
            return True
        time.sleep(poll)
    return False


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL to every process of the harness's group; wait until the group is gone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the harness leads its own group
    except ProcessLookupError:
        pass
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


def check_identical(run_dir: Path, want: dict[str, bytes]) -> None:
    assert tree(run_dir / "workspace") == want, f"{run_dir.name}: workspace differs"
    events = [json.loads(x) for x in (run_dir / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(len(events))), "seq not contiguous"
    for kind in ("tool_call", "tool_result"):
        ids = Counter(e["call_id"] for e in events if e["type"] == kind)
        assert len(ids) == CALLS + 1 and set(ids.values()) == {1}, f"a {kind} recorded twice"
    assert sum(e["type"] == "model_call" for e in events) == CALLS + 1
    steps = [e["step"] for e in events if e["type"] == "snapshot"]
    assert steps == list(range(CALLS + 2)), "a step recorded twice, or missing"
    assert sum(e["type"] == "run_start" for e in events) == 1
    assert events[-1]["type"] == "run_end"
    info = json.loads((run_dir / "run.json").read_text())
    assert (info["status"], info["end_reason"]) == ("finished", "finished")
    assert info["totals"]["tool_calls"] == CALLS + 1
    git_dir = run_dir / "snapshots.git"
    assert subprocess.run(["git", "--git-dir", str(git_dir), "fsck", "--no-dangling"],
                          capture_output=True).returncode == 0
    store = SnapshotStore(git_dir)
    assert store.head() == next(e["commit"] for e in reversed(events)
                                if e["type"] == "snapshot")
    with tempfile.TemporaryDirectory() as tmp:
        store.export("HEAD", Path(tmp) / "ws")
        assert tree(Path(tmp) / "ws") == want, "the last snapshot differs from the workspace"
    assert not _stale_files(git_dir)  # no temporary or lock file left


def wait_for_moment(moment: str, proc: subprocess.Popen[bytes], run_dir: Path,
                    rng: random.Random, client: Any) -> bool:
    """Wait until the harness is at ``moment``; whether it got there (else: kill anyway)."""
    events = run_dir / "events.jsonl"
    if moment == "resume":  # inside the resume's own start (recovery, restore, ...)
        assert wait_for(lambda: writer_alive(run_dir), proc, 120, 0.002), run_dir.name
        time.sleep(rng.uniform(0, 0.15))
        return True
    if moment == "snapshot":  # no progress target: the next big step comes soon enough
        return wait_for(lambda: in_big_snapshot(events), proc, 60, 0.0005)
    target = results(events) + rng.randint(1, 3)
    assert wait_for(lambda: results(events) >= target, proc, 120, 0.02), \
        f"{run_dir.name}: no progress"
    if moment == "grading":
        if client is None:
            return wait_for(lambda: in_local_grading(proc.pid), proc, 20, 0.002)
        return wait_for(lambda: bool(client.containers.list(filters={"label": [
            f"{LABEL_RUN}={run_dir.name}", f"{LABEL_ROLE}=grader"]})), proc, 20, 0.002)
    time.sleep(rng.uniform(0, 0.05))
    return True


@pytest.mark.slow
def test_thirty_group_kills_then_resume_matches_uninterrupted(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    scen = scenario(tmp_path)
    spec = script(tmp_path / "build.yaml")
    logs = tmp_path / "logs"
    common = ["--logs", str(logs), "--quiet", "--eval-every", "5"]
    ref = execute_run(RunConfig(scenario=str(scen), model=spec, sandbox="local", logs=logs,
                                run_id="reference", eval_every=5))
    assert ref.info.end_reason == "finished"
    want = tree(ref.run_dir / "workspace")

    # (backend, kill moments): 4 local runs and 1 Docker run, 6 kills each: 30 kills.
    # snapshot: inside a big step's snapshot; grading: a grader runs; resume: inside a
    # resume's start (recovery, restore, fast-forward); any: a random instant.
    plans = [("local", ["snapshot", "any", "grading", "resume", "snapshot", "grading"]),
             ("local", ["grading", "snapshot", "resume", "snapshot", "any", "grading"]),
             ("local", ["any", "snapshot", "grading", "resume", "snapshot", "any"]),
             ("local", ["snapshot", "grading", "any", "snapshot", "resume", "grading"]),
             ("docker", ["snapshot", "grading", "any", "resume", "snapshot", "grading"])]
    rng = random.Random(20261129)
    hits: Counter[str] = Counter()
    client = None
    for r, (backend, moments) in enumerate(plans):
        if backend == "docker" and client is None:
            request.getfixturevalue("base_image")
            client = request.getfixturevalue("docker_client")
        rid = f"kill{r}-{backend}"
        for k, moment in enumerate(moments):
            args = (["run", str(scen), "--model", spec, "--sandbox", backend, "--run-id", rid]
                    if k == 0 else ["resume", str(logs / rid)])
            proc = subprocess.Popen([*UR, *args, *common], cwd=ROOT, start_new_session=True,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            aimed = wait_for_moment(moment, proc, logs / rid, rng, client)
            assert proc.poll() is None, f"{rid}: the run ended before kill {k} ({moment})"
            kill_group(proc)
            if moment == "snapshot":  # it landed if the snapshot never got recorded
                e = last_event(logs / rid / "events.jsonl")
                aimed = aimed and e is not None and e["type"] == "tool_result"
            hits[moment] += aimed
        assert not writer_alive(logs / rid), lock_holders(logs / rid / ".lock")
        res = resume_run(ResumeConfig(run_dir=logs / rid))  # the last resume runs to the end
        assert (res.info.status, res.info.end_reason) == ("finished", "finished"), rid
        check_identical(logs / rid, want)
        if client is not None:  # the resumes reaped what each kill left behind
            left = client.containers.list(all=True, filters={"label": f"{LABEL_RUN}={rid}"})
            assert left == [], [c.name for c in left]
    # Most timed kills did land where they were aimed (a few may miss under load).
    assert hits["snapshot"] >= 7 and hits["grading"] >= 5, hits
    print(f"kills that landed where aimed: {dict(hits)}")
