"""Local batches: 12 Docker runs with --parallel 4, an idempotent re-run, Ctrl-C and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agent.batch import BatchOptions, run_batch
from agent.cli.batch_cmd import batch
from tests.batch.helpers import (
    ROOT,
    TINY,
    WORD_COUNT,
    events,
    events_digest,
    max_overlap,
    write_matrix,
    write_script,
)

CLI = ("import sys, typer\nfrom agent.cli.batch_cmd import batch\n"
       "from sandboxes.errors import UserError\n"
       "try:\n    typer.run(batch)\nexcept UserError as e:\n"
       "    print('error:', e, file=sys.stderr); sys.exit(e.exit_code)\n")


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(batch)
    app.command("noop")(lambda: None)  # two commands: `batch` stays a named subcommand
    return app


@pytest.mark.docker
def test_twelve_docker_runs_then_rerun_does_nothing(tmp_path: Path, base_image: str) -> None:
    a = write_script(tmp_path / "a.yaml", 2, delay_s=0.3)
    b = write_script(tmp_path / "b.yaml", 3, delay_s=0.3, finish=False)
    matrix = write_matrix(tmp_path / "grid.yaml", scenarios=[str(TINY), str(WORD_COUNT)],
                          models=[a, b], seeds=[1, 2, 3], overrides={"eval_every": 0})
    logs = tmp_path / "logs"
    runner = CliRunner()
    r = runner.invoke(_app(), ["batch", str(matrix), "--parallel", "4", "--logs", str(logs),
                               "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout.strip().splitlines()[-1])
    bdir = logs / "grid"
    assert out["state"] == "finished" and out["totals"]["finished"] == 12
    index = json.loads((bdir / "batch.json").read_text())
    assert index["state"] == "finished" and len(index["entries"]) == 12
    assert (bdir / "compare.html").read_text().count("tiny__script-a__s") >= 3
    intervals = []
    for e in index["entries"]:
        run = bdir / e["run_dir"]
        info = json.loads((run / "run.json").read_text())
        assert info["sandbox"] == "docker" and info["status"] == "finished"
        assert e["grade"] == {"passed": info["grade"]["passed"], "total": info["grade"]["total"]}
        # More than one try only when the engine raced a start (see run_entry): same folder.
        assert e["attempts"] and e["attempts"][0]["action"] == "start"
        intervals += [(a["started_at"], a["ended_at"]) for a in e["attempts"]]
        assert sum(ev["type"] == "run_start" for ev in events(run)) == 1
    assert 2 <= max_overlap(intervals) <= 4  # --parallel 4 ran runs side by side
    groups = {(g["scenario"], g["model"]): g for g in out["groups"]}
    assert len(groups) == 4 and all(g["runs"] == 3 for g in groups.values())
    assert groups[("tiny", a)]["figures"]["score"]["mean"] == pytest.approx(0.2)

    before = events_digest(bdir)
    tries = [len(e["attempts"]) for e in index["entries"]]
    r = runner.invoke(_app(), ["batch", str(matrix), "--parallel", "4", "--logs", str(logs),
                               "--quiet"])
    assert r.exit_code == 0, r.output
    assert events_digest(bdir) == before and len(before) == 12
    index = json.loads((bdir / "batch.json").read_text())
    assert index["invocations"] == 2
    assert [len(e["attempts"]) for e in index["entries"]] == tries  # nothing was tried again


def test_ctrl_c_then_rerun_completes_without_duplicates(tmp_path: Path) -> None:
    turns = 6
    spec = write_script(tmp_path / "slow.yaml", turns, delay_s=0.4)
    matrix = write_matrix(tmp_path / "half.yaml", scenarios=[str(TINY)], models=[spec],
                          seeds=list(range(1, 9)),
                          overrides={"sandbox": "local", "eval_every": 0})
    logs = tmp_path / "logs"
    bdir = logs / "half"
    proc = subprocess.Popen([sys.executable, "-c", CLI, str(matrix), "--parallel", "4",
                             "--logs", str(logs), "--quiet"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # four runs are a couple of steps in
        started = [p for p in bdir.glob("*/events.jsonl") if p.read_text().count(
            '"type": "model_call"') + p.read_text().count('"type":"model_call"') >= 2]
        if len(started) >= 4:
            break
        time.sleep(0.1)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 10, err
    assert proc.returncode == 1, err
    index = json.loads((bdir / "batch.json").read_text())
    states = [e["state"] for e in index["entries"]]
    assert index["state"] == "interrupted", err
    assert states.count("interrupted") >= 4 and "pending" in states, states
    assert "running" not in states

    res = run_batch(BatchOptions(matrix=matrix, logs=logs, parallel=4), handle_signals=False)
    assert res.index.state == "finished"
    assert sorted(p.name for p in bdir.iterdir() if p.is_dir()) == \
        sorted(e.run_id for e in res.index.entries)  # one folder per entry, no duplicate
    resumed = 0
    for e in res.index.entries:
        evs = events(bdir / e.run_dir)  # seq contiguous across the two sessions
        assert sum(ev["type"] == "run_start" for ev in evs) == 1
        assert sum(ev["type"] == "model_call" for ev in evs) == turns + 1  # once each
        log = (bdir / e.run_dir / "workspace" / "log.txt").read_text().split()
        assert log == [str(i) for i in range(1, turns + 1)], log  # no call ran twice
        resumed += any(ev["type"] == "resume" for ev in evs)
        assert e.state == "finished" and e.end_reason == "finished"
    assert resumed >= 4


def test_max_sandboxes_caps_runs_in_flight_and_view_renders(tmp_path: Path) -> None:
    from rich.console import Console

    from agent.batch.view import BatchView

    spec = write_script(tmp_path / "s.yaml", 3, delay_s=0.3)
    matrix = write_matrix(tmp_path / "cap.yaml", scenarios=[str(TINY)], models=[spec],
                          seeds=[1, 2, 3, 4, 5], overrides={"sandbox": "local"})
    view = BatchView("test")
    frames: list[str] = []
    console = Console(record=True, width=120)

    def on_ready(rec: object) -> None:
        view.attach(rec)  # type: ignore[arg-type]
        console.print(view)

    res = run_batch(BatchOptions(matrix=matrix, logs=tmp_path / "logs", parallel=4,
                                 max_sandboxes=2, batch_id="capped"),
                    on_ready=on_ready, handle_signals=False)
    console.print(view)
    frames.append(console.export_text())
    assert res.index.state == "finished" and res.batch_dir.name == "capped"
    spans = [(a.started_at, a.ended_at or 0.0) for e in res.index.entries for a in e.attempts]
    assert max_overlap(spans) <= 2
    assert "5 runs: finished 5" in frames[0] and "tiny" in frames[0]
    assert all(e.grade and e.grade["total"] == 10 for e in res.index.entries)
