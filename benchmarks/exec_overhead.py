"""Round trip of one command, side by side in one run on the same image.

Compares ultrarun's DockerSandbox.exec (one persistent shell over one exec stream) with the
docker SDK's exec_run, the `docker exec` CLI, mini-swe-agent's DockerEnvironment.execute (a
`docker exec` per command; `pip install -e '.[bench]'`), LocalSandbox, and a host
subprocess.run as the floor. Targets: ours >= 15x faster than exec_run, within 4x of the floor.

    python benchmarks/exec_overhead.py [--calls 200] [--json]
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
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docker
from rich.console import Console
from rich.table import Table

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
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

    ours = results["ultrarun DockerSandbox.exec"]["true"]["median_ms"]
    floor = results["host subprocess.run (floor)"]["true"]["median_ms"]
    sdk = results["docker SDK exec_run"]["true"]["median_ms"]
    summary = {"speedup_vs_exec_run": sdk / ours, "ratio_to_floor": ours / floor,
               "target_speedup_vs_exec_run": 15, "target_ratio_to_floor": 4,
               "meets_targets": sdk / ours >= 15 and ours / floor <= 4}
    if args.json:
        print(json.dumps({"results": results, "summary": summary}, indent=2))
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
    console.print(f"ours vs exec_run: {summary['speedup_vs_exec_run']:.1f}x faster (target 15x); "
                  f"ours vs host floor: {summary['ratio_to_floor']:.2f}x (target <= 4x) -> "
                  + ("[green]targets met[/green]" if summary["meets_targets"]
                     else "[red]targets missed[/red]"))


if __name__ == "__main__":
    main()
