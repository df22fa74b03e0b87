"""`replay --follow`: steps of a live run as they land; stops at run_end once unlocked."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from agent.replay import follow as fl
from agent.runner import run_lock
from agent.trajectory.reader import writer_alive
from tests.replay.conftest import ROOT, TINY


def test_follow_a_live_run(tmp_path: Path) -> None:
    script = [{"content": f"turn {i}", "tool_calls": [
        {"name": "bash", "arguments": {"command": f"sleep 0.4; echo {i} >> log.txt"}}]}
        for i in range(1, 5)]
    script.append({"content": "done", "tool_calls": [
        {"name": "finish", "arguments": {"summary": "ok"}}]})
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(script))
    logs = tmp_path / "logs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli.main", "run", str(TINY), "--model",
         f"script:{tmp_path / 's.yaml'}", "--sandbox", "local", "--logs", str(logs),
         "--run-id", "live"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    run_dir = logs / "live"
    try:
        deadline = time.monotonic() + 30
        while not (run_dir / "events.jsonl").exists():
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
            time.sleep(0.05)
        lines: list[tuple[float, str]] = []
        why = fl.follow(run_dir, lambda s: lines.append((time.monotonic(), s)), lines.append,
                        poll_s=0.1)
    finally:
        proc.wait(timeout=60)
    assert why == "ended"
    text = [s for _, s in lines]
    steps = [s for s in text if s.lstrip()[:1].isdigit()]
    assert [int(s.split()[0]) for s in steps] == [1, 2, 3, 4, 5]
    assert "turn 1" in steps[0] and "finish" in steps[4]
    assert text[-1].startswith("run ended: finished")
    # Steps arrived one by one while the run went on, not all at the end.
    times = [t for t, s in lines if s in steps]
    assert times[3] - times[0] > 0.6


def test_follow_waits_for_the_lock_then_stops(recorded: Path, tmp_path: Path) -> None:
    import shutil
    import threading

    run = tmp_path / "r"
    shutil.copytree(recorded, run)
    lines: list[str] = []
    released = threading.Event()
    held = threading.Event()

    def hold() -> None:
        with run_lock(run):
            held.set()
            time.sleep(0.6)
        released.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    assert writer_alive(run)
    # A process holding the lock is another process for flock only across open files;
    # the thread's lock is on its own file description, so this is a fair stand-in.
    why = fl.follow(run, lines.append, lines.append, poll_s=0.05)
    holder.join()
    assert why == "ended" and released.is_set()
    assert lines[-1].startswith("run ended") and not writer_alive(run)


def test_follow_a_dead_run_stops(recorded: Path, tmp_path: Path) -> None:
    import shutil

    run = tmp_path / "dead"
    shutil.copytree(recorded, run)
    body = (run / "events.jsonl").read_text().splitlines(keepends=True)
    (run / "events.jsonl").write_text("".join(line for line in body if '"run_end"' not in line))
    lines: list[str] = []
    assert fl.follow(run, lines.append, lines.append, poll_s=0.01, idle_polls=3) == "abandoned"
    assert "crashed or interrupted" in lines[-1]
    assert os.path.exists(run / ".lock")
