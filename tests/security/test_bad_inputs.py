"""Finding 4 of issue 10: bad input is a tool error inside a run, and exit 2 with a message
naming the flag, file or field outside one — never a traceback, never a path outside its
place. (The 100k-deep JSON import is tests/interchange/test_interchange_hostile.py.)"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from tests.security.conftest import bash, call, cli, make_scenario, tool_results, write_script


def _one_message(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def main_exit(*args: str) -> tuple[int, str]:
    """`ultrarun ARGS` in this process (quicker than a subprocess): exit code and stderr."""
    from agent.cli.main import main

    err = io.StringIO()
    argv = sys.argv
    sys.argv = ["ultrarun", *args]
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            main()
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    finally:
        sys.argv = argv
    return code, err.getvalue()


def test_nul_bytes_in_tool_paths_are_tool_errors_in_a_run(tmp_path: Path) -> None:
    scen = make_scenario(tmp_path / "scen", grader=False)
    script = write_script(tmp_path / "s.json", [
        call("read_file", path="a\x00b"), call("write_file", path="x\x00y", content="z"),
        call("list_dir", path="\x00"), call("read_log", path="l\x00g"),
        call("grep", pattern="x", path="a\x00"), bash("echo still-running")])
    cli("run", str(scen), "--model", f"script:{script}", "--sandbox", "local", "--logs",
        str(tmp_path / "logs"), "--run-id", "nul", "--quiet")
    results = tool_results(tmp_path / "logs" / "nul")
    assert [r["error_kind"] for r in results[:5]] == ["path"] * 5
    assert all("NUL byte" in r["output"] for r in results[:5])
    assert "still-running" in results[5]["output"]
    info = json.loads((tmp_path / "logs" / "nul" / "run.json").read_text())
    assert info["status"] == "finished" and info["end_reason"] == "script_exhausted"


@pytest.mark.parametrize("run_id", ["../../x", "a/b", "..", ".", "/abs", "tab\there",
                                    "[/bold]markup"])
def test_run_id_is_one_path_component(tmp_path: Path, run_id: str) -> None:
    logs = tmp_path / "deep" / "logs"
    code, err = main_exit("run", "tests/data/scenarios/tiny", "--model", "reference",
                          "--sandbox", "local", "--logs", str(logs), "--run-id", run_id)
    assert code == 2, err
    msg = _one_message(err)
    assert "--run-id" in msg and "one folder name" in msg, msg
    assert sorted(p.name for p in tmp_path.rglob("*")) == [], "something was created"


def test_fork_run_id_is_checked_too(tmp_path: Path) -> None:
    scen = make_scenario(tmp_path / "scen", grader=False)
    script = write_script(tmp_path / "s.json", [bash("echo a")])
    logs = tmp_path / "logs"
    cli("run", str(scen), "--model", f"script:{script}", "--sandbox", "local", "--logs",
        str(logs), "--run-id", "parent", "--quiet")
    code, err = main_exit("fork", str(logs / "parent"), "--at", "1", "--run-id", "../escaped")
    assert code == 2 and "--run-id" in _one_message(err)
    assert not (tmp_path / "escaped").exists()


def _scenario_error(tmp_path: Path, change: dict, link: tuple[str, str] | None = None) -> str:
    scen = make_scenario(tmp_path / "scen", grader=False)
    data = yaml.safe_load((scen / "scenario.yaml").read_text())
    for key, value in change.items():
        node = data
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    (scen / "scenario.yaml").write_text(yaml.safe_dump(data))
    if link:
        os.symlink(link[1], scen / link[0])
    code, err = main_exit("run", str(scen), "--model", "reference", "--sandbox", "local",
                          "--logs", str(tmp_path / "logs"))
    assert code == 2, err
    assert not (tmp_path / "logs").exists() or not any((tmp_path / "logs").iterdir())
    return _one_message(err)


@pytest.mark.parametrize("change,field", [
    ({"workspace": "/etc/"}, "workspace"),
    ({"prompt": "../../../../etc/hostname"}, "prompt"),
    ({"limits.cpus": 1e308}, "limits.cpus"),
    ({"limits.cpus": 0}, "limits.cpus"),
    ({"budgets.max_steps": -5}, "budgets.max_steps"),
    ({"budgets.max_cost": -1}, "budgets.max_cost"),
    ({"budgets.max_time": "-3h"}, "budgets.max_time"),
    ({"limits.disk": "lots"}, "limits.disk"),
    ({"limits.disk": "1k"}, "limits.disk"),
    ({"limits.memory": "1k"}, "limits.memory"),
    ({"limits.pids": 2}, "limits.pids"),
])
def test_bad_scenario_fields_exit_2_naming_the_field(tmp_path: Path, change: dict,
                                                    field: str) -> None:
    msg = _scenario_error(tmp_path, change)
    assert "scenario.yaml" in msg and f"`{field}`" in msg, msg


def test_infinite_grader_timeout_is_refused(tmp_path: Path) -> None:
    scen = make_scenario(tmp_path / "scen")
    text = (scen / "scenario.yaml").read_text().replace("timeout: 120", "timeout: .inf")
    (scen / "scenario.yaml").write_text(text)
    code, err = main_exit("run", str(scen), "--model", "reference", "--sandbox", "local",
                          "--logs", str(tmp_path / "logs"))
    assert code == 2 and "`grader.timeout`" in _one_message(err)


def test_scenario_paths_are_confined_with_symlinks_resolved(tmp_path: Path) -> None:
    msg = _scenario_error(tmp_path, {"workspace": "ws/"}, link=("ws", "/etc"))
    assert "`workspace`" in msg and "outside the scenario's folder" in msg, msg


def test_missing_snapshots_git_is_exit_2_for_grade(tmp_path: Path) -> None:
    scen = make_scenario(tmp_path / "scen")
    script = write_script(tmp_path / "s.json", [bash("echo a > a.txt")])
    logs = tmp_path / "logs"
    cli("run", str(scen), "--model", f"script:{script}", "--sandbox", "local", "--logs",
        str(logs), "--run-id", "r", "--quiet")
    shutil.rmtree(logs / "r" / "snapshots.git")
    code, err = main_exit("grade", str(logs / "r"), "--sandbox", "local")
    assert code == 2, err
    msg = _one_message(err)
    assert "snapshots.git" in msg and str(logs / "r") in msg, msg
