"""What a team costs the harness: per-step overhead with 1, 2, 4 and 8 agents, the upstream's
grading per push, and the scripted 3-agent team against the single-agent demo.

1. **Per-step overhead.** Every agent runs the same script (a simulated model that answers
   in ``--think`` seconds, then one command that changes the workspace: a snapshot commit
   every step), ``--steps`` steps, then pushes once. The overhead of a step is the wall time
   between two model calls minus the model's latency and the step's tool time: dispatching,
   recording, snapshotting (the clone's .git included), fsync, and whatever the other agents'
   threads take from it. 1 agent is a single run of the same script; 2, 4 and 8 are teams.
   Goal: flat per agent.
2. **Upstream grading per push.** A 3-agent team on the tiny team-parts scenario graded after
   every push: the host-side work per push (reading it from the hook's log and writing its
   events: ``push`` event time minus the hook's time), exporting a state of main for the
   grader (ultrarun's own object reader, timed separately), and a grading's wall time.
3. **Team vs single.** ``make demo-team`` against ``make demo`` on toy-c-compiler (both
   scripted, default grading schedules): wall time to the final grade, steps, tool calls,
   gradings (``--skip-toyc`` leaves it out: it takes minutes).

    python benchmarks/team_overhead.py [--steps 40] [--think 0.2] [--agents 1,2,4,8]
                                       [--skip-toyc] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml
from rich.console import Console
from rich.table import Table

from agent.options import RunConfig
from agent.runner import execute_run
from agent.team.driver import TeamHooks, run_team
from agent.team.events import PushEvent, TeamEvaluation, read_team_log
from agent.team.gitobjects import UpstreamObjects
from agent.team.grading import UpstreamExporter
from agent.team.info import TeamSettings
from agent.team.layout import sessions_of
from agent.trajectory.events import ModelCall, ToolResultEvent
from agent.trajectory.reader import load_run

ROOT = Path(__file__).resolve().parents[1]
PARTS = ROOT / "tests" / "data" / "team-parts"
PARTS_SCRIPT = ROOT / "tests" / "data" / "team-parts.yaml"


def _script(path: Path, steps: int, think: float) -> Path:
    turns: list[dict[str, Any]] = [
        {"delay_s": think, "tool_calls": [{"name": "bash", "arguments": {
            "command": f"echo {i} $RANDOM >> work_$(git config user.name 2>/dev/null).txt"}}]}
        for i in range(steps)]
    turns.append({"tool_calls": [{"name": "bash", "arguments": {"command": (
        "git add -A 2>/dev/null && git commit -qm work 2>/dev/null; for i in $(seq 20); do "
        "git pull -q --no-rebase origin main 2>/dev/null && git push -q origin HEAD:main "
        "2>/dev/null && break; done; true")}}]})
    turns.append({"tool_calls": [{"name": "finish", "arguments": {"summary": "done"}}]})
    path.write_text(yaml.safe_dump(turns))
    return path


def _overheads(run_dir: Path) -> list[float]:
    """Per step: time between two model calls minus the model's latency and the tool time."""
    events = load_run(run_dir).events
    calls = [e for e in events if isinstance(e, ModelCall)]
    tools: dict[int, float] = {}
    for e in events:
        if isinstance(e, ToolResultEvent):
            tools[e.step] = tools.get(e.step, 0.0) + e.duration_s
    out = []
    for a, b in pairwise(calls):
        out.append((b.t - a.t - b.latency_s - tools.get(a.step, 0.0)) * 1000)
    return out[1:]  # the first step pays the container's warm-up


def overhead(levels: list[int], steps: int, think: float, tmp: Path) -> list[dict[str, Any]]:
    script = _script(tmp / "steps.yaml", steps, think)
    rows = []
    for n in levels:
        logs = tmp / f"overhead-{n}"
        t0 = time.monotonic()
        cfg = RunConfig(scenario=str(PARTS), model=f"script:{script}", logs=logs,
                        run_id=f"n{n}", max_steps=steps + 5, eval_every=0)
        if n == 1:
            run_dirs = [execute_run(cfg).run_dir]
        else:
            team = run_team(cfg.model_copy(update={"max_steps": None}),
                            TeamSettings(agents=n, grade_every_pushes=10_000,
                                         grade_every_minutes=10_000,
                                         session_steps=steps + 5),
                            TeamHooks(handle_signals=False)).team_dir
            run_dirs = [s for a in range(1, n + 1) for s in sessions_of(team / "agents" / f"a{a}")]
        wall = time.monotonic() - t0
        values = sorted(v for d in run_dirs for v in _overheads(d))
        rows.append({"agents": n, "steps": len(values), "median_ms": statistics.median(values),
                     "p90_ms": values[int(0.9 * (len(values) - 1))], "wall_s": wall})
    return rows


def grading_per_push(tmp: Path) -> dict[str, Any]:
    result = run_team(RunConfig(scenario=str(PARTS), model=f"script:{PARTS_SCRIPT}",
                                logs=tmp, run_id="graded"),
                      TeamSettings(agents=3, grade_every_pushes=1),
                      TeamHooks(handle_signals=False))
    team = result.team_dir
    log = read_team_log(team)
    records = [json.loads(line) for line in
               (team / "upstream" / "pushes.jsonl").read_text().splitlines()]
    pushes = log.of(PushEvent)
    lag = [(p.t - records[p.record]["t"]) * 1000 for p in pushes if p.agent != "seed"]
    objects = UpstreamObjects(team / "upstream" / "team.git")
    exporter = UpstreamExporter(objects, None)
    export_ms = []
    for p in pushes:
        if p.main is not None and not p.deleted:
            with tempfile.TemporaryDirectory() as d:
                t0 = time.perf_counter()
                exporter.export(p.new, Path(d) / "w")
                export_ms.append((time.perf_counter() - t0) * 1000)
    gradings = log.of(TeamEvaluation)
    return {"pushes": len(lag), "gradings": len(gradings),
            "host_ms_per_push": statistics.median(lag),
            "export_ms_per_state": statistics.median(export_ms),
            "grading_s": statistics.median(g.duration_s for g in gradings),
            "wall_s": result.info.totals.wall_s}


def team_vs_single(tmp: Path) -> list[dict[str, Any]]:
    rows = []
    t0 = time.monotonic()
    single = execute_run(RunConfig(scenario="toy-c-compiler", model="reference", logs=tmp,
                                   run_id="single")).info
    rows.append({"run": "single agent (make demo)", "wall_s": time.monotonic() - t0,
                 "steps": single.totals.steps, "tool_calls": single.totals.tool_calls,
                 "grade": f"{single.grade['passed']}/{single.grade['total']}"
                 if single.grade else "-",
                 "gradings": sum(1 for e in load_run(tmp / "single").events
                                 if e.type == "evaluation")})
    t0 = time.monotonic()
    team = run_team(RunConfig(scenario="toy-c-compiler", model="reference", logs=tmp,
                              run_id="team"), TeamSettings(agents=3),
                    TeamHooks(handle_signals=False))
    info = team.info
    rows.append({"run": "3 scripted agents (make demo-team)", "wall_s": time.monotonic() - t0,
                 "steps": info.totals.steps, "tool_calls": info.totals.tool_calls,
                 "grade": f"{info.grade['passed']}/{info.grade['total']}" if info.grade else "-",
                 "gradings": len(read_team_log(team.team_dir).of(TeamEvaluation))})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--think", type=float, default=0.2)
    ap.add_argument("--agents", default="1,2,4,8")
    ap.add_argument("--skip-toyc", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ultrarun-team-bench-") as d:
        tmp = Path(d)
        out: dict[str, Any] = {
            "overhead": overhead([int(x) for x in args.agents.split(",")], args.steps,
                                 args.think, tmp),
            "grading": grading_per_push(tmp / "grading")}
        if not args.skip_toyc:
            out["team_vs_single"] = team_vs_single(tmp / "toyc")
    if args.json:
        print(json.dumps(out, indent=2))
        return
    console = Console()
    t = Table(title=f"harness overhead per step ({args.steps} steps per agent, model "
                    f"{args.think} s, a snapshot commit every step)")
    for col in ("agents", "steps measured", "median ms", "p90 ms", "wall s"):
        t.add_column(col, justify="right")
    for r in out["overhead"]:
        t.add_row(str(r["agents"]), str(r["steps"]), f"{r['median_ms']:.1f}",
                  f"{r['p90_ms']:.1f}", f"{r['wall_s']:.1f}")
    console.print(t)
    g = out["grading"]
    t = Table(title="upstream grading, 3 agents on team-parts, graded after every push")
    for col in ("pushes", "gradings", "host ms per push", "export ms per state",
                "grading s (median)", "team wall s"):
        t.add_column(col, justify="right")
    t.add_row(str(g["pushes"]), str(g["gradings"]), f"{g['host_ms_per_push']:.0f}",
              f"{g['export_ms_per_state']:.1f}", f"{g['grading_s']:.2f}", f"{g['wall_s']:.1f}")
    console.print(t)
    if "team_vs_single" in out:
        t = Table(title="toy-c-compiler: the scripted team against the single-agent demo")
        for col in ("run", "wall s", "steps", "tool calls", "gradings", "grade"):
            t.add_column(col, justify="right")
        for r in out["team_vs_single"]:
            t.add_row(r["run"], f"{r['wall_s']:.0f}", str(r["steps"]), str(r["tool_calls"]),
                      str(r["gradings"]), r["grade"])
        console.print(t)


if __name__ == "__main__":
    main()
