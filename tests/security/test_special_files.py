"""What an agent can plant besides symlinks: FIFOs, sockets, device nodes, hardlinks, names with
newlines or invalid UTF-8, NUL bytes and huge files. Each is a clear tool error or is handled
as data; none blocks, crashes or reaches outside the workspace."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.models.base import ToolCall
from agent.tools.base import ToolContext
from agent.tools.toolbox import Shown, ToolBox
from agent.trajectory.snapshots import Snapshotter
from sandboxes import Sandbox, open_sandbox

TOOLS = ["bash", "read_file", "write_file", "edit_file", "list_dir", "grep", "read_log",
         "notes"]
BOX = ToolBox(TOOLS)


def run(ctx: ToolContext, name: str, **args: object) -> Shown:
    return BOX.dispatch(ToolCall(id=f"t{time.monotonic_ns()}", name=name, arguments=args,
                                 raw_arguments=json.dumps(args, default=str)), ctx)


@pytest.fixture
def dctx(base_image: str, tmp_path: Path) -> Iterator[ToolContext]:
    with open_sandbox("docker", image=base_image, workspace=tmp_path / "ws", cpus=1,
                      memory="512m", pids=128, outputs_dir=tmp_path / "out") as sb:
        yield ToolContext(sandbox=sb, outputs_dir=tmp_path / "out", default_timeout=30)


@pytest.mark.docker
def test_fifo_socket_device_are_tool_errors_not_hangs(dctx: ToolContext, tmp_path: Path) -> None:
    sb: Sandbox = dctx.sandbox
    r = sb.exec("mkfifo pipe && python3 -c \"import socket; socket.socket(socket.AF_UNIX)"
                ".bind('sock')\" && ls -l")
    assert r.exit_code == 0, r.output
    # Agents cannot make device nodes (no CAP_MKNOD); the host, as root, plants one to check
    # the tools would refuse it anyway.
    assert sb.exec("mknod dev c 1 5").exit_code != 0
    if os.geteuid() == 0:
        os.mknod(tmp_path / "ws" / "dev", stat.S_IFCHR | 0o666, os.makedev(1, 5))
        specials = ["pipe", "sock", "dev"]
    else:
        with pytest.raises(PermissionError):
            os.mknod(tmp_path / "devtry", stat.S_IFCHR | 0o666, os.makedev(1, 5))
        specials = ["pipe", "sock"]
    for name in specials:
        for tool, args in [("read_file", {"path": name}), ("read_log", {"path": name}),
                           ("edit_file", {"path": name, "old": "a", "new": "b"}),
                           ("write_file", {"path": name, "content": "x"})]:
            t0 = time.monotonic()
            shown = run(dctx, tool, **args)
            assert time.monotonic() - t0 < 5, f"{tool} on {name} blocked"
            assert not shown.output.ok and shown.output.error_kind == "special_file", \
                (tool, name, shown.display)
            assert "not a regular file" in shown.display
    assert stat.S_ISFIFO(os.lstat(tmp_path / "ws" / "pipe").st_mode)  # left as it was
    listing = run(dctx, "list_dir").display
    assert "pipe" in listing and "sock" in listing
    snap = Snapshotter(tmp_path / "snap.git", tmp_path / "ws")
    assert snap.snapshot("s")
    assert {s.path for s in snap.last_skipped} >= set(specials)
    assert all(s.reason.startswith("a ") for s in snap.last_skipped)


@pytest.mark.docker
def test_hardlinks_cannot_cross_the_bind_mount(dctx: ToolContext, tmp_path: Path) -> None:
    r = dctx.sandbox.exec("ln /etc/hostname hl 2>&1; echo rc=$?")
    assert "rc=0" not in r.output and "cross-device" in r.output.lower(), r.output


def test_local_writes_and_restore_never_write_through_a_hardlink(tmp_path: Path) -> None:
    """The local backend is not isolated, but its file tools and restores replace a file
    that has another link instead of writing into the shared inode."""
    outside = tmp_path / "outside.txt"
    outside.write_text("host file\n")
    ws = tmp_path / "ws"
    with open_sandbox("local", workspace=ws, outputs_dir=tmp_path / "out") as sb:
        ctx = ToolContext(sandbox=sb, outputs_dir=tmp_path / "out")
        snap = Snapshotter(tmp_path / "snap.git", ws)
        sb.write_file("hl", b"workspace version\n")
        first = snap.snapshot("one")
        assert first
        (ws / "hl").unlink()
        assert sb.exec(f"ln {outside} hl && ln {outside} hl2").exit_code == 0
        assert run(ctx, "write_file", path="hl", content="written\n").output.ok
        assert run(ctx, "edit_file", path="hl2", old="host", new="edited").output.ok
        assert outside.read_text() == "host file\n"
        assert (ws / "hl").read_text() == "written\n"
        assert (ws / "hl2").read_text() == "edited file\n"
        assert os.stat(ws / "hl").st_nlink == 1
        assert sb.exec(f"rm hl hl2 && ln {outside} hl").exit_code == 0
        snap.restore(first)
        assert outside.read_text() == "host file\n"
        assert (ws / "hl").read_text() == "workspace version\n"


@pytest.mark.docker
def test_odd_names_round_trip_and_list_safely(dctx: ToolContext, tmp_path: Path) -> None:
    sb = dctx.sandbox
    r = sb.exec("printf 'nl\\n' > $'nl\\nfake_entry'; printf 'bad\\n' > $'bad\\xff\\xfe';"
                " printf 'esc\\n' > $'esc\\x1b[2J'; mkdir -p $'d\\nx' && printf k > $'d\\nx/k'")
    assert r.exit_code == 0, r.output
    listing = run(dctx, "list_dir").display
    lines = listing.splitlines()
    assert "fake_entry" not in lines and not any(ln.strip() == "fake_entry" for ln in lines)
    assert "nl\\nfake_entry" in listing and "\x1b" not in listing
    assert any("bad" in ln for ln in lines)
    ws = tmp_path / "ws"
    snap = Snapshotter(tmp_path / "snap.git", ws)
    commit = snap.snapshot("odd")
    assert commit and not snap.last_skipped
    names = subprocess.run(["git", "--git-dir", str(tmp_path / "snap.git"), "ls-tree", "-r",
                            "-z", "--name-only", commit], capture_output=True,
                           check=True).stdout.split(b"\0")
    assert {b"nl\nfake_entry", b"bad\xff\xfe", b"esc\x1b[2J", b"d\nx/k"} <= set(names)
    out = tmp_path / "exported"
    snap.export(commit, out)
    assert (out / os.fsdecode(b"bad\xff\xfe")).read_bytes() == b"bad\n"
    assert (out / "nl\nfake_entry").read_bytes() == b"nl\n"
    assert (out / "d\nx" / "k").read_bytes() == b"k"


@pytest.mark.docker
def test_nul_bytes_and_non_text_paths_are_tool_errors(dctx: ToolContext) -> None:
    for tool, args in [("read_file", {"path": "a\x00b"}),
                       ("write_file", {"path": "x\x00/../../etc/passwd", "content": "x"}),
                       ("edit_file", {"path": "\x00", "old": "a", "new": "b"}),
                       ("list_dir", {"path": "a\x00"}), ("grep", {"pattern": "x",
                                                                  "path": "\x00"}),
                       ("read_log", {"path": "log\x00"}),
                       ("read_file", {"path": "\ud800lone-surrogate"})]:
        shown = run(dctx, tool, **args)
        assert not shown.output.ok and shown.output.error_kind == "path", (tool, shown.display)
    assert run(dctx, "bash", command="echo alive").output.ok


@pytest.mark.docker
def test_links_inside_the_workspace_are_named_not_followed(dctx: ToolContext) -> None:
    sb = dctx.sandbox
    sb.exec("mkdir -p src && echo 'int x;' > src/a.c && ln -s src lnk && ln -s src/a.c f.c")
    for path in ("lnk/a.c", "f.c"):
        shown = run(dctx, "read_file", path=path)
        assert shown.output.error_kind == "path" and "symlink" in shown.display, shown.display
    assert "lnk is a symlink (to 'src')" in run(dctx, "read_file", path="lnk/a.c").display
    assert run(dctx, "read_file", path="src/a.c").output.ok
    assert run(dctx, "list_dir").display.splitlines()[:2] == ["f.c@", "lnk@"]


@pytest.mark.docker
def test_size_bounds(dctx: ToolContext) -> None:
    sb = dctx.sandbox
    sb.exec("head -c 20000000 /dev/zero > big.bin; head -c 100000000 /dev/zero | tr '\\0' x"
            " > oneline.log; truncate -s 3G sparse")
    big = run(dctx, "read_file", path="big.bin")
    assert big.output.error_kind == "too_large" and "19.1 MiB" in big.display
    assert run(dctx, "edit_file", path="big.bin", old="a", new="b").output.error_kind \
        == "too_large"
    huge = run(dctx, "write_file", path="w.txt", content="y" * (17 << 20))
    assert huge.output.error_kind == "too_large"
    t0 = time.monotonic()
    tail = run(dctx, "read_log", path="oneline.log", mode="tail", lines=5)
    assert tail.output.ok and len(tail.display) < 30_000 and time.monotonic() - t0 < 10
    head = run(dctx, "read_log", path="oneline.log", mode="head", lines=5)
    assert head.output.ok and "line cut" in head.display and len(head.display) < 30_000
    assert run(dctx, "read_log", path="sparse", mode="tail", lines=3).output.ok
    assert run(dctx, "read_file", path="sparse").output.error_kind == "too_large"
