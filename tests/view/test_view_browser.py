"""`ultrarun view` in a real browser (Debian's Chromium through Playwright): the run list, a
page following a scripted run while it runs, search, a step's diff, chart points, hostile
trajectory content, and a 20,000-step run's first paint."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.runner import RunConfig, execute_run
from tests.analysis.synth import RunBuilder
from tests.view.bigrun import BigRun, big_run
from tests.view.conftest import Watched, serve, wait_js

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"


def clean(p: Watched) -> None:
    """No uncaught error, no dialog, no console error (a CSP refusal would be one)."""
    assert p.errors == [] and p.dialogs == [], (p.errors, p.dialogs)
    assert not [c for c in p.console if c.startswith("error")], p.console


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three finished runs: a long-ish synthetic one with diffs and evaluations, and two
    small ones of another scenario (for filters and compare)."""
    root = tmp_path_factory.mktemp("view-logs")
    big_run(root / "long-run", 300, eval_every=25)
    for name, fail in (("small-a", 0), ("small-b", 1)):
        b = RunBuilder(root / name, run_id=name, scenario="other")
        b.snapshot({"a.txt": "one\n"})
        b.bash("echo hello", exit_code=fail)
        b.call("edit_file", {"path": "a.txt", "old": "one\n", "new": "two\n"})
        b.snapshot({"a.txt": "two\n"})
        b.evaluate({"t1": "pass", "t2": "fail" if fail else "pass"}, final=True)
        b.write()
    return root


def test_run_list_shows_runs_and_filters(logs: Path, page: Watched) -> None:
    with serve(logs) as url:
        p = page.page
        p.goto(url)
        p.wait_for_selector("#runs tr[data-key='long-run']")
        keys = p.eval_on_selector_all("#runs tr[data-key]", "rs => rs.map(r => r.dataset.key)")
        assert set(keys) == {"long-run", "small-a", "small-b"}
        row = p.inner_text("#runs tr[data-key='long-run']")
        assert "finished" in row and "synth-long" in row and "300" in row and "/180" in row
        p.select_option("#f-scenario", "other")
        wait_js(p, "document.querySelectorAll('#runs tr[data-key]').length === 2")
        p.fill("#f-text", "small-b")
        wait_js(p, "document.querySelectorAll('#runs tr[data-key]').length === 1")
        p.click("#runs tr[data-key='small-b'] a")
        p.wait_for_selector("body[data-ready='1'] #step-list .row")
        assert "small-b" in p.inner_text("#run-head h1")
        clean(page)


def test_search_diff_and_chart_point(logs: Path, page: Watched) -> None:
    with serve(logs) as url:
        p = page.page
        p.goto(url + "#/run/long-run")
        p.wait_for_selector("body[data-ready='1'][data-loading='0']")
        # Search: outputs, commands and the model's words; a hit opens its step.
        p.fill("#step-search", "test-42 &&")
        p.wait_for_selector("#search-results .hit-row[data-step='42']")
        p.click("#search-results .hit-row[data-step='42']")
        wait_js(p, "location.hash === '#/run/long-run/42'")
        p.wait_for_selector("#step-detail h3:has-text('step 42')")
        assert "$ make -j2 test-42" in p.inner_text("#step-detail pre.cmd")
        # A step that changed the workspace shows its diff, lines coloured by kind.
        p.goto(url + "#/run/long-run/49")
        p.wait_for_selector("#step-detail h3:has-text('step 49')")
        p.wait_for_selector("#step-diff .add")
        assert p.locator("#step-diff .del").count() > 0
        assert p.locator("#step-diff .file").count() == 2
        added = p.eval_on_selector("#step-diff .add", "e => getComputedStyle(e).backgroundColor")
        assert added != "rgba(0, 0, 0, 0)"  # coloured
        # A point of the progress curve opens the step it graded.
        p.click("#chart-progress circle[data-step='75']")
        wait_js(p, "location.hash === '#/run/long-run/75'")
        p.wait_for_selector("#step-detail h3:has-text('step 75')")
        p.wait_for_selector("#step-list .row.sel[data-step='75']")
        # Per-call metrics: every numeric model_call field is a choice.
        options = p.eval_on_selector_all("#call-metric option", "os => os.map(o => o.value)")
        assert {"prompt_tokens", "completion_tokens", "latency_s", "context_tokens"} <= set(options)
        clean(page)


def test_compare_warns_across_scenarios(logs: Path, page: Watched) -> None:
    with serve(logs) as url:
        p = page.page
        p.goto(url + "#/compare/long-run,small-a")
        p.wait_for_selector("body[data-ready='1'] #compare-table")
        assert "different scenarios" in p.inner_text("#main")
        table = p.inner_text("#compare-table")
        assert "scenario" in table and "synth-long" in table and "other" in table
        clean(page)


HOSTILE = ('<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=1;'
           'alert(2)</script><svg onload="window.__pwned=1"></svg>'
           '\x1b[31mRED\x1b[0m\x1b]0;title\x07\u202eevil')


def test_hostile_trajectory_renders_inert(tmp_path: Path, page: Watched, browser: Any) -> None:
    b = RunBuilder(tmp_path / "logs" / "evil", run_id="evil", scenario=HOSTILE[:40])
    b.snapshot({"x.html": HOSTILE})
    b.call("bash", {"command": HOSTILE}, ok=False, exit_code=1, output=HOSTILE)
    b.call(HOSTILE[:30], {"path": HOSTILE, "old": HOSTILE, "new": HOSTILE})
    b.snapshot({"x.html": HOSTILE + "2"})
    b.evaluate({HOSTILE: "fail", "ok": "pass"}, stages={HOSTILE: [1, 2]}, final=True)
    run = b.write()
    events = (run / "events.jsonl").read_text()
    (run / "events.jsonl").write_text(events.replace('"content": null',
                                                     json.dumps({"content": HOSTILE})[1:-1]))
    with serve(tmp_path / "logs") as url:
        p = page.page
        p.goto(url)
        p.wait_for_selector("#runs tr[data-key='evil']")
        p.goto(url + "#/run/evil/1")
        p.wait_for_selector("#step-detail .call")
        p.click("#chart-progress button:has-text('per stage')")
        p.goto(url + "#/run/evil/2")
        p.wait_for_selector("#step-diff .add")
        p.fill("#step-search", "onerror")
        p.wait_for_selector("#search-results .hit-row")
        text = p.inner_text("#main")
        assert "<script>" in text and "onerror=" in text  # shown as text …
        assert "␛[31mRED" in text and "<U+202E>" in text  # … escapes made visible
        assert p.evaluate("window.__pwned") is None  # … and nothing ran
        assert p.locator("#main img, #main script, #main iframe").count() == 0
        assert page.dialogs == [] and page.errors == []
    # Positive control: the same payload, put in a page as markup, does run.
    control = browser.new_page()
    control.set_content("<div id=x></div>")
    control.evaluate("h => { document.getElementById('x').innerHTML = h; }", HOSTILE)
    control.wait_for_function("window.__pwned === 1")
    control.close()


def test_page_follows_a_running_run(tmp_path: Path, page: Watched) -> None:
    """A scripted run (real runner, local sandbox) is watched while it runs: new steps and an
    evaluation appear on the open page, which is never reloaded."""
    logs = tmp_path / "logs"
    script = [{"content": f"step {i}", "tool_calls": [{"name": "bash", "arguments": {
        "command": f"sleep 0.6; echo line{i} >> log.txt"}}]} for i in range(1, 11)]
    script.append({"content": "done", "tool_calls": [{"name": "finish",
                                                      "arguments": {"summary": "ok"}}]})
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(script))
    cfg = RunConfig(scenario=str(TINY), model=f"script:{tmp_path / 's.yaml'}", sandbox="local",
                    logs=logs, run_id="live", eval_every=4)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (execute_run(cfg), done.set()), daemon=True)
    with serve(logs) as url:
        worker.start()
        p = page.page
        deadline = time.monotonic() + 60
        while not (logs / "live" / "events.jsonl").exists():
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.05)
        p.goto(url + "#/run/live")
        p.wait_for_selector("body[data-ready='1']")
        p.evaluate("window.__same_page = true")
        first = int(p.eval_on_selector("#step-list", "l => l.querySelectorAll('.row').length"))
        assert p.inner_text("#run-head .badge") == "running"
        p.wait_for_selector("#step-list .row .ev", timeout=60_000)  # an evaluation landed
        wait_js(p, "document.querySelectorAll('#step-list .row').length >= 8", 60)
        assert int(p.eval_on_selector("#step-list", "l => l.querySelectorAll('.row').length")) \
            > first
        p.wait_for_selector("#run-head .badge.finished", timeout=90_000)
        assert p.evaluate("window.__same_page") is True  # never reloaded
        grade = p.inner_text("#c-grade b")
        assert grade.endswith("/1") or "/" in grade
    worker.join(timeout=60)
    assert done.is_set()
    clean(page)


def test_twenty_thousand_steps_first_paint(tmp_path: Path, page: Watched) -> None:
    run = BigRun(tmp_path / "logs" / "huge")
    run.add(20_000)
    run.finish()
    with serve(tmp_path / "logs") as url:
        p = page.page
        start = time.monotonic()
        p.goto(url + "#/run/huge")
        p.wait_for_selector("#step-list .row")
        first_paint = time.monotonic() - start
        p.wait_for_selector("body[data-loading='0']", timeout=120_000)
        wait_js(p, "document.getElementById('step-count').textContent"
                            ".indexOf('20,001') >= 0")
        p.goto(url + "#/run/huge/19990")
        p.wait_for_selector("#step-detail h3:has-text('step 19990')")
        assert p.locator("#step-list .row").count() < 200  # virtualised: rows in sight only
    print(f"20,000 steps: first paint {first_paint:.2f} s")
    assert first_paint < 2.0, first_paint
    clean(page)


def test_fuzz_agreement_and_gap_beside_the_pass_rate(tmp_path: Path, page: Watched) -> None:
    """A run with the fuzz measure: the progress chart draws agreement and the gap as series
    of their own, and a point of the agreement opens its step."""
    from tests.analysis.test_fuzz_gap import RISING, curve_run

    curve_run(tmp_path / "logs" / "fuzzed", RISING, [0.3] * 8)
    with serve(tmp_path / "logs") as url:
        p = page.page
        p.goto(url + "#/run/fuzzed")
        p.wait_for_selector("body[data-ready='1'][data-loading='0'] #chart-progress svg")
        names = p.eval_on_selector_all("#chart-progress path.series title",
                                       "ts => ts.map(t => t.textContent)")
        assert names == ["pass rate", "fuzz agreement", "gap (pass rate - fuzz agreement)"]
        assert "fuzz agreement" in p.text_content("#chart-progress svg text.ct")
        p.click("#chart-progress circle[fill='#9333ea'][data-step='50']")
        wait_js(p, "location.hash === '#/run/fuzzed/50'")
        clean(page)
