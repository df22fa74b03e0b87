"""How fast `ultrarun view` shows a run, and what it costs the machine serving it.

For synthetic runs of 300, 10,000 and 20,000 steps (tests/view/bigrun.py: a model turn, a bash
call with a 1.5 KB output and a snapshot each step, a diff every 7 steps, an evaluation of 18
stages every 50), served by the real CLI (`ultrarun view`, its own process) and driven by
Debian's Chromium through Playwright, this measures:

* first paint: navigation to the run page until its first step rows are on screen;
* fully read: until the page has every step (a long run's page paints first, reads the rest);
* a step's detail: going to a step in the middle until its call and its diff are shown;
* server memory: the viewer process's resident memory once the run is read (VmRSS, and its
  peak VmHWM);
* live update: a step appended to events.jsonl of a running run until the open page shows it
  (median of 5);

and, side by side, the HTML report of the same run (`report --html`, every step embedded):
its generation time, size and load time in the same browser.

    python benchmarks/viewer_speed.py [--steps 300,10000,20000] [--json]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from tests.view.bigrun import BigRun  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def status_kb(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = int(line.split()[1])
    return out


class Viewer:
    """`ultrarun view ROOT --port 0` in its own process; ``url`` once it listens."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "agent.cli.main", "view", str(root),
                                      "--port", "0"], env=ENV, stderr=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, text=True)
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        m = re.search(r"(http://\S+/)", line)
        assert m, line
        self.url = m.group(1)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def wait_js(page: Any, expression: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        time.sleep(0.01)


def measure(browser: Any, steps: int, tmp: Path) -> dict[str, Any]:
    root = tmp / f"logs-{steps}"
    run = BigRun(root / "run", run_id="run")
    run.add(steps)
    size = (root / "run" / "events.jsonl").stat().st_size
    lock = os.open(root / "run" / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    fcntl.flock(lock, fcntl.LOCK_EX)  # a "running" run: a live writer holds the lock
    viewer = Viewer(root)
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    out: dict[str, Any] = {"steps": steps, "events_mb": round(size / 1e6, 1)}
    try:
        t0 = time.monotonic()
        page.goto(viewer.url + "#/run/run")
        page.wait_for_selector("#step-list .row", timeout=300_000)
        out["first_paint_s"] = round(time.monotonic() - t0, 3)
        wait_js(page, "document.body.dataset.loading === '0' && "
                      f"document.getElementById('step-count').textContent.indexOf("
                      f"'{steps + 1:,}') >= 0")
        out["fully_read_s"] = round(time.monotonic() - t0, 3)
        mem = status_kb(viewer.proc.pid)
        out["server_rss_mb"] = round(mem["VmRSS"] / 1024, 1)
        out["server_peak_mb"] = round(mem["VmHWM"] / 1024, 1)
        target = (steps // 2) // 7 * 7  # a step that changed the workspace: it has a diff
        t0 = time.monotonic()
        page.goto(viewer.url + f"#/run/run/{target}")
        page.wait_for_selector(f"#step-detail h3:has-text('step {target}')")
        page.wait_for_selector("#step-diff .add")
        out["step_detail_s"] = round(time.monotonic() - t0, 3)
        page.goto(viewer.url + "#/run/run")
        wait_js(page, "document.body.dataset.loading === '0'")
        lags = []
        for i in range(5):
            want = f"{steps + 2 + i:,} steps"
            t0 = time.monotonic()
            run.add(1)
            wait_js(page, f"document.getElementById('step-count').textContent === '{want}'", 60)
            lags.append(time.monotonic() - t0)
        out["live_update_s"] = round(statistics.median(lags), 3)
    finally:
        page.close()
        viewer.close()
        os.close(lock)
    run.finish()
    t0 = time.monotonic()
    html = tmp / f"report-{steps}.html"
    subprocess.run([sys.executable, "-m", "agent.cli.main", "report", str(root / "run"),
                    "--html", str(html)], env=ENV, check=True, capture_output=True)
    out["report_html_s"] = round(time.monotonic() - t0, 3)
    out["report_html_mb"] = round(html.stat().st_size / 1e6, 1)
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    t0 = time.monotonic()
    page.goto(html.as_uri(), timeout=600_000)
    page.wait_for_selector("body[data-ready='1'] #step-list .row", timeout=600_000)
    out["report_load_s"] = round(time.monotonic() - t0, 3)
    page.close()
    return out


COLUMNS = [("steps", "steps"), ("events_mb", "events.jsonl MB"),
           ("first_paint_s", "first paint s"), ("fully_read_s", "all steps read s"),
           ("step_detail_s", "a step's detail s"), ("server_rss_mb", "server RSS MB"),
           ("server_peak_mb", "server peak MB"), ("live_update_s", "live update s"),
           ("report_html_s", "report --html s"), ("report_html_mb", "report MB"),
           ("report_load_s", "report load s")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="300,10000,20000")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="viewer-speed-") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu",
                                          "--disable-dev-shm-usage"])
        for n in (int(x) for x in args.steps.split(",")):
            rows.append(measure(browser, n, Path(tmp)))
        browser.close()
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"load_average": load, "runs": rows}, indent=2))
        return
    table = Table(title=f"ultrarun view (load average {load:.1f} on {os.cpu_count()} cores)")
    for _, label in COLUMNS:
        table.add_column(label, justify="right")
    for r in rows:
        table.add_row(*(f"{r[k]:,}" if isinstance(r[k], int) else str(r[k]) for k, _ in COLUMNS))
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
