"""`replay --execute`: re-run the recorded calls from the first snapshot; report divergence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agent.interchange import import_trajectory
from sandboxes.errors import UserError
from tests.replay.conftest import ROOT, make_run


def test_untouched_run_does_not_diverge_local(app: typer.Typer, recorded: Path) -> None:
    res = CliRunner().invoke(app, ["replay", str(recorded), "--execute", "--sandbox", "local"])
    assert res.exit_code == 0, res.output
    assert "re-executed 7 tool calls" in res.stdout and "no divergence" in res.stdout


@pytest.mark.docker
def test_untouched_run_does_not_diverge_docker(app: typer.Typer, recorded: Path) -> None:
    # Recorded on the local sandbox, re-run in a container: the same calls, the same results.
    res = CliRunner().invoke(app, ["replay", str(recorded), "--execute", "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["sandbox"] == "docker" and report["replayed"] == 7
    assert report["diverged"] == []


def test_edited_output_is_found(app: typer.Typer, run_copy: Path) -> None:
    path = run_copy / "events.jsonl"
    text = path.read_text()
    assert text.count('"output":"1 log.txt\\n[exit code 0]"') == 1
    path.write_text(text.replace('"output":"1 log.txt\\n[exit code 0]"',
                                 '"output":"7 log.txt\\n[exit code 0]"'))
    res = CliRunner().invoke(app, ["replay", str(run_copy), "--execute", "--sandbox", "local",
                                   "--json"])
    assert res.exit_code == 1, res.output
    report = json.loads(res.stdout)
    assert [(d["step"], d["call_id"], d["kinds"]) for d in report["diverged"]] == \
        [(2, "call_2", ["output"])]
    d = report["diverged"][0]
    assert (d["line"], d["recorded_line"], d["replayed_line"]) == (1, "7 log.txt", "1 log.txt")
    res = CliRunner().invoke(app, ["replay", str(run_copy), "--execute", "--sandbox", "local"])
    assert res.exit_code == 1 and "1 of 7 re-executed calls diverge" in res.stdout


def test_changed_environment_is_found(app: typer.Typer, tmp_path: Path) -> None:
    """A command whose result depends on a file outside the workspace, changed afterwards."""
    probe = tmp_path / "probe.txt"
    probe.write_text("hello\n")
    script = [{"content": "read", "tool_calls": [
                  {"name": "bash", "arguments": {"command": f"grep -q hello {probe}"}}]},
              {"content": "list", "tool_calls": [
                  {"name": "bash", "arguments": {"command": "ls"}}]},
              {"content": "done", "tool_calls": [
                  {"name": "finish", "arguments": {"summary": "ok"}}]}]
    run = make_run(tmp_path / "logs", "env", script)
    probe.write_text("goodbye\n")
    res = CliRunner().invoke(app, ["replay", str(run), "--execute", "--sandbox", "local",
                                   "--json"])
    assert res.exit_code == 1, res.output
    (d,) = json.loads(res.stdout)["diverged"]
    assert d["step"] == 1 and "exit_code" in d["kinds"]
    assert (d["recorded_exit"], d["replayed_exit"]) == (0, 1)


def test_imported_run_cannot_be_executed(app: typer.Typer, tmp_path: Path) -> None:
    run = import_trajectory("mini-swe-agent", ROOT / "tests/data/interchange/"
                            "mini-swe-agent.traj.json", tmp_path / "imp")
    res = CliRunner().invoke(app, ["replay", str(run), "--execute", "--sandbox", "local"])
    assert isinstance(res.exception, UserError) and "no snapshots.git" in str(res.exception)
