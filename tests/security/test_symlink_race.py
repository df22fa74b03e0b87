"""The symlink-swap race: while processes in the sandbox swap folders with symlinks to a host
folder (renameat2(RENAME_EXCHANGE) in a C loop, and a plain `mv` loop), every host-side file
tool is called over and over; not one call may read or write the host folder."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.models.base import ToolCall
from agent.tools.base import ToolContext
from agent.tools.toolbox import ToolBox
from agent.trajectory.snapshots import Snapshotter
from sandboxes import Sandbox, open_sandbox
from tests.security.conftest import report

# serial: run alone after the parallel part of `make test` (it races the harness for seconds)
pytestmark = pytest.mark.serial

SWAP_C = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
int main(int argc, char **argv) {  /* swap two names forever, ~20,000 times a second */
    if (argc != 3) return 2;
    for (;;) {
        syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE);
        usleep(20);  /* leaves the container's CPU quota to the tools' own commands */
    }
}
"""
SECRET = "CANARY-SECRET"
TOOLS = ["read_file", "write_file", "edit_file", "list_dir", "grep", "read_log", "notes"]


def canary(root: Path) -> Path:
    d = root / "canary"
    d.mkdir()
    (d / "f.txt").write_text(f"{SECRET}\n")
    (d / "edit.txt").write_text("token=AAA\n")  # edit_file through a link would succeed here
    (d / "notes.md").write_text(f"{SECRET} notes\n")
    (d / f"{SECRET}_ONLY_NAME").write_text("x\n")
    return d


def fingerprint(d: Path) -> dict[str, Any]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(d.iterdir())}


def setup_race(sb: Sandbox, host_canary: Path, compiler: str, nice: int = 19) -> None:
    """Seed the workspace and start the swappers in the sandbox (as the agent would)."""
    sb.write_file("swap.c", SWAP_C.encode())
    script = f"""set -e
mkdir -p d e .agent
printf 'inside\\n' > d/f.txt; printf 'inside\\n' > e/f.txt; printf 'token=AAA\\n' > d/edit.txt
printf 'notes\\n' > .agent/notes.md
{compiler} -O2 -o swap swap.c
ln -sfn {host_canary} dlink; ln -sfn {host_canary} agentlink
# niced: they spin whenever the CPU is free, and let grep's commands run when it is not
nohup nice -n {nice} ./swap d dlink >/dev/null 2>&1 &
nohup nice -n {nice} ./swap .agent agentlink >/dev/null 2>&1 &
nohup nice -n {nice} bash -c \
  'while :; do mv e e.real && ln -s {host_canary} e && rm e && mv e.real e; done' >/dev/null 2>&1 &
echo started
"""
    r = sb.exec(script, timeout=120)
    assert r.exit_code == 0 and "started" in r.output, r.output


def hammer(box: ToolBox, ctx: ToolContext, seconds: float, snap: Snapshotter | None
           ) -> tuple[dict[str, Counter[str]], list[str], int]:
    """Every tool in its own thread for ``seconds``; returns outcome counts per tool, any
    output that leaked the canary, and the number of snapshots taken meanwhile."""
    stats: dict[str, Counter[str]] = {t: Counter() for t in TOOLS}
    leaks: list[str] = []
    snaps = [0]
    stop = time.monotonic() + seconds

    def calls(name: str) -> Callable[[int], dict[str, Any]]:
        return {
            "read_file": lambda i: {"path": "d/f.txt" if i % 2 else "e/f.txt"},
            "write_file": lambda i: {"path": "d/w.txt" if i % 2 else "e/w.txt",
                                     "content": f"write {i}\n"},
            "edit_file": lambda i: {"path": "d/edit.txt", "old": "token=AAA",
                                    "new": "token=BBB"} if i % 2 else
            {"path": "d/edit.txt", "old": "token=BBB", "new": "token=AAA"},
            "list_dir": lambda i: {"path": "d" if i % 2 else "e", "depth": 1},
            "grep": lambda i: {"pattern": "CANARY|inside", "path": "d" if i % 2 else "e"},
            "read_log": lambda i: {"path": "d/f.txt" if i % 2 else "e/f.txt", "mode": "tail"},
            "notes": lambda i: {"content": f"n{i}", "mode": "append" if i % 2 else "replace"},
        }[name]

    def worker(name: str) -> None:
        make = calls(name)
        i = 0
        while time.monotonic() < stop:
            i += 1
            shown = box.dispatch(ToolCall(id=f"{name}-{i}", name=name, arguments=make(i),
                                          raw_arguments="{}"), ctx)
            out = shown.output
            stats[name]["calls"] += 1
            kind = "ok" if out.ok else (out.error_kind or "error")
            if name == "edit_file" and "` occurs " in shown.display:
                kind = "no_match"  # the other toggle won: not a refusal
            stats[name][kind] += 1
            if kind not in ("ok", "path", "not_found") and stats[name][kind] <= 2:
                print(f"{name} {kind}: {shown.display[:200]!r}")
            if SECRET in shown.display:
                leaks.append(f"{name}: {shown.display[:300]}")

    def snapshots() -> None:
        while snap is not None and time.monotonic() < stop:
            snap.snapshot("race")
            snaps[0] += 1

    threads = [threading.Thread(target=worker, args=(t,)) for t in TOOLS]
    threads.append(threading.Thread(target=snapshots))
    # Eight busy threads share the GIL: hand it over often, so grep's thread (which waits on
    # its command in the sandbox) gets it back as soon as the answer arrives.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0002)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    return stats, leaks, snaps[0]


def assert_no_canary_in_objects(git_dir: Path) -> None:
    out = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "--batch-all-objects",
                          "--batch"], capture_output=True, check=True).stdout
    assert SECRET.encode() not in out, "a snapshot stored a host file's content"


@pytest.mark.docker
@pytest.mark.slow
def test_race_docker_every_tool_20s(tmp_path: Path, base_image: str) -> None:
    host = canary(tmp_path)
    before = fingerprint(host)
    ws = tmp_path / "ws"
    with open_sandbox("docker", image=base_image, workspace=ws, cpus=1, memory="512m",
                      pids=256, outputs_dir=tmp_path / "out") as sb:
        setup_race(sb, host, "gcc")
        ctx = ToolContext(sandbox=sb, outputs_dir=tmp_path / "out", default_timeout=30)
        snap = Snapshotter(tmp_path / "snapshots.git", ws)
        stats, leaks, snaps = hammer(ToolBox([*TOOLS, "bash"]), ctx, 20, snap)
    report("race-docker", snapshots=snaps, **{t: dict(c) for t, c in stats.items()})
    assert not leaks, leaks[:5]
    assert fingerprint(host) == before, "the host folder was written"
    for tool, c in stats.items():
        # grep runs a command in the sandbox per call (a few ms on an idle machine, ~70 ms on
        # a loaded one); the others are host-side only.
        assert c["calls"] >= (100 if tool == "grep" else 1000), (tool, dict(c))
        assert not c["tool_error"], (tool, dict(c))  # every refusal has its own kind
        if tool != "grep":  # grep runs in the container, where the link leads nowhere
            assert c["ok"] and c["path"], (tool, dict(c))  # both sides of the race were seen
    assert snaps >= 5
    assert_no_canary_in_objects(tmp_path / "snapshots.git")


@pytest.mark.slow
def test_race_local_backend_fallback_resolver(tmp_path: Path) -> None:
    """The local backend (not isolated) with the per-component O_NOFOLLOW resolver."""
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed on the host to build the swapper")
    host = canary(tmp_path)
    before = fingerprint(host)
    ws = tmp_path / "ws"
    with open_sandbox("local", workspace=ws, outputs_dir=tmp_path / "out") as sb:
        sb.files.use_openat2 = False  # type: ignore[attr-defined]
        setup_race(sb, host, "gcc", nice=0)  # on a busy host, niced swappers barely run
        ctx = ToolContext(sandbox=sb, outputs_dir=tmp_path / "out", default_timeout=30)
        stats, leaks, _ = hammer(ToolBox([*TOOLS, "bash"]), ctx, 6, None)
    # (closing the local sandbox killed the swappers with its whole process group)
    report("race-local", **{t: json.loads(json.dumps(dict(c))) for t, c in stats.items()})
    assert not [x for x in leaks if not x.startswith("grep")], leaks[:5]
    assert fingerprint(host) == before, "the host folder was written"
    for tool, c in stats.items():
        if tool != "grep":
            # Some calls got through between swaps, or (a quiet machine, an un-niced swapper
            # faster than a tool's few opens: `notes` saw 16,052 refusals in 6 s) every call
            # was refused for the link in its path, and never failed any other way.
            assert c["calls"] >= 200 and (c["ok"] or c["path"] == c["calls"]), (tool, dict(c))
    assert sum(c["path"] for c in stats.values()) > 100  # the race was on
