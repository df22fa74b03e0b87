"""What an agent can make the host spend: a 5 GB sparse file, 200,000 files, a 300 MB output
flood, and disk fillers (one huge file, many files, the container's own layer, a background
writer). Each runs as a scripted agent through the CLI, with the peak RSS of the harness's
whole process tree sampled every 50 ms, and the host's free space watched."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.security.conftest import (
    bash,
    call,
    cli_sampled,
    events,
    free_bytes,
    make_scenario,
    report,
    tool_results,
    write_script,
)

# serial: run alone after the parallel part of `make test` (it measures disk, memory, output)
pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.serial]
RSS_LIMIT = 500 << 20
MiB = 1 << 20


def scripted_run(tmp_path: Path, name: str, turns: list[dict], **scenario: object
                 ) -> tuple[Path, int, subprocess.CompletedProcess[str]]:
    scen = make_scenario(tmp_path / f"scen-{name}", **scenario)  # type: ignore[arg-type]
    script = write_script(tmp_path / f"{name}.json", turns)
    logs = tmp_path / "logs"
    with cli_sampled("run", str(scen), "--model", f"script:{script}", "--logs", str(logs),
                     "--run-id", name, "--quiet", "--json") as (r, sampler):
        pass
    assert r.returncode == 0, r.stderr[-3000:]
    info = json.loads((logs / name / "run.json").read_text())
    assert info["status"] == "finished" and info["end_reason"] == "script_exhausted", info
    return logs / name, sampler.peak, r


def test_sparse_file_is_left_out_and_costs_nothing(tmp_path: Path, base_image: str) -> None:
    run_dir, peak, _ = scripted_run(
        tmp_path, "sparse",
        [bash("truncate -s 5G huge.sparse && echo x > small.txt && ls -ls"),
         call("read_file", path="huge.sparse"), call("read_log", path="huge.sparse"),
         bash("echo after")],
        limits={"disk": "8g"}, every=1)
    snaps = [e for e in events(run_dir) if e["type"] == "snapshot" and e.get("skipped")]
    assert snaps and snaps[-1]["skipped"][0]["path"] == "huge.sparse"
    assert "per-file cap" in snaps[-1]["skipped"][0]["reason"]
    results = tool_results(run_dir)
    assert results[1]["error_kind"] == "too_large" and results[2]["ok"]
    evals = [e for e in events(run_dir) if e["type"] == "evaluation"]
    assert evals and all(e.get("error") is None for e in evals)
    store = sum(p.stat().st_size for p in (run_dir / "snapshots.git").rglob("*") if p.is_file())
    report("sparse-5GB", peak_rss_mb=round(peak / MiB), snapshots_git_kb=store >> 10)
    assert peak < RSS_LIMIT, f"harness peak RSS {peak / MiB:.0f} MB"
    assert store < 5 * MiB


def test_200k_files(tmp_path: Path, base_image: str) -> None:
    run_dir, peak, _ = scripted_run(
        tmp_path, "many",
        [bash("python3 -c \"import os\nfor d in range(200):\n os.makedirs(f'many/{d}')\n"
              " for i in range(1000): open(f'many/{d}/{i}', 'w').close()\"; "
              "find many -type f | wc -l", timeout=900),
         bash("echo x >> many/7/7 && echo changed-one"),
         call("list_dir", path="many", depth=2)],
        limits={"disk": "4g"})
    ev = events(run_dir)
    results = [e for e in ev if e["type"] == "tool_result"]
    assert "200000" in results[0]["output"] and results[1]["ok"], results[0]["output"][-300:]
    assert "stopped at 500 entries" in results[2]["output"]
    snaps = [e for e in ev if e["type"] == "snapshot"]
    assert snaps[1]["changed"] and snaps[2]["changed"]
    final = [e for e in ev if e["type"] == "evaluation"]
    assert final and final[-1].get("error") is None and final[-1]["passed"] == 1
    tree = subprocess.run(["git", "--git-dir", str(run_dir / "snapshots.git"), "ls-tree",
                           "-r", "--name-only", "HEAD", "many/"], capture_output=True,
                          check=True).stdout.count(b"\n")
    report("200k-files", peak_rss_mb=round(peak / MiB), files_in_snapshot=tree)
    assert tree == 200_000
    assert peak < RSS_LIMIT, f"harness peak RSS {peak / MiB:.0f} MB"


def test_output_flood_is_capped(tmp_path: Path, base_image: str) -> None:
    run_dir, peak, _ = scripted_run(
        tmp_path, "flood",
        [bash("head -c 300000000 /dev/zero | tr '\\0' x; echo; echo END-OF-FLOOD", timeout=600),
         call("read_log", id="call_1", mode="tail", lines=2)])
    results = tool_results(run_dir)
    flood = results[0]
    assert flood["truncated"] and len(flood["output"]) < 20_000
    stored = run_dir / flood["output_ref"]
    size = stored.stat().st_size
    assert size <= 8 * MiB + 4096
    with open(stored, "rb") as f:
        f.seek(4 * MiB - 100)
        middle = f.read(300)
    assert b"bytes dropped here" in middle
    assert "END-OF-FLOOD" in results[1]["output"]  # the tail was kept
    outputs = sum(p.stat().st_size for p in (run_dir / "outputs").iterdir())
    report("flood-300MB", peak_rss_mb=round(peak / MiB), outputs_mb=round(outputs / MiB, 1))
    assert outputs <= 8 * MiB + 65536
    assert peak < RSS_LIMIT, f"harness peak RSS {peak / MiB:.0f} MB"


def _held(note: str) -> int:
    m = re.search(r"it holds ([\d.]+) (GiB|MiB)", note)
    assert m, note
    return int(float(m.group(1)) * (1 << 30 if m.group(2) == "GiB" else 1 << 20))


def test_disk_fillers_are_stopped_and_the_host_keeps_its_space(tmp_path: Path,
                                                               base_image: str) -> None:
    limit = 1 << 30
    start_free = free_bytes(tmp_path)
    low = [start_free]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            low[0] = min(low[0], free_bytes(tmp_path))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    dd = "dd if=/dev/zero bs=1M status=none"
    try:
        run_dir, peak, _ = scripted_run(tmp_path, "filler", [
            bash(f"{dd} count=3000 of=big; echo rc=$?", timeout=300),
            bash(f"rm -f big; for i in 1 2 3 4 5 6; do {dd} count=500 of=f$i || break; done;"
                 " echo rc=$?; echo kept=$(du -sm . | cut -f1)", timeout=300),
            bash("rm -f f*; du -sm . ; for i in 1 2 3 4 5 6; do "
                 f"{dd} count=500 of=/tmp/layer$i || break; done; echo rc=$?; "
                 "echo kept=$(du -smc /tmp/layer* | tail -1 | cut -f1)", timeout=300),
            bash("rm -f /tmp/layer*; nohup sh -c 'for i in 1 2 3 4 5 6; do "
                 f"{dd} count=500 of=bg$i; done' >/dev/null 2>&1 & echo $! > /tmp/bgpid; "
                 "echo started", timeout=60),
            # Waits until the writer is gone (killed by the guard, or done writing 3 GB):
            # a fixed sleep was too short when a loaded disk wrote slower than 50 MB/s.
            bash("p=$(cat /tmp/bgpid); for i in $(seq 240); do "
                 "grep -qs '^State:[[:space:]]*[RSDT]' /proc/$p/status || break; sleep 1; "
                 "done; du -sm .",
                 timeout=300),
            bash("rm -f bg*; du -sm ."),
            call("write_file", path="after.txt", content="still works\n"),
        ], limits={"disk": "1g"}, grader=False)
    finally:
        stop.set()
        watcher.join()
    out = [r["output"] for r in tool_results(run_dir)]
    notes = [r.get("note") or "" for r in tool_results(run_dir)]
    # 1: one file cannot pass the limit (RLIMIT_FSIZE): SIGXFSZ, exit 153, said in words
    assert "exit code 153" in notes[0] and "rc=153" in out[0], out[0]
    # 2, 3: many files, or the container's own layer: the watcher kills the writer
    held = []
    for i in (1, 2):
        assert "disk limit of 1 GiB" in notes[i] and "killed" in notes[i], (i, out[i])
        # What the guard saw, and what was left after the kill (when the shell itself was
        # killed too, nothing ran after it to say).
        kept = re.search(r"kept=(\d+)", out[i])
        held.append(max(_held(notes[i]), int(kept.group(1)) * MiB if kept else 0))
    # 4, 5: a background writer is stopped between tool calls; the note reaches the agent
    assert any("disk limit" in n for n in notes[3:5]), notes
    held += [_held(n) for n in notes[3:5] if "disk limit" in n]
    assert out[5].split()[0] in ("0", "1")  # `du -sm .` after cleaning up: nothing left
    assert tool_results(run_dir)[6]["ok"]
    overshoot = max(held) - limit
    drop = start_free - low[0]
    report("disk-filler", peak_rss_mb=round(peak / MiB), overshoot_mb=round(overshoot / MiB),
           held_mb=[round(h / MiB) for h in held], host_free_drop_mb=round(drop / MiB),
           attempted_mb=4 * 3000)
    # Overshoot is the writer's speed times (a poll + a walk + the Docker API's answer for
    # the container's layer): ~0-200 MiB on a quiet machine, up to ~1.6 GiB seen on a machine
    # with a load average of 15. The attack tried to write 12 GB.
    assert overshoot < 2 * limit, f"overshoot {overshoot / MiB:.0f} MiB"
    # The host lost at most the limit plus the overshoot (plus whatever the machine's other
    # users wrote meanwhile, hence the margin).
    assert drop < 4 * limit, f"the host lost {drop / MiB:.0f} MiB of free space"
    assert peak < RSS_LIMIT, f"harness peak RSS {peak / MiB:.0f} MB"
    assert os.path.exists(run_dir / "workspace" / "after.txt")
