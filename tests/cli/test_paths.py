"""Every path a user types works relative or absolute, from any working directory, and a run
folder copied elsewhere still reports, replays, grades, forks and resumes.

Everything goes through the real `ultrarun` command line in subprocesses whose working
directory is not the repository (local sandbox: the Docker path is the README test's).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"


def ur(cwd: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    """``ultrarun ARGS`` run from ``cwd``; asserts its exit code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    r = subprocess.run([sys.executable, "-m", "agent.cli.main", *args], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == code, f"ultrarun {' '.join(args)} (in {cwd}) -> {r.returncode}\n" \
        f"{r.stdout}\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    return r


def report(cwd: Path, run: str) -> dict:
    """``ultrarun report RUN --json``: the run's summary."""
    return json.loads(ur(cwd, "report", run, "--json").stdout)["metrics"]["run"]


def script(path: Path, calls: int) -> None:
    turns = [{"tool_calls": [{"name": "bash", "arguments": {"command": f"echo {i} >> log.txt"}}]}
             for i in range(1, calls + 1)]
    turns.append({"tool_calls": [{"name": "finish", "arguments": {"summary": "done"}}]})
    path.write_text(yaml.safe_dump(turns))


def events(run_dir: Path) -> list[dict]:
    evs = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in evs] == list(range(len(evs)))
    return evs


def test_relative_paths_from_anywhere_and_a_moved_run_folder(tmp_path: Path) -> None:
    work, elsewhere, moved = tmp_path / "work", tmp_path / "elsewhere", tmp_path / "moved"
    for d in (work, elsewhere, moved):
        d.mkdir()
    shutil.copytree(TINY, work / "scen")
    script(work / "calls.yaml", 6)

    # A relative scenario folder, script file and --logs (the default form of each).
    ur(work, "run", "scen", "--model", "script:calls.yaml", "--sandbox", "local",
       "--logs", "out", "--run-id", "r1", "--max-steps", "3", "--quiet")
    run = work / "out" / "r1"
    info = json.loads((run / "run.json").read_text())
    assert (info["status"], info["end_reason"]) == ("finished", "max_steps")
    assert info["model"] == "script:calls.yaml"  # as typed; the resolved spec beside it
    assert info["options"]["model_spec"] == f"script:{work / 'calls.yaml'}"
    # Absolute only for what lies outside the run folder; nothing names the folder itself.
    assert str(run) not in (run / "run.json").read_text()

    # From another directory, by relative paths: read, grade, resume.
    rel = Path("..") / "work" / "out" / "r1"
    assert report(elsewhere, str(rel))["run_id"] == "r1"
    assert "echo 2 >> log.txt" in ur(elsewhere, "replay", str(rel), "--step", "2").stdout
    graded = json.loads(ur(elsewhere, "grade", str(rel), "--sandbox", "local", "--json").stdout)
    assert graded["passed"] == 3  # the tiny grader counts the lines of log.txt
    ur(elsewhere, "resume", str(rel), "--max-steps", "5", "--quiet")
    assert json.loads((run / "run.json").read_text())["end_reason"] == "max_steps"

    # The run folder moved away from where it was recorded (the original is gone).
    shutil.copytree(run, moved / "r1")
    shutil.rmtree(work / "out")
    ur(moved, "report", "r1", "--html", "r1.html")
    assert (moved / "r1.html").stat().st_size > 1000
    assert "echo 4 >> log.txt" in ur(moved, "replay", "r1", "--step", "4").stdout
    ur(moved, "fork", "r1", "--at", "2", "--run-id", "f1", "--max-steps", "4", "--quiet")
    assert json.loads((moved / "f1" / "run.json").read_text())["parent"]["run_dir"] == "r1"
    ur(moved, "resume", "r1", "--max-steps", "50", "--quiet")
    done = json.loads((moved / "r1" / "run.json").read_text())
    assert (done["status"], done["end_reason"]) == ("finished", "finished")
    assert (moved / "r1" / "workspace" / "log.txt").read_text().split() == \
        [str(i) for i in range(1, 7)]
    kinds = [e["type"] for e in events(moved / "r1")]
    assert kinds.count("resume") == 2 and kinds.count("run_start") == 1

    # The logs folder moved whole: the fork is still lined up with its sibling parent.
    shutil.move(str(moved), tmp_path / "moved-again")
    again = tmp_path / "moved-again"
    cmp = json.loads(ur(again, "compare", "r1", "f1", "--json").stdout)
    fork = next(r for r in cmp["runs"] if r["label"] == "f1")
    assert fork["offset"] == 2, cmp  # the parent's two tool calls before step 2

    # replay:RUN_DIR, relative, replays the moved run's turns in a new run.
    ur(again, "run", "../work/scen", "--model", "replay:r1", "--sandbox", "local",
       "--logs", ".", "--run-id", "rp", "--quiet")
    assert (again / "rp" / "workspace" / "log.txt").read_text() == \
        (again / "r1" / "workspace" / "log.txt").read_text()

    # Interchange: relative FILE and --out.
    ur(again, "export", "atif", "r1", "--out", "r1.atif.json")
    out = ur(again, "import", "atif", "r1.atif.json", "--out", "imported/r1")
    assert out.stdout.strip() == "imported/r1"
    assert report(again, "imported/r1")["tool_calls"] >= 6


def test_batch_matrix_relative_to_its_file_from_any_directory(tmp_path: Path) -> None:
    work, other = tmp_path / "work", tmp_path / "other"
    (work / "exp").mkdir(parents=True)
    other.mkdir()
    shutil.copytree(TINY, work / "exp" / "scen")
    script(work / "exp" / "calls.yaml", 2)
    # Paths in the matrix are relative to the matrix file, not to where `batch` runs.
    (work / "exp" / "grid.yaml").write_text(yaml.safe_dump({
        "scenarios": ["scen"], "models": ["script:calls.yaml"], "seeds": [1, 2],
        "overrides": {"sandbox": "local", "eval_every": 0}}))
    ur(work, "batch", "exp/grid.yaml", "--logs", "out", "--quiet")
    index = json.loads((work / "out" / "grid" / "batch.json").read_text())
    assert index["state"] == "finished" and len(index["entries"]) == 2
    # Run again from elsewhere with relative paths to the same files: nothing to do.
    before = {p: p.stat().st_mtime for p in (work / "out" / "grid").glob("*/events.jsonl")}
    r = ur(other, "batch", "../work/exp/grid.yaml", "--logs", "../work/out", "--json")
    assert json.loads(r.stdout.strip().splitlines()[-1])["state"] == "finished"
    assert {p: p.stat().st_mtime for p in before} == before
