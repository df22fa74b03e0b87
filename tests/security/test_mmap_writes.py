"""Writes through a shared memory mapping reach every snapshot (issue 20, finding 1).

A process maps ``data.txt`` ``MAP_SHARED`` and writes V1; after a snapshot it writes V2 into
the same, still dirty, page: size, mtime, ctime and inode stay the same and inotify says
nothing. The snapshotter asks the sandbox which inodes its processes map shared and writable
(``/proc/PID/maps``, read from the host) and reads those files at every snapshot (and at the
next one, for a mapping written and dropped in between); graded snapshots and the run's last
read every file. The unit test below is the positive control: with no mapping information the
same write is missed.
"""

from __future__ import annotations

import mmap
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from agent.trajectory.snapshots import Snapshotter
from sandboxes.mapped import shared_writable
from tests.security.conftest import bash, call, cli, events, write_script

V0, V1, V2 = b"V0" * 2048, b"V1" + b"V0" * 2047, b"V2" + b"V0" * 2047


def _silent_v1_then_v2(snap: Snapshotter, path: Path, m: mmap.mmap) -> str | None:
    """V1 through the mapping, a snapshot, then V2 into the same dirty page with no stat
    change (tried again if the kernel wrote the page back in between, which makes the next
    write visible). The commit of the snapshot taken with V1."""
    for _ in range(20):
        m[0:2] = b"V1"
        time.sleep(0.15)  # past the racy window: the snapshot trusts the stat it takes
        first = snap.snapshot("v1") or snap.head()  # (a retry: V1 is already the head)
        before = os.stat(path)
        m[0:2] = b"V2"
        after = os.stat(path)
        if (before.st_mtime_ns, before.st_ctime_ns) == (after.st_mtime_ns, after.st_ctime_ns):
            return first
    pytest.fail("every V2 write changed the file's stat: no silent write to test")


def _on_disk(path: Path) -> None:
    """V0, written back (a later journal commit has nothing of it to flush)."""
    with open(path, "wb") as f:
        f.write(V0)
        f.flush()
        os.fsync(f.fileno())


def _content(snap: Snapshotter, commit: str, tmp: Path) -> bytes:
    out = tmp / f"export-{commit[:8]}"
    snap.export(commit, out)
    return (out / "data.txt").read_bytes()


@pytest.mark.parametrize("defence", ["maps", "none"])
def test_a_silent_write_through_a_mapping(defence: str, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    path = ws / "data.txt"
    _on_disk(path)
    finder = (lambda: shared_writable([os.getpid()])) if defence == "maps" else None
    with Snapshotter(tmp_path / "s.git", ws, mapped=finder) as snap, \
            open(path, "r+b") as f, mmap.mmap(f.fileno(), 4096, mmap.MAP_SHARED) as m:
        snap.snapshot("v0")
        first = _silent_v1_then_v2(snap, path, m)
        assert first is not None and _content(snap, first, tmp_path) == V1
        second = snap.snapshot("v2")
        if defence == "none":  # positive control: the write is invisible to stat
            assert second is None
            # ... and only a content check finds it
            checked = snap.snapshot("check", verify=True)
            assert checked is not None and _content(snap, checked, tmp_path) == V2
        else:
            assert second is not None and snap.last_scan.mapped == 1
            assert _content(snap, second, tmp_path) == V2


def test_a_mapping_written_then_dropped_before_the_snapshot(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    path = ws / "data.txt"
    _on_disk(path)
    with Snapshotter(tmp_path / "s.git", ws,
                     mapped=lambda: shared_writable([os.getpid()])) as snap:
        snap.snapshot("v0")
        with open(path, "r+b") as f, mmap.mmap(f.fileno(), 4096, mmap.MAP_SHARED) as m:
            _silent_v1_then_v2(snap, path, m)
        # unmapped now: the previous snapshot saw the mapping, so this one reads it again
        second = snap.snapshot("v2")
        assert second is not None and _content(snap, second, tmp_path) == V2
        assert snap.snapshot("after") is None  # and it is not read for ever after


# The file is on disk before it is mapped (fsync: a journal commit then has no new block of
# it to write back). V1 makes its page dirty; the writer waits for the snapshot to read the
# file (inotify: a close after reading, from any process) and writes V2 into the same page at
# once, so no writeback can come between: no stat field changes.
WRITER = """\
import ctypes, mmap, os, time
with open("data.txt", "wb") as f:
    f.write(b"V0" * 2048)
    f.flush()
    os.fsync(f.fileno())
fd = os.open("data.txt", os.O_RDWR)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED)
libc = ctypes.CDLL(None, use_errno=True)
watch = libc.inotify_init1(0)
libc.inotify_add_watch(watch, b"data.txt", 0x10)  # IN_CLOSE_NOWRITE
m[0:2] = b"V1"
open("ready", "w").close()
os.read(watch, 4096)  # the snapshot read V1
before = os.stat("data.txt")
m[0:2] = b"V2"
after = os.stat("data.txt")
silent = (before.st_mtime_ns, before.st_ctime_ns) == (after.st_mtime_ns, after.st_ctime_ns)
open("wrote", "w").write("silent" if silent else "visible")
time.sleep(3600)
"""
GRADER = """\
import json, sys
v2 = open(sys.argv[1] + "/data.txt", "rb").read(2) == b"V2"
print(json.dumps({"tests": {"v2": "pass" if v2 else "fail"}, "stages": {"all": [int(v2), 1]}}))
"""
WAIT = "for i in $(seq 600); do [ -e {0} ] && break; sleep 0.05; done; cat {0}; echo"


def _scenario(root: Path) -> Path:
    import yaml

    (root / "workspace").mkdir(parents=True)
    (root / "grader").mkdir()
    (root / "prompt.md").write_text("Do as the script says.\n")
    (root / "workspace" / "README").write_text("seed\n")
    (root / "grader" / "grade.py").write_text(GRADER)
    (root / "scenario.yaml").write_text(yaml.safe_dump({
        "name": "mmap", "title": "mmap", "prompt": "prompt.md", "workspace": "workspace/",
        "limits": {"cpus": 1, "memory": "1g", "pids": 256, "network": False},
        "budgets": {"max_steps": 5},
        "grader": {"command": "python3 /grader/grade.py /workspace", "files": "grader/",
                   "timeout": 120, "every": 100}}))
    return root


def _snapshot_commits(run_dir: Path) -> dict[int, str]:
    return {e["step"]: e["commit"] for e in events(run_dir) if e["type"] == "snapshot"}


def _show(run_dir: Path, commit: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(run_dir / "snapshots.git"), "show",
                           f"{commit}:data.txt"], capture_output=True, check=True).stdout


@pytest.mark.docker
def test_the_run_grade_resume_and_fork_all_see_the_silent_write(tmp_path: Path) -> None:
    scen = _scenario(tmp_path / "scen")
    logs = tmp_path / "logs"
    turns: list[dict[str, Any]] = [
        call("write_file", path="writer.py", content=WRITER),
        bash("python3 writer.py > writer.log 2>&1 & " + WAIT.format("ready")),
        bash(WAIT.format("wrote")),
        bash("echo step 4"),
        bash("echo step 5"),
        call("finish", summary="done")]
    script = write_script(tmp_path / "s.json", turns)
    # The write must change no stat field. Writeback of the V1 page between the two writes
    # (a sync or syncfs by anything else on a busy machine) makes the V2 write fault and set
    # the mtime: that run proves nothing about silent writes, and a fresh one is made.
    for attempt in range(4):
        run = logs / f"mm{attempt}"
        cli("run", str(scen), "--model", f"script:{script}", "--logs", str(logs), "--run-id",
            run.name)
        if (run / "workspace" / "wrote").read_text() == "silent":
            break
    assert (run / "workspace" / "wrote").read_text() == "silent", "no silent write in 4 runs"
    commits = _snapshot_commits(run)
    assert _show(run, commits[2])[:2] == b"V1"
    for step in (3, 4, 5):  # the write's step, and every one after
        assert _show(run, commits[step])[:2] == b"V2", step
    snaps = [e for e in events(run) if e["type"] == "snapshot"]
    assert all(e.get("mapped") for e in snaps if e["step"] >= 2)
    assert snaps[-1].get("verified")  # the run's last snapshot read every file
    final = [e for e in events(run) if e["type"] == "evaluation"][-1]
    assert final["passed"] == 1
    assert "1/1 passed" in cli("grade", str(run), "--step", "3").stdout
    done = write_script(tmp_path / "f.json", [call("finish", summary="f")])
    cli("fork", str(run), "--at", "3", "--model", f"script:{done}", "--logs", str(logs),
        "--run-id", "mm-fork")
    assert (logs / "mm-fork" / "workspace" / "data.txt").read_bytes()[:2] == b"V2"
    # resume after the budget: the workspace is restored from the last snapshot
    (run / "workspace" / "data.txt").write_bytes(V0)
    cli("resume", str(run), "--max-steps", "6")
    assert (run / "workspace" / "data.txt").read_bytes()[:2] == b"V2"
