"""The real-model tier's figures: build time of the server, and per scenario the end reason,
model calls, tokens counted by ultrarun next to the server's own counts, wall time and seconds
per model call.

The tier (`make test-realmodel`) writes one row per scenario to `logs/realmodel-figures.json`
(or `$ULTRARUN_REALMODEL_FIGURES`), and the server's build time to `.venv-llm/build-time.txt`.
This script prints them side by side; with `--run` it runs the tier first (building the
server if `.venv-llm` has none) and times the whole.

    python benchmarks/realmodel_tier.py [--run] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

FIGURES = Path(os.environ.get("ULTRARUN_REALMODEL_FIGURES")
               or ROOT / "logs" / "realmodel-figures.json")
BUILD_TIME = ROOT / ".venv-llm" / "build-time.txt"
COLUMNS = [("scenario", "scenario"), ("end_reason", "end reason"), ("calls", "model calls"),
           ("server_ok", "server answered"), ("tokens_in", "tokens in (ultrarun)"),
           ("server_in", "tokens in (server)"), ("tokens_out", "tokens out (ultrarun)"),
           ("server_out", "tokens out (server)"), ("retries", "retries"),
           ("wall_s", "run wall s"), ("s_per_call", "s / model call")]


def run_tier() -> float:
    """Run `make test-realmodel`; return its wall time in seconds."""
    FIGURES.unlink(missing_ok=True)
    start = time.monotonic()
    subprocess.run(["make", "test-realmodel"], cwd=ROOT, check=True)
    return round(time.monotonic() - start, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", action="store_true", help="run the tier first")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args()
    tier_s = run_tier() if args.run else None
    if not FIGURES.exists():
        sys.exit(f"{FIGURES}: no figures yet; run `make test-realmodel` (or this with --run)")
    rows: list[dict[str, Any]] = json.loads(FIGURES.read_text())
    build = BUILD_TIME.read_text().strip() if BUILD_TIME.exists() else ""
    m = re.search(r"(\d+) s", build)
    out = {"build_s": int(m.group(1)) if m else None, "tier_s": tier_s, "scenarios": rows}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    console = Console()
    table = Table(title="real-model tier: llama-cpp-python 0.3.36 server, SmolLM2-135M-Instruct "
                        "Q4_1, 1 thread, temperature 0")
    for _key, label in COLUMNS:
        table.add_column(label, justify="left" if _key in ("scenario", "end_reason") else "right")
    for r in rows:
        table.add_row(*(str(r.get(k, "-")) for k, _ in COLUMNS))
    console.print(table)
    console.print(f"server build (make realmodel-server): {out['build_s'] or 'n/a'} s"
                  + (f"; tier (make test-realmodel): {tier_s} s" if tier_s is not None else ""))


if __name__ == "__main__":
    main()
