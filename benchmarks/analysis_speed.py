"""Speed and memory of `ultrarun report` on a large synthetic run.

Generates runs of 1,000 and 10,000 tool calls (one call a step, an evaluation every 50 calls,
a snapshot commit every 10 steps, a context event every 2,000 calls; with --tiered the
evaluations are the c-compiler suite's: 1,267 tests in 51 stages of 5 tiers, tier 5 carried
over between its gradings), then measures in a fresh
subprocess each: `report --json` wall time and peak memory (ru_maxrss), `report --html` time and
page size, and the page's load time in headless Chromium. Targets: report --json < 3 s and
< 300 MB at 10,000 steps, growth from 1,000 to 10,000 steps linear or better.

    python benchmarks/analysis_speed.py [--steps 10000] [--tiered] [--json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
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

START = 1_800_000_000.0
EVAL_EVERY = 50
COMMIT_EVERY = 10
CONTEXT_EVERY = 2000
N_TESTS = 100
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _snapshots(git_dir: Path, n_commits: int, rng: random.Random) -> list[str]:
    """Build snapshots.git with one fast-import stream (a commit per `git commit` is too slow)."""
    subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
    files: dict[str, list[str]] = {}
    out: list[bytes] = []
    for k in range(n_commits):
        name = f"src/f{rng.randrange(40)}.c"
        lines = files.setdefault(name, [])
        if lines and rng.random() < 0.05:  # occasionally rewrite a file from scratch
            lines[:] = [f"int v{k}_{i};" for i in range(len(lines))]
        else:
            for _ in range(rng.randrange(1, 4)):  # edit a few lines, add a few
                if lines and rng.random() < 0.5:
                    lines[rng.randrange(len(lines))] = f"int e{k}_{rng.randrange(999)};"
            lines.extend(f"int a{k}_{i};" for i in range(rng.randrange(1, 8)))
        data = ("\n".join(lines) + "\n").encode()
        msg = f"step {k}".encode()
        out.append(b"commit refs/heads/master\nmark :%d\n" % (k + 1))
        out.append(b"committer ultrarun <u@localhost> %d +0000\n" % (int(START) + k))
        out.append(b"data %d\n%s\n" % (len(msg), msg))
        if k:
            out.append(b"from :%d\n" % k)
        out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (name.encode(), len(data), data))
    marks = git_dir / "marks"
    subprocess.run(["git", "--git-dir", str(git_dir), "fast-import", "--quiet",
                    f"--export-marks={marks}"], input=b"".join(out), check=True)
    subprocess.run(["git", "--git-dir", str(git_dir), "symbolic-ref", "HEAD",
                    "refs/heads/master"], check=True)
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    marks.unlink()
    return [by_mark[f":{k + 1}"] for k in range(n_commits)]


# The c-compiler scenario's suite: (tier, stages, tests in the tier or per stage), 1,267
# tests in 51 stages.
TIERED_SUITE: list[tuple[str, int, int | list[int]]] = [
    ("t1", 18, 380), ("t2", 13, 107), ("t3", 7, 45), ("t4", 8, 48),
    ("t5", 5, [15, 154, 76, 350, 92])]


def tiered_suite() -> dict[str, list[str]]:
    """{stage id: its test ids} shaped like the c-compiler scenario's."""
    suite: dict[str, list[str]] = {}
    for tier, n_stages, sizes in TIERED_SUITE:
        for k in range(n_stages):
            size = sizes[k] if isinstance(sizes, list) else \
                sizes // n_stages + (k < sizes % n_stages)
            stage = f"{tier}/{k + 1:02d}-stage"
            suite[stage] = [f"{stage}/test_{i:03d}" for i in range(size)]
    return suite


def tiered_evaluation(suite: dict[str, list[str]], progress: float) -> tuple[dict, dict, int]:
    """Tests and stages of one evaluation when a share ``progress`` of the ladder is done:
    each stage passes in order, tier by tier."""
    tests: dict[str, str] = {}
    stages: dict[str, list[int]] = {}
    done = progress * len(suite)
    for i, (stage, ids) in enumerate(suite.items()):
        share = min(1.0, max(0.0, done - i))
        k = int(share * len(ids))
        tests.update({t: "pass" if j < k else "fail" for j, t in enumerate(ids)})
        stages[stage] = [k, len(ids)]
    return tests, stages, sum(v[0] for v in stages.values())


def generate(run_dir: Path, steps: int, seed: int = 7, tiered: bool = False) -> Path:
    """A run folder of ``steps`` tool calls with evaluations, snapshots and context events
    (``tiered``: evaluations of a c-compiler-sized suite, 1,267 tests in 5 tiers)."""
    rng = random.Random(seed)
    suite = tiered_suite() if tiered else {}
    run_dir.mkdir(parents=True)
    shas = _snapshots(run_dir / "snapshots.git", steps // COMMIT_EVERY, rng)
    lines: list[str] = []
    t = START
    seq = 0

    def emit(type_: str, step: int, **fields: Any) -> None:
        nonlocal seq, t
        t += 0.5
        lines.append(json.dumps({"seq": seq, "t": t, "type": type_, "step": step, **fields}))
        seq += 1

    emit("run_start", 0, schema_version=1, run_id="bench", messages=[
        {"role": "system", "content": "system prompt " * 50}, {"role": "user", "content": "task"}],
        tools=["bash", "read_file", "write_file", "edit_file", "finish"])
    passing = 0
    commands = ["make", "make test", "cat src/f1.c", "grep -n foo src", "ls -la", "./run-tests"]
    for step in range(1, steps + 1):
        cid = f"call_{step}"
        if rng.random() < 0.3:
            name, args = "edit_file", {"path": f"src/f{rng.randrange(40)}.c", "old": "a",
                                       "new": f"b{step}"}
        else:
            name, args = "bash", {"command": rng.choice(commands) + f" # {step % 7}"}
        raw = json.dumps(args)
        emit("model_call", step, message={"role": "assistant", "content": "thinking " * 20,
                                          "tool_calls": [{"id": cid, "type": "function",
                                                          "function": {"name": name,
                                                                       "arguments": raw}}]},
             prompt_tokens=4000 + step, completion_tokens=200, latency_s=1.0,
             finish_reason="tool_calls")
        emit("tool_call", step, call_id=cid, name=name, arguments=args, raw_arguments=raw)
        code = 0 if rng.random() < 0.8 else 1
        emit("tool_result", step, call_id=cid, name=name, ok=code == 0,
             output="x" * rng.randrange(50, 2000) + f"\n[exit code {code}]",
             exit_code=code if name == "bash" else None, duration_s=0.2)
        if step % COMMIT_EVERY == 0:
            emit("snapshot", step, commit=shas[step // COMMIT_EVERY - 1], tool_calls=step)
        if step % CONTEXT_EVERY == 0:
            emit("context", step, action="compact", details={"dropped": 100})
        if step % EVAL_EVERY == 0 and tiered:
            tests, stages, passed = tiered_evaluation(suite, 0.8 * step / steps)
            emit("evaluation", step, commit=shas[step // COMMIT_EVERY - 1], tool_calls=step,
                 passed=passed, total=len(tests), tests=tests, stages=stages, duration_s=30.0,
                 final=step == steps, carried=[] if step % (10 * EVAL_EVERY) == 0 else ["t5"])
        elif step % EVAL_EVERY == 0:
            passing = max(0, min(N_TESTS, passing + rng.randrange(-3, 6)))
            tests = {f"test_{i:03d}": "pass" if i < passing else "fail" for i in range(N_TESTS)}
            emit("evaluation", step, commit=shas[step // COMMIT_EVERY - 1], tool_calls=step,
                 passed=passing, total=N_TESTS, tests=tests,
                 stages={"basic": [min(passing, 50), 50], "advanced": [max(0, passing - 50), 50]},
                 duration_s=3.0, final=step == steps)
    emit("run_end", steps, status="finished", end_reason="max_steps", totals={})
    (run_dir / "events.jsonl").write_text("\n".join(lines) + "\n")
    (run_dir / "run.json").write_text(json.dumps({
        "run_id": f"bench-{steps}", "scenario": "bench", "model": "synthetic",
        "model_kind": "script", "status": "finished", "end_reason": "max_steps",
        "started_at": START, "ended_at": t,
        "totals": {"steps": steps, "tool_calls": steps, "wall_s": t - START}}))
    return run_dir


def measure(code: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``python -c code`` in a fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"report failed:\n{err}")
    return wall, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def report_code(run_dir: Path, html: Path | None) -> str:
    html_arg = f"Path({str(html)!r})" if html else "None"
    return ("from pathlib import Path\nfrom agent.cli.report_cmd import report\n"
            f"report(Path({str(run_dir)!r}), html={html_arg}, json_={html is None})\n")


def chromium_load(page: Path, profile: Path) -> float | None:
    """Seconds for headless Chromium to load the page and dump its DOM (None: no Chromium)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        return None
    t0 = time.perf_counter()
    subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                    page.as_uri()], capture_output=True, check=True, timeout=300)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", type=Path, help="Generate the runs here and keep them.")
    ap.add_argument("--tiered", action="store_true",
                    help="evaluations of the c-compiler suite (1,267 tests, 51 stages, 5 tiers)")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-analysis-"))
    base.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    try:
        small_steps = max(100, args.steps // 10)
        for label, steps in (("small", small_steps), ("large", args.steps)):
            run = base / f"run-{steps}"
            if run.exists():
                shutil.rmtree(run)
            t0 = time.perf_counter()
            generate(run, steps, tiered=args.tiered)
            gen_s = time.perf_counter() - t0
            json_s, json_mb = measure(report_code(run, None))
            page = base / f"report-{steps}.html"
            html_s, html_mb = measure(report_code(run, page))
            blank = base / "blank.html"
            blank.write_text("<!DOCTYPE html><html><body>x</body></html>")
            floor = chromium_load(blank, base / "profile-blank")
            load = chromium_load(page.resolve(), base / f"profile-{steps}")
            results[label] = {
                "steps": steps, "events_mb": round((run / "events.jsonl").stat().st_size / 2**20,
                                                   1),
                "generate_s": round(gen_s, 2), "report_json_s": round(json_s, 3),
                "report_json_peak_mb": round(json_mb, 1), "report_html_s": round(html_s, 3),
                "report_html_peak_mb": round(html_mb, 1),
                "html_kb": round(page.stat().st_size / 1024, 1),
                "chromium_load_s": None if load is None else round(load, 3),
                "chromium_blank_s": None if floor is None else round(floor, 3)}
        small, large = results["small"], results["large"]
        ratio = large["report_json_s"] / small["report_json_s"]
        results["growth"] = {"steps_ratio": large["steps"] / small["steps"],
                             "time_ratio": round(ratio, 2),
                             "linear_or_better": ratio <= 1.2 * large["steps"] / small["steps"]}
        results["targets"] = {"report_json_under_3s": large["report_json_s"] < 3.0,
                              "peak_under_300mb": large["report_json_peak_mb"] < 300}
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    table = Table(title="ultrarun report: speed and memory", title_justify="left")
    table.add_column("measure")
    for label in ("small", "large"):
        table.add_column(f"{results[label]['steps']:,} steps", justify="right")
    for key in results["small"]:
        if key != "steps":
            table.add_row(key, *[str(results[label][key]) for label in ("small", "large")])
    console = Console()
    console.print(table)
    console.print(f"growth: {results['growth']}")
    console.print(f"targets: {results['targets']}")


if __name__ == "__main__":
    main()
