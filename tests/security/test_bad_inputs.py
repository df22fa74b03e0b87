"""Finding 4 of issues 10 and 20: bad input is a tool error inside a run, and exit 2 with a
message naming the flag, file or field outside one — never a traceback, never a path outside
its place, never a file in the current folder. (The 100k-deep JSON import is
tests/interchange/test_interchange_hostile.py.)"""

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

from tests.security.conftest import (
    ROOT,
    bash,
    call,
    cli,
    make_scenario,
    tool_results,
    write_script,
)


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
    ({"budgets.max_steps": 99999999999999999999999999}, "budgets.max_steps"),
    ({"budgets.max_steps": True}, "budgets.max_steps"),
    ({"budgets.max_steps": 5.0}, "budgets.max_steps"),
    ({"budgets.max_format_errors": "7"}, "budgets.max_format_errors"),
    ({"budgets.max_cost": True}, "budgets.max_cost"),
    ({"limits.pids": True}, "limits.pids"),
    ({"limits.cpus": True}, "limits.cpus"),
    ({"limits.snapshot_store": "1k"}, "limits.snapshot_store"),
    ({"grader.every": True}, "grader.every"),
    ({"grader.timeout": True}, "grader.timeout"),
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


def test_huge_counts_on_the_command_line_exit_2(tmp_path: Path) -> None:
    for flag in ("--max-steps", "--eval-every", "--max-tokens", "--seed"):
        code, err = main_exit("run", "tests/data/scenarios/tiny", "--model", "reference",
                              "--sandbox", "local", "--logs", str(tmp_path / "logs"), flag,
                              "99999999999999999999999999")
        assert code == 2 and _one_message(err).startswith(f"error: {flag}:"), err
    assert not (tmp_path / "logs").exists()


def test_a_run_id_too_long_in_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, err = main_exit("run", str(ROOT / "tests/data/scenarios/tiny"), "--model",
                          "reference", "--sandbox", "local", "--logs", str(tmp_path / "l"),
                          "--run-id", "é" * 150)  # 150 characters, 300 bytes
    assert code == 2 and "--run-id" in _one_message(err) and "bytes" in err, err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["file", "under-file"])
def test_logs_naming_a_file_exits_2(where: str, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    logs = tmp_path / "afile" if where == "file" else tmp_path / "afile" / "sub"
    script = write_script(tmp_path / "s.json", [bash("echo a")])
    code, err = main_exit("run", str(ROOT / "tests/data/scenarios/tiny"), "--model",
                          f"script:{script}", "--sandbox", "local", "--logs", str(logs))
    assert code == 2, err
    msg = _one_message(err)
    assert msg.startswith("error: --logs:") and "is a file, not a folder" in msg, msg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "s.json"]


def test_internal_error_details_go_to_logs_not_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.runner

    def bug(*_a: object, **_k: object) -> None:
        raise KeyError("a bug of ours")

    monkeypatch.setattr(agent.runner, "execute_run", bug)
    monkeypatch.chdir(tmp_path / "..")
    cwd = Path.cwd()
    before = sorted(p.name for p in cwd.iterdir())
    logs = tmp_path / "elsewhere"
    code, err = main_exit("run", str(ROOT / "tests/data/scenarios/tiny"), "--model",
                          "reference", "--sandbox", "local", "--logs", str(logs), "--quiet")
    assert code == 1 and "internal error: KeyError" in _one_message(err), err
    assert "a bug of ours" in (logs / "error.log").read_text()
    assert sorted(p.name for p in cwd.iterdir()) == before  # no logs/ made here


def _nested_line(run: Path, depth: int = 100_000) -> None:
    lines = (run / "events.jsonl").read_text().splitlines(True)
    lines.insert(3, '{"seq": 3, "t": 0, "type": "message", "step": 1, "role": "user", '
                    '"content": ' + "[" * depth + "]" * depth + "}\n")
    (run / "events.jsonl").write_text("".join(lines))


def test_an_events_line_nested_100k_deep(tmp_path: Path) -> None:
    """Shown with a warning naming the line by report and replay; refused (exit 2, naming the
    line) by what would build on the history: export, grade, resume."""
    scen = make_scenario(tmp_path / "scen")
    script = write_script(tmp_path / "s.json", [bash("echo a > a.txt"), bash("echo b")])
    logs = tmp_path / "logs"
    cli("run", str(scen), "--model", f"script:{script}", "--sandbox", "local", "--logs",
        str(logs), "--run-id", "r", "--quiet", "--max-steps", "1")
    run = logs / "r"
    _nested_line(run)
    where = f"{run}/events.jsonl:4"
    for cmd in (["report", str(run)], ["replay", str(run)]):
        r = cli(*cmd)
        assert f"{where}: unreadable event skipped (JSON nested too deeply" in r.stderr
    for cmd in (["export", "atif", str(run), "--out", str(tmp_path / "x.json")],
                ["grade", str(run), "--sandbox", "local"], ["resume", str(run), "--quiet"]):
        r = cli(*cmd, check=2)
        msg = _one_message(r.stderr)
        assert where in msg and "nested too deeply" in msg and "needs every event" in msg
    assert not (tmp_path / "x.json").exists()
