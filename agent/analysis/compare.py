"""Several runs side by side: a terminal table, JSON, and an HTML page with overlaid curves.

A fork (run.json ``parent: {"run_dir": ..., "step": N}``) is lined up with its parent: its
tool-call axis is offset by the parent's tool calls up to and including step N. This assumes
the fork counts its own tool calls from 0, as a fresh run does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from rich.table import Table
from rich.text import Text

from agent.analysis.calls import extract_calls
from agent.analysis.fuzz_report import compare_fuzz_chart
from agent.analysis.metrics import RunMetrics, compute_metrics
from agent.analysis.report import NA, html_page, summary_rows
from agent.analysis.svg import PALETTE, Chart, Marker, Series, esc, line_chart
from agent.trajectory import LoadedRun, load_run


class ComparedRun(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    run_dir: Path
    label: str
    offset: int  # tool calls added to this run's axis (a fork starts where its parent was)
    fork_note: str | None
    run: LoadedRun
    metrics: RunMetrics


def _calls_through_step(run: LoadedRun, step: int) -> int:
    return sum(1 for c in extract_calls(run) if c.step <= step)


def _resolve_parent(child: Path, parent_dir: str) -> Path:
    p = Path(parent_dir)
    if p.is_absolute():
        return p
    return child.parent / p  # relative to the fork's logs folder (a sibling: its name)


def fork_offset(run_dir: Path, run: LoadedRun,
                loaded: dict[Path, LoadedRun]) -> tuple[int, str | None]:
    """Tool calls of the parent up to the fork step (0 for a run that is not a fork)."""
    parent = run.info.parent if run.info else None
    if not parent or "run_dir" not in parent:
        return 0, None
    step = int(parent.get("step") or 0)
    where = _resolve_parent(run_dir, str(parent["run_dir"])).resolve()
    prun = loaded.get(where)
    if prun is None:
        if not (where / "events.jsonl").exists():
            return 0, f"fork of {where} at step {step}: parent not found, not lined up"
        prun = load_run(where)
    offset = _calls_through_step(prun, step)
    return offset, f"fork of {where.name} at step {step} (+{offset} tool calls)"


def compare_runs(runs: Sequence[tuple[Path, LoadedRun]]) -> list[ComparedRun]:
    """Metrics of each run and its offset on the shared tool-call axis."""
    loaded = {d.resolve(): r for d, r in runs}
    labels: list[str] = []
    out: list[ComparedRun] = []
    for run_dir, run in runs:
        label = run.info.run_id if run.info else run_dir.name
        if label in labels:  # two copies of the same run: keep the columns apart
            label = f"{label} ({len(labels) + 1})"
        labels.append(label)
        offset, note = fork_offset(run_dir, run, loaded)
        out.append(ComparedRun(run_dir=run_dir, label=label, offset=offset, fork_note=note,
                               run=run, metrics=compute_metrics(run)))
    return out


def compare_warnings(items: Sequence[ComparedRun]) -> list[str]:
    """What makes the runs not comparable as they stand (different scenarios)."""
    scenarios = {i.metrics.run.scenario for i in items}
    if len(scenarios) > 1:
        named = ", ".join(sorted(str(x) for x in scenarios))
        return [f"these runs are of different scenarios ({named}): their pass rates measure "
                "different test suites"]
    return []


def identity_rows(items: Sequence[ComparedRun]) -> list[tuple[str, list[str]]]:
    """What each run is: scenario, model, status."""
    def status(i: ComparedRun) -> str:
        r = i.metrics.run
        return f"{r.status} ({r.end_reason})" if r.end_reason and r.end_reason != r.status \
            else str(r.status)

    return [("scenario", [str(i.metrics.run.scenario or NA) for i in items]),
            ("model", [str(i.metrics.run.model or NA) for i in items]),
            ("status", [status(i) for i in items])]


def compare_table(items: Sequence[ComparedRun]) -> Table:
    """One row per headline metric, one column per run."""
    table = Table(title="Run comparison", title_justify="left")
    table.add_column("metric", style="bold")
    for item in items:
        table.add_column(Text(item.label), overflow="fold")
    for label, names in identity_rows(items):
        table.add_row(Text(label), *(Text(c) for c in names))
    labels, rows = metric_rows(items)
    for label in labels:
        cells = [r.get(label, NA) for r in rows]
        table.add_row(Text(label), *(Text(c, style="dim" if c == NA else "") for c in cells))
    if any(i.fork_note for i in items):
        table.add_row("fork", *[Text(i.fork_note or "") for i in items])
    return table


def metric_rows(items: Sequence[ComparedRun]) -> tuple[list[str], list[dict[str, str]]]:
    """Every run's headline rows by label (a run without a fuzz measure lacks its rows), and
    the labels in order."""
    rows = [dict(summary_rows(i.metrics)) for i in items]
    labels: list[str] = []
    for i in items:
        labels += [label for label, _ in summary_rows(i.metrics) if label not in labels]
    return labels, rows


def compare_json(items: Sequence[ComparedRun]) -> dict[str, Any]:
    return {"warnings": compare_warnings(items),
            "runs": [{"run_dir": str(i.run_dir), "label": i.label, "offset": i.offset,
                      "fork": i.fork_note,
                      "run_info": i.run.info.model_dump(mode="json") if i.run.info else None,
                      "metrics": i.metrics.model_dump(mode="json")} for i in items]}


def render_compare_html(items: Sequence[ComparedRun]) -> str:
    """The progress curves overlaid on one plot (forks offset), windowed rates, the table."""
    series: list[Series] = []
    errors: list[Series] = []
    markers: list[Marker] = []
    horizon = 1
    for k, item in enumerate(items):
        color = PALETTE[k % len(PALETTE)]
        m = item.metrics
        horizon = max(horizon, item.offset + m.run.tool_calls)
        if m.progress:
            # Held to the run's own end, not to the longest run's.
            series.append(Series(item.label, [(p.tool_calls + item.offset, p.rate)
                                              for p in m.progress.points],
                                 color, step=True, dots=True,
                                 until=item.offset + max(m.run.tool_calls,
                                                         m.progress.points[-1].tool_calls)))
        if m.degradation.windows:
            errors.append(Series(item.label, [((w.start + w.end) / 2 + item.offset, w.error_rate)
                                              for w in m.degradation.windows], color, dots=True))
        if item.offset:
            markers.append(Marker(item.offset, f"{item.label}: {item.fork_note}", color))
        markers += [Marker(c.tool_calls + item.offset, f"{item.label}: context {c.action}",
                           color) for c in m.context_events]
    chart = line_chart(Chart("Hidden-test pass rate vs tool calls (forks offset to their fork "
                             "point; dashed: forks and context events)", "tool calls",
                             "pass rate", series, markers, y_min=0, y_max=1, x_min=0,
                             x_max=horizon, percent=True, height=360)) if series else \
        '<p class="note">No run has evaluations.</p>'
    err_chart = line_chart(Chart("Error rate per window of tool calls", "tool calls", "share",
                                 errors, y_min=0, y_max=1, x_min=0, x_max=horizon,
                                 percent=True)) if errors else ""
    labels, rows = metric_rows(items)
    head = "".join(f"<th>{esc(i.label)}</th>" for i in items)
    ident = "".join(f"<tr><th>{esc(label)}</th>" + "".join(f"<td>{esc(c)}</td>" for c in cells)
                    + "</tr>" for label, cells in identity_rows(items))
    body = ident + "".join("<tr><th>" + esc(label) + "</th>" + "".join(
        f"<td>{esc(r.get(label, NA))}</td>" for r in rows) + "</tr>" for label in labels)
    fuzz = compare_fuzz_chart([(i.label, i.offset, i.metrics.fuzz) for i in items], horizon)
    forks = "".join(f"<p class=\"note\">{esc(i.label)}: {esc(i.fork_note)}</p>"
                    for i in items if i.fork_note)
    warn = "".join(f'<p class="warn">{esc(w)}</p>' for w in
                   [*compare_warnings(items), *(w for i in items for w in i.metrics.warnings)])
    page = (f"<h1>ultrarun comparison of {len(items)} runs</h1>{warn}{forks}"
            f'<h2>Progress</h2><div id="progress">{chart}</div>{fuzz}'
            f'<h2>Errors</h2><div id="windows">{err_chart}</div>'
            f"<h2>Metrics</h2><table><tr><th>metric</th>{head}</tr>{body}</table>")
    return html_page("ultrarun comparison", page)
