"""Progress by tier: a suite whose stage ids carry a tier (`t2/07-unions`) is reported tier by
tier — in the JSON, in the terminal and in the HTML page — with carried results counted."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from agent.analysis import compute_metrics
from agent.analysis.report import render_html, render_terminal, report_json
from agent.trajectory import load_run
from tests.analysis.synth import RunBuilder


def _tiered_run(run_dir: Path) -> Path:
    """Three evaluations of a two-tier suite; the second one carries tier t2 over."""
    b = RunBuilder(run_dir, run_id="tiered", scenario="c-compiler")
    b.filler(10)
    b.evaluate({"t1/01-a/x": "pass", "t1/02-b/y": "fail", "t2/01-c/z": "fail"},
               {"t1/01-a": [1, 1], "t1/02-b": [0, 1], "t2/01-c": [0, 1]})
    b.filler(10)
    tests = {"t1/01-a/x": "pass", "t1/02-b/y": "pass", "t2/01-c/z": "fail"}
    b.emit("evaluation", tool_calls=b.tool_calls, passed=2, total=3, tests=tests,
           stages={"t1/01-a": [1, 1], "t1/02-b": [1, 1], "t2/01-c": [0, 1]}, duration_s=0.5,
           final=False, carried=["t2"])
    b.filler(10)
    b.evaluate({"t1/01-a/x": "pass", "t1/02-b/y": "pass", "t2/01-c/z": "pass"},
               {"t1/01-a": [1, 1], "t1/02-b": [1, 1], "t2/01-c": [1, 1]}, final=True)
    return b.write()


def test_tiers_in_json_terminal_and_html(tmp_path: Path) -> None:
    run = load_run(_tiered_run(tmp_path / "run"))
    metrics = compute_metrics(run)
    tiers = report_json(metrics, run.info)["metrics"]["progress"]["tiers"]
    assert [t["name"] for t in tiers] == ["t1", "t2"]
    t1, t2 = tiers
    assert t1["stages"] == ["t1/01-a", "t1/02-b"] and t1["final"] == [2, 2]
    assert [(p["tool_calls"], p["passed"]) for p in t1["points"]] == [(10, 1), (20, 2), (30, 2)]
    assert t1["last_improvement_at"] == 20 and t2["last_improvement_at"] == 30
    assert metrics.regressions is not None and metrics.regressions.events == 0
    console = Console(width=120, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(render_terminal(metrics, run.info))
    text = console.export_text()
    assert "Progress by tier" in text
    assert "2/2 (100.0%)" in text and "1/1 (100.0%)" in text
    page = render_html(run, metrics)
    assert "Per-tier progress" in page and "Per-stage progress" not in page
    assert page.count("<summary>t1: 2/2 at the end, 2 stages</summary>") == 1
    assert "Pass rate per stage of t2 vs tool calls" in page


def test_flat_suites_keep_the_per_stage_chart(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "run")
    b.filler(5)
    b.evaluate({"a/x": "pass"}, {"basic": [1, 1]}, final=True)
    run = load_run(b.write())
    metrics = compute_metrics(run)
    assert metrics.progress is not None and metrics.progress.tiers is None
    page = render_html(run, metrics)
    assert "Per-stage progress" in page and "Per-tier progress" not in page
