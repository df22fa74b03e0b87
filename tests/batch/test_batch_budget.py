"""A budget for a whole batch (--max-cost, --max-tokens-total): runs stop as the pool is
spent, no other starts, a re-run with a larger budget resumes the stopped ones; what earlier
invocations spent counts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.batch import BatchOptions, run_batch
from tests.batch.helpers import ROOT, TINY, events, write_matrix

MODEL = f"py:{Path(__file__).parent / 'priced_model.py'}:PricedModel"  # $0.10 a turn, 6 turns
CLI = "import sys; from agent.cli.main import main; sys.argv = ['ultrarun', 'batch', " \
      "*sys.argv[1:]]; main()"


def _matrix(tmp_path: Path, seeds: int) -> Path:
    return write_matrix(tmp_path / "pool.yaml", scenarios=[str(TINY)], models=[MODEL],
                        seeds=list(range(1, seeds + 1)),
                        overrides={"sandbox": "local", "eval_every": 0})


def _calls(run_dir: Path) -> int:
    return sum(e["type"] == "model_call" for e in events(run_dir))


def test_max_cost_stops_the_matrix_and_a_larger_budget_resumes_it(tmp_path: Path) -> None:
    matrix, logs = _matrix(tmp_path, 3), tmp_path / "logs"
    out = subprocess.run([sys.executable, "-c", CLI, str(matrix), "--parallel", "1",
                          "--max-cost", "1.0", "--logs", str(logs), "--quiet"], cwd=ROOT,
                         capture_output=True, text=True, env=os.environ, timeout=300)
    assert out.returncode == 1, out.stderr
    assert "budget: $1.0000 of $1.00 spent" in out.stdout, out.stdout
    bdir = logs / "pool"
    index = json.loads((bdir / "batch.json").read_text())
    assert index["state"] == "budget_spent"
    first, second, third = index["entries"]
    # One at a time: $0.60 for the first run, the second stops when the pool reaches $1.00
    # (its 4th call), the third never starts.
    assert (first["state"], first["end_reason"]) == ("finished", "finished")
    assert (second["state"], second["end_reason"]) == ("interrupted", "shared_budget")
    assert third["state"] == "pending" and not (bdir / third["run_dir"]).exists()
    assert (_calls(bdir / first["run_dir"]), _calls(bdir / second["run_dir"])) == (6, 4)
    assert index["budget"]["cost"] == pytest.approx(1.0)
    # The same budget again: what the runs recorded counts, nothing starts.
    again = run_batch(BatchOptions(matrix=matrix, logs=logs, parallel=1, max_cost=1.0),
                      handle_signals=False)
    assert again.index.state == "budget_spent" and _calls(bdir / second["run_dir"]) == 4
    # A larger one: the stopped run resumes (one trajectory), the last one runs.
    more = run_batch(BatchOptions(matrix=matrix, logs=logs, parallel=1, max_cost=2.0),
                     handle_signals=False)
    assert more.index.state == "finished"
    assert [e.end_reason for e in more.index.entries] == ["finished"] * 3
    assert _calls(bdir / second["run_dir"]) == 6
    assert sum(ev["type"] == "resume" for ev in events(bdir / second["run_dir"])) == 1
    assert more.index.budget is not None and more.index.budget["cost"] == pytest.approx(1.8)


def test_max_tokens_total_across_parallel_runs(tmp_path: Path) -> None:
    matrix, logs = _matrix(tmp_path, 4), tmp_path / "logs"
    res = run_batch(BatchOptions(matrix=matrix, logs=logs, parallel=2,
                                 max_tokens_total=10_000), handle_signals=False)
    assert res.index.state == "budget_spent"
    calls = sum(_calls(logs / "pool" / e.run_dir) for e in res.index.entries
                if (logs / "pool" / e.run_dir).exists())
    # 1,100 tokens a call: the pool is spent at the 10th call; a run already asking may
    # make one more (charges land after each call), never more than one per run in flight.
    assert 10 <= calls <= 11
    assert res.index.budget is not None and res.index.budget["tokens"] == calls * 1100
    assert "pending" in [e.state for e in res.index.entries]
