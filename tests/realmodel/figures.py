"""The measurements of the real-model tier: one row per scenario, kept for the session's table
and written to ``logs/realmodel-figures.json`` (read by ``benchmarks/realmodel_tier.py``)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.realmodel.server import ROOT

FIGURES = Path(os.environ.get("ULTRARUN_REALMODEL_FIGURES")
               or ROOT / "logs" / "realmodel-figures.json")
COLUMNS = ["scenario", "end_reason", "calls", "server_ok", "tokens_in", "server_in",
           "tokens_out", "server_out", "retries", "wall_s", "s_per_call", "overflows",
           "compactions", "prefix_share"]
rows: list[dict[str, Any]] = []


def record(row: dict[str, Any]) -> None:
    """Keep one scenario's measurements (and rewrite the JSON file with all so far)."""
    rows.append(row)
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(rows, indent=2))


def record_update() -> None:
    """Rewrite the JSON file after a recorded row was completed in place."""
    FIGURES.write_text(json.dumps(rows, indent=2))


def print_table(write_line: Callable[[str], None]) -> None:
    write_line("")
    write_line("real-model tier: llama-cpp-python server, SmolLM2-135M-Instruct")
    write_line("  ".join(f"{c:>16}" for c in COLUMNS))
    for r in rows:
        write_line("  ".join(f"{r.get(c, '-')!s:>16}" for c in COLUMNS))
    write_line(f"(also in {FIGURES}; benchmarks/realmodel_tier.py prints them)")
