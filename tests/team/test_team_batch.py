"""`agents` as a batch-matrix axis: one entry a single run, one a team; a re-run skips both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agent.batch import BatchOptions, expand, load_matrix, run_batch
from agent.batch.summary import summarize, write_compare_html
from agent.team.info import is_team_dir, read_team_info
from tests.team.conftest import PARTS, SCRIPT

pytestmark = pytest.mark.docker


def test_agents_is_a_matrix_axis(tmp_path: Path) -> None:
    matrix = tmp_path / "m.yaml"
    matrix.write_text(yaml.safe_dump({"scenarios": [str(PARTS)], "models": [f"script:{SCRIPT}"],
                                      "agents": [1, 2], "overrides": {"max_steps": 20}}))
    entries = expand(load_matrix(matrix), source=matrix)
    assert [e.agents for e in entries] == [1, 2]
    assert entries[1].run_id == entries[0].run_id + "__a2"
    opts = BatchOptions(matrix=matrix, logs=tmp_path / "logs", parallel=2)
    first = run_batch(opts, handle_signals=False)
    single, team = (first.batch_dir / e.run_id for e in entries)
    assert (single / "run.json").exists() and not is_team_dir(single)
    assert is_team_dir(team) and read_team_info(team).status == "finished"
    assert read_team_info(team).agents == ["a1", "a2"]
    index = json.loads((first.batch_dir / "batch.json").read_text())
    states = {e["run_id"]: e["state"] for e in index["entries"]}
    assert states == {entries[0].run_id: "finished", entries[1].run_id: "finished"}
    rows, dirs = summarize(first.batch_dir, first.index)
    assert [r.model for r in rows] == [f"script:{SCRIPT}", f"script:{SCRIPT} (team of 2)"]
    assert write_compare_html(first.batch_dir, dirs) is not None
    again = run_batch(opts, handle_signals=False)
    assert sorted(o.action for o in again.outcomes) == ["skip", "skip"]
