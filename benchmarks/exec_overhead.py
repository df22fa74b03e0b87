"""Round trip of one command, side by side in one run on the same image.

Compares ultrarun's DockerSandbox.exec (one persistent shell over one exec stream) with the
docker SDK's exec_run, the `docker exec` CLI, mini-swe-agent's DockerEnvironment.execute (a
`docker exec` per command; `pip install -e '.[bench]'`), LocalSandbox, and a host
subprocess.run as the floor; and with the baseline's own DockerSandbox and LocalSandbox
(``--baseline REF``, main by default: a temporary ``git worktree`` of that commit, run in a
process of its own), measured in alternation with this checkout's so that both see the same
machine. Targets: ours >= 15x faster than exec_run, within 4x of the floor.

    python benchmarks/exec_overhead.py [--calls 200] [--baseline main] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docker
from rich.console import Console
from rich.table import Table

from benchmarks.baseline import ROOT, checkout, run_worker
from sandboxes import open_sandbox
from sandboxes.images import BASE_IMAGE, ensure_base_image

BIG = "head -c 1000000 /dev/zero | tr '\\0' x"


def timed(fn: Callable[[], object], n: int, warmup: int = 5) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p90_ms": samples[int(0.9 * (n - 1))],
            "n": n}


# One round of a backend's exec, run with a given tree's packages first on the path.
ROUND = """
import statistics, tempfile, time
from pathlib import Path
from sandboxes import open_sandbox
ws = Path(tempfile.mkdtemp(prefix="bench-ws-"))
with open_sandbox(ARG["backend"], workspace=ws / "w") as sb:
    for _ in range(5):
        sb.exec("/bin/true")
    samples = []
    for _ in range(ARG["n"]):
        t0 = time.perf_counter()
        sb.exec("/bin/true")
        samples.append((time.perf_counter() - t0) * 1000)
print(json.dumps(samples))
"""


def alternated(tree: Path | None, backend: str, n: int, rounds: int = 3
               ) -> tuple[dict[str, float], dict[str, float] | None]:
    """This checkout's and the baseline's round trips, measured in turns (same load)."""
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        ours += run_worker(ROOT, ROUND, {"backend": backend, "n": n // rounds})
        if tree is not None:
            theirs += run_worker(tree, ROUND, {"backend": backend, "n": n // rounds})

    def summary(xs: list[float]) -> dict[str, float]:
        xs = sorted(xs)
        return {"median_ms": statistics.median(xs), "p90_ms": xs[int(0.9 * (len(xs) - 1))],
                "n": len(xs)}

    return summary(ours), summary(theirs) if theirs else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--baseline", default="main", help="git ref to compare with ('' to skip)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    n, n_big = args.calls, max(10, args.calls // 10)

    client = docker.from_env()
    ensure_base_image(client, lambda _m: None)
    results: dict[str, dict[str, dict[str, float]]] = {}
    ws = Path(tempfile.mkdtemp(prefix="bench-ws-"))

    results["host subprocess.run (floor)"] = {
        "true": timed(lambda: subprocess.run(["/bin/true"]), n),
        "1MB": timed(lambda: subprocess.run(["bash", "-c", BIG], capture_output=True), n_big)}

    with open_sandbox("docker", workspace=ws / "ours") as sb:
        results["ultrarun DockerSandbox.exec"] = {
            "true": timed(lambda: sb.exec("/bin/true"), n),
            "1MB": timed(lambda: sb.exec(BIG), n_big)}
        cid = sb.container.id  # type: ignore[attr-defined]
        container = client.containers.get(cid)
        results["docker SDK exec_run"] = {
            "true": timed(lambda: container.exec_run(["/bin/true"]), n),
            "1MB": timed(lambda: container.exec_run(["bash", "-c", BIG]), n_big)}
        if shutil.which("docker"):
            results["docker exec CLI"] = {
                "true": timed(lambda: subprocess.run(["docker", "exec", cid, "/bin/true"]), n),
                "1MB": timed(lambda: subprocess.run(["docker", "exec", cid, "bash", "-c", BIG],
                                                    capture_output=True), n_big)}

    try:
        import logging
        import os

        os.environ.setdefault("MSWEA_SILENT_STARTUP", "1")
        from minisweagent.environments.docker import DockerEnvironment

        logging.getLogger("minisweagent").setLevel(logging.WARNING)

        env = DockerEnvironment(image=BASE_IMAGE, cwd="/workspace")
        try:
            results["mini-swe-agent DockerEnvironment.execute"] = {
                "true": timed(lambda: env.execute({"command": "/bin/true"}), n),
                "1MB": timed(lambda: env.execute({"command": BIG}), n_big)}
        finally:
            subprocess.run(["docker", "rm", "-f", env.container_id], capture_output=True)
    except ImportError:
        print("mini-swe-agent not installed: pip install -e '.[bench]'", file=sys.stderr)

    with open_sandbox("local", workspace=ws / "local") as lsb:
        results["ultrarun LocalSandbox.exec"] = {
            "true": timed(lambda: lsb.exec("/bin/true"), n),
            "1MB": timed(lambda: lsb.exec(BIG), n_big)}

    side: dict[str, dict[str, float] | None] = {}
    with checkout(args.baseline) if args.baseline else _none() as tree:
        for backend in ("docker", "local"):
            mine, base = alternated(tree, backend, n)
            side[f"{backend}, this checkout"] = mine
            side[f"{backend}, baseline ({args.baseline or '-'})"] = base
    side["host subprocess.run (floor)"] = timed(lambda: subprocess.run(["/bin/true"]), n)

    ours = results["ultrarun DockerSandbox.exec"]["true"]["median_ms"]
    floor = results["host subprocess.run (floor)"]["true"]["median_ms"]
    sdk = results["docker SDK exec_run"]["true"]["median_ms"]
    summary = {"speedup_vs_exec_run": sdk / ours, "ratio_to_floor": ours / floor,
               "target_speedup_vs_exec_run": 15, "target_ratio_to_floor": 4,
               "meets_targets": sdk / ours >= 15 and ours / floor <= 4}
    if args.json:
        print(json.dumps({"results": results, "side_by_side": side, "summary": summary,
                          "load_average": os.getloadavg()}, indent=2))
        return
    table = Table(title=f"exec round trip, median (p90) over {n} calls / {n_big} for 1 MB")
    for col in ("method", "/bin/true ms", "1 MB output ms", "vs ours"):
        table.add_column(col, justify="right" if col != "method" else "left")
    for name, r in results.items():
        table.add_row(name, f"{r['true']['median_ms']:.2f} ({r['true']['p90_ms']:.2f})",
                      f"{r['1MB']['median_ms']:.2f} ({r['1MB']['p90_ms']:.2f})",
                      f"{r['true']['median_ms'] / ours:.1f}x")
    console = Console()
    console.print(table)
    pair = Table(title="/bin/true round trip, this checkout and the baseline in turns, "
                       "median (p90)")
    for col in ("method", "ms", "vs floor"):
        pair.add_column(col, justify="right" if col != "method" else "left")
    floor2 = side["host subprocess.run (floor)"]
    for name, s in side.items():
        pair.add_row(name, "n/a" if s is None else f"{s['median_ms']:.2f} ({s['p90_ms']:.2f})",
                     "" if s is None or floor2 is None else
                     f"{s['median_ms'] / floor2['median_ms']:.1f}x")
    console.print(pair)
    console.print(f"ours vs exec_run: {summary['speedup_vs_exec_run']:.1f}x faster (target 15x); "
                  f"ours vs host floor: {summary['ratio_to_floor']:.2f}x (target <= 4x) -> "
                  + ("[green]targets met[/green]" if summary["meets_targets"]
                     else "[red]targets missed[/red]"))


@contextmanager
def _none() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
