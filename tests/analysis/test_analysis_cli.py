"""`report` and `compare` through typer, on a local app (main.py registers them for real)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agent.cli import report_cmd
from sandboxes.errors import UserError
from tests.analysis.synth import RunBuilder


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("report")(report_cmd.report)
    app.command("compare")(report_cmd.compare)
    return app


def _torn_run(path: Path) -> Path:
    b = RunBuilder(path, run_id="torn")
    b.filler(3)
    b.raw("this is not json")  # a garbage line in the middle
    b.filler(2)
    b.evaluate({"a": "pass"})
    return b.write(end=False, torn='{"seq": 99, "t": 1.0, "ty')


def test_report_terminal_and_json(app: typer.Typer, planted: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["report", str(planted)])
    assert res.exit_code == 0, res.output
    assert "longest identical run" in res.stdout
    res = runner.invoke(app, ["report", str(planted), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["metrics"]["errors"]["longest_streak"] == 7
    html = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(planted), "--json", "--html", str(html)])
    assert res.exit_code == 0 and html.read_text().startswith("<!DOCTYPE html>")
    assert json.loads(res.stdout)["metrics"]["run"]["run_id"] == "planted"


def test_torn_and_garbage_lines_warn_and_go_on(app: typer.Typer, tmp_path: Path) -> None:
    run = _torn_run(tmp_path / "torn")
    body = (run / "events.jsonl").read_text().split("\n")
    garbage = body.index("this is not json") + 1
    torn = len(body)
    res = CliRunner().invoke(app, ["report", str(run), "--json"])
    assert res.exit_code == 0, res.output
    assert f"events.jsonl:{garbage}: unreadable event skipped" in res.stderr
    assert f"events.jsonl:{torn}: torn last line" in res.stderr
    data = json.loads(res.stdout)
    assert data["metrics"]["run"]["tool_calls"] == 5
    assert data["metrics"]["progress"]["final_rate"] == 1.0
    assert any(f":{garbage}:" in w for w in data["metrics"]["warnings"])
    res = CliRunner().invoke(app, ["compare", str(run), str(run), "--json"])
    assert res.exit_code == 0, res.output
    assert res.stderr.count(f"events.jsonl:{garbage}:") == 2
    assert len(json.loads(res.stdout)["runs"]) == 2


def test_bad_input_names_the_path(app: typer.Typer, tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    res = CliRunner().invoke(app, ["report", str(missing)])
    assert isinstance(res.exception, UserError) and str(missing) in str(res.exception)
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(app, ["compare", str(empty)])
    assert isinstance(res.exception, UserError)
    assert str(empty) in str(res.exception) and "not a run folder" in str(res.exception)
    file = tmp_path / "file.txt"
    file.write_text("x")
    res = CliRunner().invoke(app, ["report", str(file)])
    assert isinstance(res.exception, UserError) and str(file) in str(res.exception)


def test_compare_html(app: typer.Typer, planted: Path, tmp_path: Path) -> None:
    other = RunBuilder(tmp_path / "other", run_id="other")
    other.filler(20)
    other.evaluate({"t0": "pass", "t1": "fail"}, final=True)
    html = tmp_path / "cmp.html"
    res = CliRunner().invoke(app, ["compare", str(planted), str(other.write()),
                                   "--html", str(html)])
    assert res.exit_code == 0, res.output
    assert "planted" in res.stdout and "other" in res.stdout
    assert html.read_text().count('class="series"') >= 2


def test_unwritable_html_is_a_user_error(app: typer.Typer, planted: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir" / "r.html"
    res = CliRunner().invoke(app, ["report", str(planted), "--html", str(target)])
    assert isinstance(res.exception, UserError) and str(target) in str(res.exception)


def test_sparse_folders_still_report(app: typer.Typer, tmp_path: Path) -> None:
    only_info = tmp_path / "only-info"
    RunBuilder(only_info).write()
    (only_info / "events.jsonl").unlink()
    broken_info = tmp_path / "broken-info"
    b = RunBuilder(broken_info)
    b.filler(2)
    b.write()
    (broken_info / "run.json").write_text("{not json")
    empty_events = tmp_path / "empty-events"
    empty_events.mkdir()
    (empty_events / "events.jsonl").write_text("")
    for run in (only_info, broken_info, empty_events):
        res = CliRunner().invoke(app, ["report", str(run), "--json", "--html",
                                       str(tmp_path / f"{run.name}.html")])
        assert res.exit_code == 0, (run, res.output, res.exception)
        data = json.loads(res.stdout)
        assert data["metrics"]["progress"] is None
    res = CliRunner().invoke(app, ["report", str(broken_info)])
    assert res.exit_code == 0 and "run.json: unreadable" in res.stderr
