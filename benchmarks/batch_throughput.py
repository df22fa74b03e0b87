"""Batch throughput: wall time of a batch of slow-endpoint runs at several parallelisms.

A `script:` model whose every turn waits ``--delay`` seconds (a simulated endpoint), ``--runs``
runs of ``--calls`` bash tool calls each on the tiny scenario (Docker sandboxes; final grade
only). The batch runs locally with ``--parallel P`` for each level, then on a 3-node local Ray
cluster (token auth on, ``sandbox`` resources summing to P) for each level above 1.
Targets: ``--parallel 8`` at least 6x faster than ``--parallel 1``; Ray within 1.3x of local
at equal parallelism.

    python benchmarks/batch_throughput.py [--runs 16] [--calls 50] [--levels 1,4,8,16]
        [--ray-levels 4,8,16 | --no-ray] [--sandbox docker|local] [--json]
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.batch import BatchOptions, run_batch  # noqa: E402

TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"


def split(total: int, nodes: int = 3) -> list[int]:
    """``total`` sandboxes over ``nodes`` nodes, as evenly as possible (each at least 1)."""
    base, extra = divmod(total, nodes)
    return [max(1, base + (i < extra)) for i in range(nodes)]


def make_matrix(work: Path, runs: int, calls: int, delay: float, sandbox: str) -> Path:
    turns = [{"tool_calls": [{"name": "bash", "arguments": {"command": f"echo {i} >> log.txt"}}],
              "delay_s": delay} for i in range(1, calls + 1)]
    (work / "slow.yaml").write_text(yaml.safe_dump(turns))
    matrix = work / "bench.yaml"
    matrix.write_text(yaml.safe_dump({
        "scenarios": [str(TINY)], "models": ["script:slow.yaml"],
        "seeds": list(range(1, runs + 1)),
        "overrides": {"eval_every": 0, "sandbox": sandbox, "max_steps": calls + 5}}))
    return matrix


def one(work: Path, matrix: Path, level: int, *, ray: str | None, tag: str) -> dict[str, Any]:
    t0 = time.monotonic()
    res = run_batch(BatchOptions(matrix=matrix, logs=work / "logs", batch_id=tag,
                                 parallel=level, ray=ray))
    wall = time.monotonic() - t0
    nodes = {e.node for e in res.index.entries}
    return {"wall_s": round(wall, 2), "finished": res.index.totals["finished"],
            "runs": res.index.totals["total"], "nodes": len(nodes)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--delay", type=float, default=1.0)
    ap.add_argument("--levels", default="1,4,8,16")
    ap.add_argument("--ray-levels", default=None, help="default: the levels above 1")
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--sandbox", default="docker", choices=["docker", "local"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    ray_levels = [] if args.no_ray else (
        [int(x) for x in args.ray_levels.split(",")] if args.ray_levels
        else [x for x in levels if x > 1])
    ideal_1 = args.runs * args.calls * args.delay
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ur-batch-bench-") as tmp:
        work = Path(tmp)
        matrix = make_matrix(work, args.runs, args.calls, args.delay, args.sandbox)
        for p in levels:
            r = one(work, matrix, p, ray=None, tag=f"local-{p}")
            rows.append({"executor": "local", "parallel": p, **r})
        if ray_levels:
            from agent.batch.ray_cluster import local_cluster

            token = secrets.token_hex(24)  # Ray keeps one token per process
            for p in ray_levels:
                t0 = time.monotonic()
                with local_cluster(split(p), token=token) as cluster:
                    up = time.monotonic() - t0
                    r = one(work, matrix, p, ray=cluster.address, tag=f"ray-{p}")
                rows.append({"executor": "ray", "parallel": p, "nodes_sandboxes": split(p),
                             "cluster_start_s": round(up, 1), **r})
    base = next((r["wall_s"] for r in rows if r["executor"] == "local" and r["parallel"] == 1),
                None)
    local = {r["parallel"]: r["wall_s"] for r in rows if r["executor"] == "local"}
    for r in rows:
        r["ideal_s"] = round(args.runs / r["parallel"] * args.calls * args.delay
                             if r["parallel"] <= args.runs else args.calls * args.delay, 1)
        r["speedup_vs_1"] = round(base / r["wall_s"], 2) if base else None
        if r["executor"] == "ray" and r["parallel"] in local:
            r["ray_over_local"] = round(r["wall_s"] / local[r["parallel"]], 2)
    checks = {}
    if 1 in local and 8 in local:
        checks["parallel8_speedup>=6"] = local[1] / local[8] >= 6
    ratios = [r["ray_over_local"] for r in rows if "ray_over_local" in r]
    if ratios:
        checks["ray_within_1.3x"] = max(ratios) <= 1.3
    out = {"runs": args.runs, "calls": args.calls, "delay_s": args.delay,
           "sandbox": args.sandbox, "sequential_ideal_s": ideal_1, "rows": rows,
           "checks": checks}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    t = Table(title=f"batch throughput: {args.runs} runs x {args.calls} calls x "
              f"{args.delay:g} s/turn ({args.sandbox})")
    for c in ("executor", "parallel", "wall s", "ideal s", "speedup vs 1", "ray/local",
              "finished", "nodes"):
        t.add_column(c, justify="right")
    for r in rows:
        t.add_row(r["executor"], str(r["parallel"]), f"{r['wall_s']:.1f}", f"{r['ideal_s']:.0f}",
                  f"{r['speedup_vs_1']:.2f}" if r["speedup_vs_1"] else "-",
                  f"{r['ray_over_local']:.2f}" if "ray_over_local" in r else "-",
                  f"{r['finished']}/{r['runs']}", str(r["nodes"]))
    console = Console() if sys.stdout.isatty() else Console(width=120)
    console.print(t)
    for k, ok in checks.items():
        console.print(f"{k}: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
