"""The end of a batch: a table by scenario and model (mean and spread over seeds) and the
compare HTML of every run (`logs/<batch-id>/compare.html`)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rich.table import Table

from agent.analysis.compare import compare_runs, render_compare_html
from agent.analysis.metrics import RunMetrics, compute_metrics
from agent.batch.index import BatchIndex
from agent.team.as_run import load_any
from agent.team.info import is_team_dir
from agent.trajectory.durable import write_atomic

#: (key, label, how to read it from a run's metrics) of the figures aggregated per group.
FIGURES: list[tuple[str, str]] = [
    ("score", "final score"),
    ("final_pass_rate", "pass rate"),
    ("auc", "AUC"),
    ("regressions", "regressions"),
    ("loop_rate", "loop rate"),
    ("error_streak", "err streak"),
    ("tool_calls", "calls"),
]


class Spread(BaseModel):
    n: int
    mean: float | None
    std: float | None
    min: float | None
    max: float | None


class GroupRow(BaseModel):
    scenario: str
    model: str
    runs: int
    finished: int
    figures: dict[str, Spread]


def run_figures(m: RunMetrics) -> dict[str, float | None]:
    """The per-run figures the batch table aggregates."""
    r = m.run
    return {
        "score": r.final_passed / r.final_total if r.final_total and r.final_passed is not None
        else None,
        "final_pass_rate": m.progress.final_rate if m.progress else None,
        "auc": m.progress.auc if m.progress else None,
        "regressions": float(m.regressions.events) if m.regressions else None,
        "loop_rate": m.loops.exact_repeat_rate,
        "error_streak": float(m.errors.longest_streak),
        "tool_calls": float(r.tool_calls),
    }


def spread(values: Sequence[float | None]) -> Spread:
    xs = [v for v in values if v is not None]
    if not xs:
        return Spread(n=0, mean=None, std=None, min=None, max=None)
    return Spread(n=len(xs), mean=statistics.fmean(xs),
                  std=statistics.stdev(xs) if len(xs) > 1 else 0.0, min=min(xs), max=max(xs))


def summarize(batch_dir: Path, index: BatchIndex) -> tuple[list[GroupRow], list[Path]]:
    """Rows by (scenario, model) in matrix order, and the run folders that exist."""
    groups: dict[tuple[str, str], list[dict[str, float | None]]] = {}
    counts: dict[tuple[str, str], list[int]] = {}
    dirs: list[Path] = []
    for e in index.entries:
        key = (e.scenario, e.model)
        groups.setdefault(key, [])
        c = counts.setdefault(key, [0, 0])
        c[0] += 1
        c[1] += e.state == "finished"
        run_dir = batch_dir / e.run_dir
        if (run_dir / "events.jsonl").exists() or is_team_dir(run_dir):
            dirs.append(run_dir)
            groups[key].append(run_figures(compute_metrics(load_any(run_dir))))
    rows = [GroupRow(scenario=s, model=m, runs=counts[(s, m)][0], finished=counts[(s, m)][1],
                     figures={k: spread([f[k] for f in figs]) for k, _ in FIGURES})
            for (s, m), figs in groups.items()]
    return rows, dirs


def _fmt(s: Spread, key: str) -> str:
    if s.mean is None:
        return "-"
    pct = key in ("score", "final_pass_rate", "loop_rate")
    f = (lambda v: f"{v * 100:.0f}%") if pct else (lambda v: f"{v:.2f}" if key == "auc"
                                                   else f"{v:.1f}")
    return f"{f(s.mean)} ±{f(s.std or 0.0)}" if s.n > 1 else f(s.mean)


def summary_table(rows: Sequence[GroupRow]) -> Table:
    """Mean ± standard deviation over seeds, one row per scenario x model."""
    t = Table(title="batch summary (mean ± sd over seeds)", title_justify="left")
    for col in ("scenario", "model", "done"):
        t.add_column(col)
    for _, label in FIGURES:
        t.add_column(label, justify="right")
    for r in rows:
        t.add_row(r.scenario, r.model, f"{r.finished}/{r.runs}",
                  *[_fmt(r.figures[k], k) for k, _ in FIGURES])
    return t


def write_compare_html(batch_dir: Path, dirs: Sequence[Path]) -> Path | None:
    """The compare page of every run of the batch (None when no run has a folder yet)."""
    if not dirs:
        return None
    items = compare_runs([(d, load_any(d)) for d in dirs])
    out = batch_dir / "compare.html"
    write_atomic(out, render_compare_html(items))
    return out


def summary_json(rows: Sequence[GroupRow]) -> list[dict[str, Any]]:
    return [r.model_dump() for r in rows]
