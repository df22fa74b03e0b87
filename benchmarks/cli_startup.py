"""Start-up cost of the `ultrarun` command line, against the floor and mini-swe-agent.

Median wall time of 10 cold process starts (a new interpreter each time; the rounds
interleave the commands so that load on the machine falls on all of them alike):

- `python -c pass`: the floor, the interpreter alone;
- `mini --help`: mini-swe-agent's CLI (`pip install -e '.[bench]'`);
- `ultrarun --help`, `ultrarun scenarios list`, `ultrarun replay RUN --step 1` on a small
  run (recorded first with the word-count example's script, local sandbox).

Targets: `ultrarun --help` under 0.5 s and within 2x of `mini --help`.

    python benchmarks/cli_startup.py [--runs 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HELP_TARGET_S = 0.5
MINI_FACTOR = 2.0


def timed(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr[-500:]}")
    return elapsed


def small_run(tmp: Path, env: dict[str, str]) -> Path:
    """The word-count example solved by its script, on the local sandbox: 4 steps."""
    ex = ROOT / "docs" / "examples" / "word-count"
    subprocess.run([str(BIN / "ultrarun"), "run", str(ex), "--model",
                    f"script:{ex / 'solution.yaml'}", "--sandbox", "local", "--logs", str(tmp),
                    "--run-id", "small", "--quiet"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return tmp / "small"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    env = {**os.environ, "COLUMNS": "100"}
    mini = shutil.which("mini", path=str(BIN)) or shutil.which("mini")
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        run = small_run(Path(tmp), env)
        ur = str(BIN / "ultrarun")
        commands: dict[str, list[str]] = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "mini --help": [mini, "--help"] if mini else [],
            "ultrarun --help": [ur, "--help"],
            "ultrarun scenarios list": [ur, "scenarios", "list"],
            "ultrarun replay RUN --step 1": [ur, "replay", str(run), "--step", "1"],
        }
        commands = {k: v for k, v in commands.items() if v}
        for argv in commands.values():  # warm the page cache: "cold" means a new process
            timed(argv, env)
        samples: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                samples[name].append(timed(argv, env))
    med = {k: statistics.median(v) for k, v in samples.items()}
    floor = med["python -c pass"]
    help_s = med["ultrarun --help"]
    mini_s = med.get("mini --help")
    out = {
        "runs": args.runs,
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "min_s": {k: round(min(v), 3) for k, v in samples.items()},
        "over_floor_s": {k: round(v - floor, 3) for k, v in med.items()},
        "targets": {
            "help_under_s": HELP_TARGET_S, "help_ok": help_s < HELP_TARGET_S,
            "help_vs_mini": round(help_s / mini_s, 2) if mini_s else None,
            "help_vs_mini_ok": (help_s <= MINI_FACTOR * mini_s) if mini_s else None,
        },
        "mini_swe_agent": "installed" if mini_s else "missing: pip install -e '.[bench]'",
        "load_average": os.getloadavg()[0],
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"CLI start-up, median of {args.runs} cold process starts "
                  f"(load average {out['load_average']:.1f})")
    for col in ("command", "median", "min", "over python -c pass", "vs mini --help"):
        table.add_column(col, justify="left" if col == "command" else "right")
    for name, m in med.items():
        vs = f"{m / mini_s:.2f}x" if mini_s else "-"
        table.add_row(name, f"{m * 1000:.0f} ms", f"{min(samples[name]) * 1000:.0f} ms",
                      f"{(m - floor) * 1000:+.0f} ms", vs)
    Console(width=110).print(table)
    t = out["targets"]
    print(f"ultrarun --help: {help_s * 1000:.0f} ms (target < {HELP_TARGET_S * 1000:.0f} ms: "
          f"{'met' if t['help_ok'] else 'MISSED'})"
          + (f"; {t['help_vs_mini']}x mini --help (target <= {MINI_FACTOR:g}x: "
             f"{'met' if t['help_vs_mini_ok'] else 'MISSED'})" if mini_s else
             "; mini-swe-agent missing: pip install -e '.[bench]'"))


if __name__ == "__main__":
    main()
