"""Every object written to snapshots.git counts against its cap (issue 20, finding 3).

60,000 files in one folder plus one new file per step add a ~1.5 MB tree (compressed) to the
store at every step, whatever the files hold. Trees and commits now count like blobs: near
the cap (90 %, or two more steps like the last would not fit) and at it, the run records a
``store_limit`` event and the agent reads a notice in its next tool result; a snapshot that
does not fit is not taken (recorded as such), and the store never grows past the cap.
``report`` says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.trajectory.snapshots import Snapshotter
from tests.security.conftest import bash, call, cli, events, make_scenario, write_script

MANY = ("python3 -c \"import os; os.makedirs('big', exist_ok=True); "
        "[open(f'big/f{i:05d}', 'w').write(str(i)) for i in range(60000)]\"")


def _store_bytes(git_dir: Path) -> int:
    return sum(f.stat().st_size for f in (git_dir / "objects").rglob("*") if f.is_file())


def test_trees_count_and_a_snapshot_that_does_not_fit_is_not_taken(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "big").mkdir(parents=True)
    for i in range(3000):
        (ws / "big" / f"f{i:05d}").write_text(str(i))
    cap = 1 << 20
    with Snapshotter(tmp_path / "s.git", ws, max_store=cap) as snap:
        assert snap.snapshot("first")
        taken = 0
        for k in range(40):  # each new file: one tiny blob and a ~100 KB folder listing
            (ws / "big" / f"new{k}").write_text("n")
            if snap.snapshot(f"step {k}") is None:
                break
            taken += 1
        assert snap.full and snap.store_level() == "full"
        assert "this snapshot was not taken" in snap.last_skipped[0].reason
        assert 0 < taken < 40
        assert _store_bytes(tmp_path / "s.git") <= cap


@pytest.mark.docker
def test_tree_growth_at_60k_files_is_counted_and_the_agent_told(tmp_path: Path) -> None:
    scen = make_scenario(tmp_path / "scen", grader=False, limits={"snapshot_store": "11m"})
    turns = [bash(MANY + " && ls big | wc -l")]
    turns += [bash(f"echo {k} > big/new{k}") for k in range(8)]
    turns += [call("finish", summary="done")]
    script = write_script(tmp_path / "s.json", turns)
    logs = tmp_path / "logs"
    cli("run", str(scen), "--model", f"script:{script}", "--logs", str(logs), "--run-id", "cap",
        timeout=900)
    run = logs / "cap"
    evs = events(run)
    limits = [e for e in evs if e["type"] == "store_limit"]
    assert [e["level"] for e in limits] == ["near", "full"], limits
    cap = 11 << 20
    assert all(e["cap"] == cap for e in limits)
    near, full = limits
    assert near["step"] < full["step"] and near["stored"] <= cap
    results = [e for e in evs if e["type"] == "tool_result"]
    told = [r for r in results if r["step"] == near["step"] + 1]
    assert told and "holds" in told[0]["output"] and "of its 11 MiB cap" in told[0]["output"]
    told = [r for r in results if r["step"] == full["step"] + 1]
    assert told and "holds its cap of 11 MiB" in told[0]["output"]
    missed = [e for e in evs if e["type"] == "snapshot" and e["step"] >= full["step"]]
    assert missed and all(not e["changed"] and "not taken" in e["skipped"][0]["reason"]
                          for e in missed)
    assert _store_bytes(run / "snapshots.git") <= cap
    out = cli("report", str(run)).stdout
    assert "snapshots.git full at step" in out.replace("\n", " ")
