"""Reports: terminal, JSON, HTML (escaping, caps), comparisons and forks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rich.console import Console

from agent.analysis import compute_metrics
from agent.analysis.compare import compare_json, compare_runs, compare_table, render_compare_html
from agent.analysis.report import render_html, render_terminal, report_json
from agent.trajectory import load_run
from tests.analysis.synth import RunBuilder

EVIL = "<script>alert('x')</script> & \"q\" \x00\x1b[31m \ud800 </pre></details>"


def embedded(page: str) -> dict:
    """The steps data the page embeds for its step browser."""
    m = re.search(r'<script type="application/json" id="ur-steps">(.*?)</script>', page, re.S)
    assert m, "no embedded steps"
    return json.loads(m.group(1))


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
    # The curve and the stage table: ▁ at 0%, ▂ at 20% (2/10 after call 36), ▇ at 80%.
    lines = text.splitlines()
    curve = lines[next(i for i, x in enumerate(lines) if x.startswith("Progress:")) + 1]
    assert curve.startswith("│▁") and "▂" in curve and curve.endswith("▇│"), curve
    assert "0.0% at call 0 → 80.0% at call 80 (best 80.0%)" in text
    assert re.search(r"│ basic\s+│\s+5/5 │\s+100.0% │\s+10 │", text), text
    assert re.search(r"│ advanced\s+│\s+3/5 │\s+60.0% │\s+n/a │", text), text


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
    assert "<script>alert" not in page and "</pre></details>" not in page
    assert page.count("<script>") == 4  # only our own: step browser, glue, ready mark
    assert "\x00" not in page and "\x1b" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page  # in the SVG titles
    data = embedded(page)  # the steps: JSON with < > & escaped, control characters visible
    assert "\\u003cscript\\u003ealert" in page
    text = json.dumps(data, ensure_ascii=False)
    assert "<script>alert('x')</script>" in text and "␛[31m" in text
    assert any("f.txt" in line for d in data["diffs"].values() for _, line in d["lines"])


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
    data = embedded(page)
    assert [d["step"] for d in data["details"]] == list(range(601))  # every step
    outputs = [d["calls"][0]["result"]["output"] for d in data["details"][1:]]
    assert all(o.endswith("(48,000 more characters not shown)") for o in outputs)
    assert len(page) < 3_000_000


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
    data = embedded(render_html(run, m))
    assert len(data["diffs"]) == 5  # the initial workspace and 4 changes
    changed = [d["step"] for d in data["details"] if d["snapshot"] and d["snapshot"]["changed"]]
    assert sorted(int(k) for k in data["diffs"]) == changed


def test_compare_names_scenarios_and_models_and_holds_each_curve_to_its_end(
        tmp_path: Path) -> None:
    short = RunBuilder(tmp_path / "short", run_id="short", scenario="alpha")
    short.filler(10)
    short.evaluate({"a": "pass", "b": "fail"}, final=True)
    short.write()
    long = RunBuilder(tmp_path / "long", run_id="long", scenario="beta")
    long.filler(100)
    long.evaluate({"a": "pass", "b": "pass"}, final=True)
    long.write()
    items = compare_runs([(d, load_run(d)) for d in (tmp_path / "short", tmp_path / "long")])
    text = _text(compare_table(items))
    assert re.search(r"scenario\s+│ alpha\s+│ beta", text), text
    assert re.search(r"model\s+│ script:synth\s+│ script:synth", text), text
    data = compare_json(items)
    assert data["warnings"] and "different scenarios (alpha, beta)" in data["warnings"][0]
    page = render_compare_html(items)
    assert "different scenarios" in page
    paths = re.findall(r'<path class="series" d="M([^"]+)" stroke="([^"]+)"', page)
    ends = [float(d.split(" L")[-1].split(",")[0]) for d, _ in paths[:2]]
    # The short run's line stops at its 10 calls, a tenth of the way; the long one's at 100.
    assert ends[0] < ends[1] * 0.2, ends
