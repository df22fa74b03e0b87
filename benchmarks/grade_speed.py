"""Grading speed of the toy C compiler scenario, and the demo's wall time end to end.

1. The reference compiler graded on the whole hidden suite, in the grader's own container (no
   cc1, tests in parallel, each in a jail cell) — target under 60 s on 2 cores — with its pass
   rate by stage; side by side, the same grading with the jail off (`--jail off`, no noexec
   /tmp), to show what the confinement costs.
2. `ultrarun demo` (the scripted reference policy building the compiler through the tools,
   graded along the way) with a built image — target under 5 minutes.

    python benchmarks/grade_speed.py [--skip-demo] [--skip-unjailed] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.runner import RunConfig, execute_run  # noqa: E402
from agent.scenario.grading import grade_workspace  # noqa: E402
from agent.scenario.loader import load_scenario  # noqa: E402
from ultrarun.policy import write_stage  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--skip-unjailed", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    scenario = load_scenario("toy-c-compiler")
    tmp = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    ws = tmp / "ws"
    shutil.copytree(scenario.root / "workspace", ws)
    write_stage(scenario.root / "reference" / "staged", ws)  # the reference compiler
    grade_workspace(scenario, tmp / "ws", "docker")  # warm: images built, caches filled
    t0 = time.monotonic()
    result = grade_workspace(scenario, ws, "docker")
    grade_s = time.monotonic() - t0
    out: dict[str, object] = {
        "grade_reference_s": round(grade_s, 2), "target_grade_s": 60,
        "reference": {"passed": result.passed, "total": result.total, "stages": result.stages,
                      "error": result.error}}
    if not args.skip_unjailed:
        unjailed = load_scenario("toy-c-compiler")
        assert unjailed.grader is not None
        unjailed.grader.command += " --jail off"
        unjailed.grader.tmpfs = {}  # the unconfined grader runs programs from /tmp
        t0 = time.monotonic()
        plain = grade_workspace(unjailed, ws, "docker")
        out["grade_reference_unjailed_s"] = round(time.monotonic() - t0, 2)
        out["reference_unjailed"] = {"passed": plain.passed, "total": plain.total,
                                     "error": plain.error}
    if not args.skip_demo:
        t0 = time.monotonic()
        demo = execute_run(RunConfig(scenario="toy-c-compiler", model="reference",
                                     logs=tmp / "logs"))
        demo_s = time.monotonic() - t0
        out["demo"] = {"wall_s": round(demo_s, 1), "target_s": 300,
                       "tool_calls": demo.info.totals.tool_calls,
                       "end_reason": demo.info.end_reason, "grade": demo.info.grade}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    console = Console()
    t = Table(title="toy-c-compiler: reference compiler, hidden suite, grader container")
    t.add_column("stage")
    t.add_column("passed", justify="right")
    for stage, (p, n) in result.stages.items():
        t.add_row(stage, f"{p}/{n}")
    t.add_row("[bold]total[/bold]", f"[bold]{result.passed}/{result.total}[/bold]")
    console.print(t)
    console.print(f"grading the whole suite: {grade_s:.1f} s (target < 60 s)")
    if "grade_reference_unjailed_s" in out:
        console.print(f"the same with the jail off: {out['grade_reference_unjailed_s']} s "
                      f"({out['reference_unjailed']['passed']}/"  # type: ignore[index]
                      f"{out['reference_unjailed']['total']})")  # type: ignore[index]
    if "demo" in out:
        d = out["demo"]
        assert isinstance(d, dict)
        g = d["grade"] or {}
        console.print(f"demo end to end: {d['wall_s']} s (target < 300 s), {d['tool_calls']} "
                      f"tool calls, {d['end_reason']}, grade {g.get('passed')}/{g.get('total')}")


if __name__ == "__main__":
    main()
