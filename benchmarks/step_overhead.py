"""Harness overhead per step over a 1,000-step run, early vs late, against a naive loop.

A scripted model (no model time) issues one trivial command per step in a Docker sandbox. The
overhead of a step is the wall time between two model calls minus the tool time: dispatching,
recording, snapshotting, fsync. Two workloads: `true` (the workspace never changes) and
`echo N >> log.txt` (a snapshot commit every step). The naive loop is the same loop with a
recorder that re-serialises the whole history at every step (as harnesses that rewrite a
trajectory.json do). Targets: late median <= 1.5x early median and < 10 ms; events.jsonl bytes
per step flat.

    python benchmarks/step_overhead.py [--steps 1000] [--sandbox docker|local] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console
from rich.table import Table

from agent.context import FullPolicy
from agent.loop import AgentLoop, Budgets
from agent.models.base import AssistantTurn, ModelBase
from agent.models.script import ScriptModel, ScriptTurn
from agent.tools.base import ToolContext
from agent.tools.toolbox import ToolBox
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import RunInfo
from agent.trajectory.snapshots import Snapshotter
from sandboxes import open_sandbox


class TimedModel(ModelBase):
    """Wraps a model and notes when each call starts and ends."""

    def __init__(self, inner: ScriptModel) -> None:
        self.inner = inner
        self.name = inner.name
        self.spans: list[tuple[float, float]] = []

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Any:
        t0 = time.perf_counter()
        turn = self.inner.complete(messages, tools)
        self.spans.append((t0, time.perf_counter()))
        return turn

    def tool_result_messages(self, turn: AssistantTurn, results: list[Any]) -> Any:
        return self.inner.tool_result_messages(turn, results)


class NaiveRecorder(Recorder):
    """Also rewrites the whole conversation to trajectory.json at every step."""

    loop: AgentLoop | None = None

    def sync(self) -> None:
        if self.loop is not None:
            (self.run_dir / "trajectory.json").write_text(json.dumps(self.loop.messages))
        super().sync()


def one_run(workload: str, steps: int, backend: str, naive: bool, root: Path) -> dict[str, Any]:
    run_dir = root / f"{workload}-{'naive' if naive else 'ultrarun'}"
    ws = run_dir / "workspace"
    ws.mkdir(parents=True)
    cmds = ["true" if workload == "true" else f"echo {i} >> log.txt" for i in range(steps)]
    turns = [ScriptTurn.model_validate({"tool_calls": [{"name": "bash",
                                                        "arguments": {"command": c}}]})
             for c in cmds]
    model = TimedModel(ScriptModel(turns))
    info = RunInfo(run_id=run_dir.name, scenario="bench", model="script", started_at=time.time())
    rec = (NaiveRecorder if naive else Recorder)(run_dir, info)
    with open_sandbox(backend, workspace=ws, outputs_dir=rec.outputs_dir) as sb:
        loop = AgentLoop(model=model, toolbox=ToolBox(["bash", "finish"]),
                         ctx=ToolContext(sandbox=sb, outputs_dir=rec.outputs_dir),
                         recorder=rec, snapshots=Snapshotter(run_dir / "snapshots.git", ws),
                         budgets=Budgets(), policy=FullPolicy())
        if isinstance(rec, NaiveRecorder):
            rec.loop = loop
        loop.run("system", "task")
    rec.close()
    tool_time: dict[int, float] = defaultdict(float)
    bytes_per_step: dict[int, int] = defaultdict(int)
    for line in (run_dir / "events.jsonl").read_bytes().splitlines(keepends=True):
        e = json.loads(line)
        bytes_per_step[e["step"]] += len(line)
        if e["type"] == "tool_result":
            tool_time[e["step"]] += e["duration_s"]
    spans = model.spans
    overhead = [(spans[k][0] - spans[k - 1][1] - tool_time[k]) * 1000
                for k in range(1, min(len(spans), steps))]
    early, late = overhead[:100], overhead[-100:]
    naive_bytes = (run_dir / "trajectory.json").stat().st_size if naive else 0
    return {"early_median_ms": statistics.median(early),
            "late_median_ms": statistics.median(late),
            "late_over_early": statistics.median(late) / statistics.median(early),
            "events_bytes_step_1_100": statistics.mean(bytes_per_step[s] for s in range(1, 101)),
            "events_bytes_step_last_100": statistics.mean(
                bytes_per_step[s] for s in range(steps - 99, steps + 1)),
            "naive_trajectory_bytes_at_end": naive_bytes}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--sandbox", default="docker", choices=["docker", "local"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-steps-"))
    results = {}
    for workload in ("true", "append"):
        for naive in (False, True):
            name = f"{workload} / {'naive full-history loop' if naive else 'ultrarun'}"
            results[name] = one_run(workload, args.steps, args.sandbox, naive, root)
    meets = all(r["late_over_early"] <= 1.5 and r["late_median_ms"] < 10
                for k, r in results.items() if k == "true / ultrarun")
    if args.json:
        print(json.dumps({"steps": args.steps, "sandbox": args.sandbox, "results": results,
                          "meets_targets": meets}, indent=2))
        return
    t = Table(title=f"harness overhead per step ({args.steps} steps, {args.sandbox} sandbox)")
    for col in ("workload / loop", "steps 1-100 ms", f"steps {args.steps - 99}-{args.steps} ms",
                "late/early", "events B/step early", "events B/step late"):
        t.add_column(col, justify="left" if col.startswith("workload") else "right")
    for name, r in results.items():
        t.add_row(name, f"{r['early_median_ms']:.2f}", f"{r['late_median_ms']:.2f}",
                  f"{r['late_over_early']:.2f}x", f"{r['events_bytes_step_1_100']:.0f}",
                  f"{r['events_bytes_step_last_100']:.0f}")
    console = Console()
    console.print(t)
    console.print("target (true / ultrarun): late <= 1.5x early and < 10 ms -> "
                  + ("[green]met[/green]" if meets else "[red]missed[/red]"))


if __name__ == "__main__":
    main()
