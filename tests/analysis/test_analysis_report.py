"""Reports: terminal, JSON, HTML (escaping, caps), comparisons and forks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rich.console import Console

from agent.analysis import compute_metrics
from agent.analysis.compare import compare_json, compare_runs, compare_table, render_compare_html
from agent.analysis.report import (
    HTML_FIRST_STEPS,
    HTML_LAST_STEPS,
    render_html,
    render_terminal,
    report_json,
)
from agent.trajectory import load_run
from tests.analysis.synth import RunBuilder

EVIL = "<script>alert('x')</script> & \"q\" \x00\x1b[31m \ud800 </pre></details>"


def _text(renderable: object) -> str:
    console = Console(width=140, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def test_terminal_summary(planted: Path) -> None:
    run = load_run(planted)
    text = _text(render_terminal(compute_metrics(run), run.info))
    assert "planted" in text and "[finished]" in text
    assert "longest error streak" in text and "80.0%" in text
    assert "Regressions" in text and "t3" in text


def test_terminal_marks_unavailable(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    b.filler(2)
    run = load_run(b.write())
    text = _text(render_terminal(compute_metrics(run), run.info))
    assert "Not available" in text and "no evaluation events" in text
    assert "n/a" in text


def test_json_report_round_trips(planted: Path) -> None:
    run = load_run(planted)
    data = json.loads(json.dumps(report_json(compute_metrics(run), run.info)))
    assert data["run_info"]["run_id"] == "planted"
    assert data["metrics"]["loops"]["longest_identical_run"] == 10


def test_html_escapes_everything(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    b.snapshot({"f.txt": "seed\n"})
    b.call("bash", {"command": EVIL}, ok=False, exit_code=1, output=EVIL * 3)
    b.snapshot({"f.txt": EVIL.replace("\ud800", "") + "\n"})
    b.evaluate({EVIL: "pass"})
    b.context("mask", note=EVIL)
    run = load_run(b.write())
    page = render_html(run, compute_metrics(run))
    page.encode("utf-8")  # no lone surrogate survives
    assert "<script>alert" not in page
    assert page.count("<script>") == 1  # only our own
    assert "</pre></details>" not in page.split("<h2>Steps</h2>")[1].split("workspace diff")[0]
    assert "\x00" not in page and "\x1b" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "f.txt" in page  # the diff is shown


def test_html_is_self_contained(planted: Path) -> None:
    run = load_run(planted)
    page = render_html(run, compute_metrics(run))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert page.count("<svg") >= 5
    assert "Per-stage progress" in page and "advanced" in page
    assert "context compact at call 36" in page


def test_html_caps_long_runs(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    for _ in range(600):
        b.bash("echo " + "y" * 10, output="z" * 50_000)
    run = load_run(b.write())
    page = render_html(run, compute_metrics(run))
    assert page.count('class="step') == HTML_FIRST_STEPS + HTML_LAST_STEPS
    assert "steps in the middle not shown" in page
    assert "more characters not shown" in page
    assert len(page) < 2_000_000


def test_compare_lines_up_a_fork(tmp_path: Path) -> None:
    parent = RunBuilder(tmp_path / "parent", run_id="parent")
    parent.filler(10)  # steps 1-10
    parent.evaluate({"a": "pass", "b": "fail"})
    parent.filler(10)
    parent.evaluate({"a": "pass", "b": "fail"}, final=True)
    parent.write()
    fork = RunBuilder(tmp_path / "fork", run_id="fork")
    fork.parent = {"run_dir": str(tmp_path / "parent"), "step": 8}
    fork.filler(5)
    fork.evaluate({"a": "pass", "b": "pass"}, final=True)
    fork.write()
    dirs = [tmp_path / "parent", tmp_path / "fork"]
    items = compare_runs([(d, load_run(d)) for d in dirs])
    assert [i.offset for i in items] == [0, 8]
    data = compare_json(items)
    assert [r["label"] for r in data["runs"]] == ["parent", "fork"]
    assert data["runs"][1]["fork"].startswith("fork of parent at step 8")
    text = _text(compare_table(items))
    assert "parent" in text and "fork" in text and "100.0%" in text
    page = render_compare_html(items)
    assert page.count("<path class=\"series\"") >= 2
    assert "fork of parent at step 8" in page


def test_fork_with_missing_parent_is_not_offset(tmp_path: Path) -> None:
    fork = RunBuilder(tmp_path / "fork", run_id="fork")
    fork.parent = {"run_dir": "gone", "step": 3}
    fork.filler(2)
    items = compare_runs([(tmp_path / "fork", load_run(fork.write()))])
    assert items[0].offset == 0 and "not found" in (items[0].fork_note or "")


def test_unchanged_snapshots_are_not_diffs(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    b.snapshot({"seed.txt": "seed\n"})
    b.bash("ls")
    b.unchanged_snapshot()
    b.call("write_file", {"path": "new.txt", "content": "a\n"})
    b.snapshot({"new.txt": "a\n"})
    for _ in range(3):  # later steps repeat the same commit
        b.bash("cat new.txt")
        b.unchanged_snapshot()
    b.call("write_file", {"path": "./new.txt", "content": "b\n"})
    b.snapshot({"new.txt": "b\n"})
    b.bash("echo x > made.txt")  # known only from the snapshot
    b.snapshot({"made.txt": "x\n"})
    b.call("write_file", {"path": "/workspace/made.txt", "content": "y\n"})
    b.snapshot({"made.txt": "y\n"})
    run = load_run(b.write())
    m = compute_metrics(run)
    assert m.edits.overwrites_by_file == {"made.txt": 1, "new.txt": 1}
    page = render_html(run, m)
    assert page.count("workspace diff (") == 5
    assert page.count("workspace changed") == 5
