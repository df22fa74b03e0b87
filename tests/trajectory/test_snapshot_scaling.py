"""Snapshots that follow what changed (inotify as a hint) stay exactly what a full walk finds.

Every test compares the watched snapshotter's tree with the tree a fresh snapshotter with no
watcher writes for the same workspace (an oracle that lists and reads everything), so a change
the hint missed shows up as a different tree id.
"""

from __future__ import annotations

import os
import random
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.trajectory.gitsafe import git, tree_entries
from agent.trajectory.snapshots import Snapshotter

SETTLE = 0.15  # past the racy window (RACY_NS): records are trusted from then on


def tree(snap: Snapshotter) -> str:
    head = snap.head()
    assert head is not None
    return git(snap.git_dir, "rev-parse", f"{head}^{{tree}}").decode().strip()


def oracle(ws: Path, tmp: Path) -> tuple[str, list[str]]:
    """The tree id (and what was left out) of a full walk by a fresh snapshotter."""
    d = tmp / f"oracle-{time.monotonic_ns()}.git"
    with Snapshotter(d, ws, watch=False) as o:
        o.snapshot("oracle")
        got = tree(o), sorted(s.path for s in o.last_skipped)
    shutil.rmtree(d)
    return got


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    for i in range(6):
        d = root / f"d{i}" / "sub"
        d.mkdir(parents=True)
        for j in range(20):
            (d / f"f{j}.c").write_text(f"int v{i}_{j} = {j};\n")
        (root / f"d{i}" / "top.txt").write_text("top\n")
    (root / "README").write_text("hello\n")
    return root


@pytest.fixture
def snap(tmp_path: Path, ws: Path) -> Iterator[Snapshotter]:
    with Snapshotter(tmp_path / "snapshots.git", ws, verify_s=3600) as s:
        assert s.snapshot("first")
        time.sleep(SETTLE)
        s.snapshot("settle")  # files read too soon to trust are read again
        yield s


def test_unchanged_workspace_makes_no_commit_and_lists_nothing(snap: Snapshotter) -> None:
    head = snap.head()
    assert snap.snapshot("same") is None
    assert snap.head() == head
    assert not snap.last_scan.full, snap.last_scan.why_full
    assert snap.last_scan.listed == 0 and snap.last_scan.read == 0


def test_one_file_change_is_caught_reading_one_file(snap: Snapshotter, ws: Path,
                                                     tmp_path: Path) -> None:
    target = ws / "d3" / "sub" / "f7.c"
    target.write_text("int changed = 1;\n")  # no pause: the snapshot right after sees it
    assert snap.snapshot("one")
    assert not snap.last_scan.full and snap.last_scan.read == 1
    assert snap.last_scan.listed == 1
    assert tree(snap) == oracle(ws, tmp_path)[0]
    got = {p: sha for _m, sha, p in tree_entries(snap.git_dir, snap.head() or "")}
    assert git(snap.git_dir, "cat-file", "blob", got[b"d3/sub/f7.c"]) == b"int changed = 1;\n"


def test_random_edits_match_a_full_walk(snap: Snapshotter, ws: Path, tmp_path: Path) -> None:
    rnd = random.Random(14)
    for step in range(30):
        files = [p for p in ws.rglob("*") if p.is_file()]
        dirs = [p for p in ws.rglob("*") if p.is_dir()]
        for _ in range(rnd.randint(1, 4)):
            op = rnd.choice(["write", "same-size", "new", "rm", "mkdir", "mvdir", "chmod",
                             "rmdir"])
            if op == "write" and files:
                rnd.choice(files).write_text(f"step {step} {rnd.random()}\n")
            elif op == "same-size" and files:  # rewritten in the same size, fast
                f = rnd.choice(files)
                f.write_bytes(bytes(reversed(f.read_bytes())))
            elif op == "new":
                base = rnd.choice(dirs) if dirs else ws
                (base / f"n{step}_{rnd.randint(0, 99)}.h").write_text("new\n")
            elif op == "rm" and files:
                rnd.choice(files).unlink(missing_ok=True)
            elif op == "mkdir":
                d = (rnd.choice(dirs) if dirs else ws) / f"m{step}" / "deep"
                d.mkdir(parents=True, exist_ok=True)
                (d / "x.c").write_text(f"{step}\n")
            elif op == "mvdir" and len(dirs) > 1:
                src = rnd.choice(dirs)
                dst = ws / f"moved{step}"
                if src.exists() and not dst.exists():
                    src.rename(dst)
            elif op == "chmod" and files:
                f = rnd.choice(files)
                if f.exists():
                    f.chmod(f.stat().st_mode ^ 0o100)
            elif op == "rmdir" and len(dirs) > 2:
                shutil.rmtree(rnd.choice(dirs), ignore_errors=True)
            files = [p for p in ws.rglob("*") if p.is_file()]
            dirs = [p for p in ws.rglob("*") if p.is_dir()]
        snap.snapshot(f"step {step}")
        assert not snap.last_scan.full, snap.last_scan.why_full
        assert tree(snap) == oracle(ws, tmp_path)[0], f"step {step} differs from a full walk"


def test_overflowed_events_fall_back_to_a_full_walk(snap: Snapshotter, ws: Path,
                                                     tmp_path: Path) -> None:
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    a, b = ws / "d0" / "top.txt", ws / "d1" / "top.txt"
    for i in range(limit + 100):  # alternating, so the kernel cannot merge the events
        os.utime(a if i % 2 else b, ns=(i, i))
    (ws / "d5" / "sub" / "f3.c").write_text("after the flood\n")
    assert snap.snapshot("flood")
    assert snap.last_scan.full and snap.last_scan.why_full == "events lost"
    assert tree(snap) == oracle(ws, tmp_path)[0]
    (ws / "d2" / "top.txt").write_text("watched again\n")  # a fresh watcher took over
    assert snap.snapshot("after")
    assert not snap.last_scan.full and tree(snap) == oracle(ws, tmp_path)[0]


def test_events_lost_silently_are_caught_by_the_periodic_walk(tmp_path: Path,
                                                               ws: Path) -> None:
    with Snapshotter(tmp_path / "s.git", ws, verify_s=3600) as s:
        s.snapshot("first")
        time.sleep(SETTLE)
        s.snapshot("settle")
        (ws / "d4" / "sub" / "f1.c").write_text("nobody told us\n")
        scanner = s._scanner
        assert scanner.watcher is not None
        scanner.watcher.drain()  # the events are gone, and no overflow was reported
        assert s.snapshot("missed") is None  # the hint said nothing
        assert not s.last_scan.full
        scanner.verify_s = 0.5  # the check's period (at least 50 full walks' time)
        time.sleep(max(0.5, 50 * scanner._full_cost) + 0.1)
        assert s.snapshot("periodic")
        assert s.last_scan.full and s.last_scan.why_full == "periodic check"
        assert tree(s) == oracle(ws, tmp_path)[0]


def test_no_watcher_walks_everything_every_time(tmp_path: Path, ws: Path) -> None:
    with Snapshotter(tmp_path / "s.git", ws, watch=False) as s:
        s.snapshot("first")
        time.sleep(SETTLE)
        s.snapshot("settle")
        assert s.snapshot("same") is None and s.last_scan.full and s.last_scan.read == 0
        (ws / "d0" / "sub" / "f0.c").write_text("x\n")
        assert s.snapshot("one") and s.last_scan.full and s.last_scan.read == 1
        assert tree(s) == oracle(ws, tmp_path)[0]


def test_write_through_a_hardlink_elsewhere_is_caught(snap: Snapshotter, ws: Path,
                                                      tmp_path: Path) -> None:
    os.link(ws / "d0" / "top.txt", ws / "d1" / "sub" / "alias.txt")
    assert snap.snapshot("link")  # a new hardlink: full walk
    time.sleep(SETTLE)
    snap.snapshot("settle")
    with open(ws / "d1" / "sub" / "alias.txt", "r+b") as f:  # same size, other folder
        f.write(b"TOP")
    assert snap.snapshot("through the link")
    assert tree(snap) == oracle(ws, tmp_path)[0]


def test_planted_links_fifos_and_nested_git_are_treated_as_before(
        snap: Snapshotter, ws: Path, tmp_path: Path) -> None:
    canary = tmp_path / "host-secret"
    canary.write_text("secret\n")
    (ws / "d2" / "sub" / "escape").symlink_to(canary)
    (ws / "d2" / "dirlink").symlink_to(tmp_path)
    os.mkfifo(ws / "d3" / "pipe")
    nested = ws / "d4" / "sub" / "vendor"
    (nested / ".git" / "hooks").mkdir(parents=True)
    (nested / ".git" / "config").write_text("[core]\n\tfsmonitor = touch /tmp/pwned\n")
    (nested / "lib.c").write_text("int lib;\n")
    (ws / "d5" / ".git").write_text("gitdir: /etc\n")  # a gitfile
    (ws / "d0" / "big.bin").write_bytes(b"\0")
    os.truncate(ws / "d0" / "big.bin", 33 << 20)  # sparse, over the 32 MiB cap
    assert snap.snapshot("planted")
    assert not snap.last_scan.full
    want_tree, want_skipped = oracle(ws, tmp_path)
    assert tree(snap) == want_tree
    assert sorted(s.path for s in snap.last_skipped) == want_skipped
    reasons = {s.path: s.reason for s in snap.last_skipped}
    assert reasons["d3/pipe"] == "a FIFO" and "per-file cap" in reasons["d0/big.bin"]
    entries = {p: (m, sha) for m, sha, p in tree_entries(snap.git_dir, snap.head() or "")}
    assert entries[b"d2/sub/escape"][0] == "120000"
    assert git(snap.git_dir, "cat-file", "blob", entries[b"d2/sub/escape"][1]) == \
        str(canary).encode()
    assert entries[b"d2/dirlink"][0] == "120000"
    assert b"d4/sub/vendor/lib.c" in entries
    assert not any(b".git" in p.split(b"/") for p in entries)
    assert not any(b"pipe" in p for p in entries)
    assert canary.read_text() == "secret\n" and not Path("/tmp/pwned").exists()
    # the same tree after a snapshot that changes nothing, and in a full walk of a new process
    assert snap.snapshot("again") is None
    assert sorted(s.path for s in snap.last_skipped) == want_skipped


def test_more_folders_than_watches_walks_everything(tmp_path: Path, ws: Path) -> None:
    with Snapshotter(tmp_path / "s.git", ws, verify_s=3600) as s:
        s._scanner.max_watches = 5  # the workspace has 13 folders
        s.snapshot("first")
        assert s._scanner.watcher is None
        (ws / "d3" / "sub" / "f2.c").write_text("no watcher\n")
        assert s.snapshot("walked") and s.last_scan.full
        assert s.last_scan.why_full == "no watcher" and s._scanner.watcher is None
        assert tree(s) == oracle(ws, tmp_path)[0]
