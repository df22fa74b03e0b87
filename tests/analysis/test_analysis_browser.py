"""The HTML pages in a real headless Chromium: they load, script runs clean, charts are drawn."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from agent.analysis import compute_metrics
from agent.analysis.compare import compare_runs, render_compare_html
from agent.analysis.report import render_html
from agent.trajectory import load_run
from tests.analysis.browser import load, png_colours, screenshot
from tests.analysis.synth import RunBuilder


def _report(run_dir: Path, out: Path) -> Path:
    run = load_run(run_dir)
    out.write_text(render_html(run, compute_metrics(run)), encoding="utf-8")
    return out


def test_report_page_loads_and_draws(planted: Path, tmp_path: Path) -> None:
    page = _report(planted, tmp_path / "report.html")
    loaded = load(page, tmp_path / "profile")
    assert loaded.console == [], loaded.console  # no console message, no uncaught error
    assert 'data-ready="1"' in loaded.dom  # our script ran to the end
    svgs = re.findall(r"<svg[^>]*class=\"chart", loaded.dom)
    assert len(svgs) >= 5
    assert len(re.findall(r'<path class="series" d="M[\d.]+,[\d.]+ L', loaded.dom)) >= 4
    assert loaded.dom.count("<circle") >= 5  # evaluations marked as points
    assert 'class="marker"' in loaded.dom  # the context event


def test_report_screenshot_is_not_blank(planted: Path, tmp_path: Path) -> None:
    page = _report(planted, tmp_path / "report.html")
    png = tmp_path / "shot.png"
    console = screenshot(page, png, tmp_path / "profile")
    assert console == [], console
    width, height, colours = png_colours(png, sample_every=4)
    assert (width, height) == (1200, 2200)
    # Charts, text and the coloured series give far more than a blank page's 1-2 colours.
    assert len(colours) > 50, len(colours)
    reds = [c for c in colours if c[0] > 180 and c[1] < 90 and c[2] < 90]
    blues = [c for c in colours if c[2] > 180 and c[0] < 90]
    assert reds and blues  # the error-rate series and the pass-rate curve are drawn


def test_hostile_outputs_stay_inert(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    hostile = ("<img src=x onerror=\"console.error('pwned')\"><script>console.error('pwned')"
               "</script>\x00\x07\ud83d")
    b.call("bash", {"command": hostile}, ok=False, exit_code=1, output=hostile)
    b.evaluate({hostile: "fail"})
    page = _report(b.write(), tmp_path / "r.html")
    loaded = load(page, tmp_path / "profile")
    assert loaded.console == [], loaded.console
    assert "<img" not in loaded.dom and 'data-ready="1"' in loaded.dom


def test_compare_page_loads(planted: Path, tmp_path: Path) -> None:
    other = RunBuilder(tmp_path / "other", run_id="other")
    other.filler(40)
    other.evaluate({"t0": "pass", "t1": "fail"}, final=True)
    items = compare_runs([(planted, load_run(planted)), (other.write(), load_run(other.run_dir))])
    page = tmp_path / "cmp.html"
    page.write_text(render_compare_html(items), encoding="utf-8")
    loaded = load(page, tmp_path / "profile")
    assert loaded.console == [], loaded.console
    assert len(re.findall(r'<path class="series"', loaded.dom)) >= 4


def test_report_steps_chart_links_and_search(planted: Path, tmp_path: Path,
                                             browser: Any) -> None:
    """Every step is in the page; a chart point opens its step; search finds it."""
    page_file = _report(planted, tmp_path / "report.html")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(page_file.resolve().as_uri())
    page.wait_for_selector("body[data-ready='1'][data-steps='81']")  # start + 80 steps
    page.click("#progress a[href='#step-36'] circle")
    page.wait_for_selector("#step-detail h3:has-text('step 36')")
    assert "./run-tests" in page.inner_text("#step-detail")
    page.fill("#step-search", "frobnicate")
    page.wait_for_selector("#search-results .hit-row[data-step='72']")
    page.click("#search-results .hit-row[data-step='72']")
    page.wait_for_selector("#step-detail h3:has-text('step 72')")
    page.click("#per-call a[href='#step-50'] circle")
    page.wait_for_selector("#step-detail h3:has-text('step 50')")
    page.close()
    assert errors == []
