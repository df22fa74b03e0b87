"""The defences one by one, without Docker: both path resolvers, the disk guard, the output
caps, the snapshot store cap, and change detection that a faked mtime cannot fool."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import RunInfo
from agent.trajectory.snapshots import Snapshotter
from sandboxes import PathOutsideWorkspace, open_sandbox
from sandboxes.capture import OutputCapture
from sandboxes.disk import DiskLimitExceeded, parse_size
from sandboxes.fsafe import HAVE_OPENAT2, LinkRefused, NotRegular, WorkspaceDir

RESOLVERS = [True, False] if HAVE_OPENAT2 else [False]


def test_openat2_is_used_on_this_kernel() -> None:
    assert HAVE_OPENAT2, "openat2 missing: only the per-component resolver is in use"


@pytest.mark.parametrize("openat2", RESOLVERS)
def test_resolvers_refuse_links_and_escapes(tmp_path: Path, openat2: bool) -> None:
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    (ws / "sub" / "f").write_text("in\n")
    (tmp_path / "outside").write_text("out\n")
    os.symlink("/", ws / "root")
    os.symlink("sub", ws / "inner")
    os.symlink("../outside", ws / "up")
    os.mkfifo(ws / "fifo")
    with WorkspaceDir(ws, use_openat2=openat2) as d:
        assert d.read_bytes("sub/f") == b"in\n"
        assert d.read_bytes("/workspace/sub/./f") == b"in\n"
        assert d.read_bytes("sub/../sub/f") == b"in\n"
        for bad in ("../outside", "/etc/passwd", "sub/../../outside"):
            with pytest.raises(PathOutsideWorkspace):
                d.read_bytes(bad)
        for link in ("root/etc/passwd", "inner/f", "up"):
            with pytest.raises(LinkRefused):
                d.read_bytes(link)
            with pytest.raises(PathOutsideWorkspace):
                d.write_bytes(link, b"x")
        with pytest.raises(LinkRefused):
            d.write_bytes("root/tmp/planted", b"x")
        with pytest.raises(NotRegular):
            d.read_bytes("fifo")
        d.write_bytes("new/dir/file", b"made")
    assert (tmp_path / "outside").read_text() == "out\n"
    assert (ws / "new" / "dir" / "file").read_bytes() == b"made"
    assert not os.path.exists("/tmp/planted")


def test_disk_guard_stops_a_writer_on_the_local_backend(tmp_path: Path) -> None:
    with open_sandbox("local", workspace=tmp_path / "ws", outputs_dir=tmp_path / "out",
                      disk="20m", disk_poll_s=0.05) as sb:
        one = sb.exec("head -c 30000000 /dev/zero > big; echo rc=$?")
        assert "rc=153" in one.output and one.note and "exit code 153" in one.note
        # A writer that goes on after its first kill (a loop in the shell itself): only the
        # second, hard kill stops it. Enough rounds that a guard starved by a loaded machine
        # still sees it go on (6 rounds were not: the first kill could land on the last one).
        r = sb.exec("rm -f big; for i in $(seq 40); do head -c 8000000 /dev/zero > f$i;"
                    " sleep 0.3; done; echo finished", timeout=60)
        assert r.note and "disk limit of 20 MiB" in r.note, (r.output, r.note)
        assert "finished" not in r.output
        with pytest.raises(DiskLimitExceeded):
            sb.write_file("more.bin", b"x" * 8_000_000)
        # (the shell itself may have been killed and replaced just now: cleaning up may need
        # a second go on a loaded machine)
        assert any(sb.exec("rm -f f*; echo ok").output == "ok\n" for _ in range(3))
        sb.write_file("more.bin", b"x" * 8_000_000)  # back under the limit: allowed


def test_output_capture_keeps_head_and_tail_per_call(tmp_path: Path) -> None:
    cap = OutputCapture(tmp_path, spill_head=1 << 20, spill_tail=1 << 20)
    chunk = b"0123456789abcdef" * 4096
    cap.feed(b"HEAD-MARK")
    for _ in range(300):  # ~20 MB
        cap.feed(chunk)
    cap.feed(b"TAIL-MARK")
    shown, spill = cap.finish()
    assert spill is not None and shown.startswith(b"HEAD-MARK") and shown.endswith(b"TAIL-MARK")
    data = spill.read_bytes()
    assert len(data) < (2 << 20) + 300 and data.startswith(b"HEAD-MARK")
    assert data.endswith(b"TAIL-MARK") and b"bytes dropped here" in data
    dropped = int(data.split(b"[... ")[1].split(b" ")[0])
    assert dropped == cap.total - (2 << 20)


def test_outputs_folder_is_capped_per_run(tmp_path: Path) -> None:
    rec = Recorder(tmp_path, RunInfo(run_id="r", scenario="s", model="m"),
                   outputs_cap=1 << 20)
    for i in range(4):
        rec.store_output(f"c{i}", None, f"start{i}" + "x" * 600_000 + f"end{i}")
    sizes = [(tmp_path / "outputs" / f"c{i}.log").stat().st_size for i in range(4)]
    assert sizes[0] > 600_000 and sizes[2] <= 70_000 and sizes[3] <= 70_000
    assert sum(sizes) <= (1 << 20) + 2 * 65536 + 600_000
    last = (tmp_path / "outputs" / "c3.log").read_text()
    assert last.startswith("start3") and last.endswith("end3") and "reached its cap" in last
    rec.close()


def test_snapshot_store_cap_is_recorded(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    for i in range(6):
        (ws / f"r{i}.bin").write_bytes(os.urandom(60_000))
    snap = Snapshotter(tmp_path / "s.git", ws, max_store=200_000, max_file=100_000)
    (ws / "huge.bin").write_bytes(b"\0" * 150_000)
    assert snap.snapshot("capped")
    reasons = {s.path: s.reason for s in snap.last_skipped}
    assert "per-file cap" in reasons["huge.bin"]
    assert any("holds its cap" in r for r in reasons.values())
    assert snap.stored <= 200_000 + 10_000


def test_a_faked_mtime_does_not_hide_a_change(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    f = ws / "a.c"
    f.write_text("int a = 1;\n")
    old = f.stat()
    time.sleep(0.2)  # past the racy window: the next snapshot trusts its cache
    snap = Snapshotter(tmp_path / "s.git", ws)
    assert snap.snapshot("one")
    time.sleep(0.2)
    assert snap.snapshot("same") is None
    f.write_text("int a = 2;\n")  # same size, and the mtime put back
    os.utime(f, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert snap.snapshot("changed"), "a change with a faked mtime went unrecorded"


def test_parse_size() -> None:
    assert parse_size("4g") == 4 << 30 and parse_size("512M") == 512 << 20
    assert parse_size("1.5GiB") == 3 << 29 and parse_size(1024) == 1024
    for bad in ("lots", "-1g", "4x", True):
        with pytest.raises(ValueError):
            parse_size(bad)  # type: ignore[arg-type]
