"""Reports of one run: a rich terminal summary, JSON, and one self-contained HTML page.

The HTML page has no external resource (no CDN, no font, no fetch): charts are inline SVG drawn
here (their points link to the step they belong to), and every step is browsable with the
viewer's step browser from data embedded in the page (``report_steps``), texts cut to a bound.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agent.analysis.alerts import retries_summary
from agent.analysis.fuzz_report import fuzz_html, fuzz_rows, fuzz_terminal
from agent.analysis.metrics import RunMetrics
from agent.analysis.progress import Progress
from agent.analysis.report_steps import HTML_TEXT_CHARS, csp_hash, steps_section
from agent.analysis.svg import PALETTE, Band, Chart, Marker, Series, esc, line_chart, timeline
from agent.analysis.tiers import Tier
from agent.models.usage import cost_text
from agent.trajectory import EventBase, LoadedRun, RunInfo
from agent.trajectory.events import (
    ErrorEvent,
    EvaluationEvent,
    MessageEvent,
    ModelCall,
    RunEnd,
    RunStart,
    SnapshotEvent,
    ToolResultEvent,
)

#: The step timeline draws at most this many bars (steps are binned beyond).
HTML_TIMELINE_BARS = 600

NA = "n/a"


def _pct(v: float | None) -> str:
    return NA if v is None else f"{v * 100:.1f}%"


def _num(v: float | int | None, digits: int = 2) -> str:
    if v is None:
        return NA
    return str(v) if isinstance(v, int) else f"{v:.{digits}f}"


def caching_rows(m: RunMetrics) -> list[tuple[str, str]]:
    """Prompt cache reads and writes, reasoning tokens and the requests' prefix stability."""
    c, p = m.caching, m.caching.prefix
    rows = [("prompt cache hit rate", _pct(c.cache_hit_rate))]
    if c.cache_hit_rate is not None:
        rows.append(("prompt cache read / written",
                     f"{c.tokens_cached:,} / {c.tokens_cache_write:,} tokens"))
    rows += [("prompt prefix reused", NA if p.share is None else f"{_pct(p.share)} ({c.context})"),
             ("prefix breaks", f"{p.breaks} in {p.requests} calls")]
    if len(c.prefix_by_context) > 1:
        rows += [(f"prefix reused under {name}", f"{_pct(x.share)} ({x.requests} calls)")
                 for name, x in c.prefix_by_context.items()]
    if c.tokens_reasoning:
        rows.append(("reasoning tokens", f"{c.tokens_reasoning:,} of {m.run.tokens_out:,}"))
    return rows


def _model_call_rows(m: RunMetrics) -> list[tuple[str, str]]:
    mc = m.model_calls
    kinds = ", ".join(f"{k} x{n}" for k, n in list(mc.retry_errors.items())[:4])
    ctx = [f"{mc.compactions} compactions"] if mc.compactions else []
    ctx += [f"{mc.fallbacks} fallbacks"] if mc.fallbacks else []
    ctx += [f"window {mc.context_windows[-1]} learnt"] if mc.context_windows else []
    return [
        ("model calls", f"{mc.calls}" + (f", {mc.failed} failed" if mc.failed else "")),
        ("tokens in / out", f"{m.run.tokens_in} / {m.run.tokens_out}"),
        ("turns without a tool call", f"{mc.text_only_turns} of {mc.turns}"
         + (f" ({_pct(mc.unusable_rate)})" if mc.turns else "")),
        ("retries", f"{mc.retries} in {mc.calls_with_retries} calls, "
                    f"{mc.retry_wait_s:.1f} s waiting ({kinds})" if mc.retries else "0"),
        ("outages (longest)", f"{mc.outages} ({mc.longest_outage_s:.1f} s)"),
        ("context events", f"{len(m.context_events)}" + (f" ({', '.join(ctx)})" if ctx else "")),
    ]


def summary_rows(m: RunMetrics) -> list[tuple[str, str]]:
    """The headline figures as (label, text): shared by the terminal, HTML and compare."""
    p, r, s, lo, er = m.progress, m.regressions, m.stall, m.loops, m.errors
    cyc = lo.longest_cycle
    return [
        ("tool calls", str(m.run.tool_calls)),
        ("steps", str(m.run.steps)),
        ("wall time", NA if m.run.wall_s is None else f"{m.run.wall_s:.1f} s"),
        ("tokens", str(m.run.tokens)),
        ("final pass rate", _pct(p.final_rate) if p else NA),
        ("best pass rate", _pct(p.best_rate) if p else NA),
        *fuzz_rows(m.fuzz)[:2],
        *_model_call_rows(m)[:1], *_model_call_rows(m)[2:3],
        ("progress AUC", _num(p.auc, 3) if p else NA),
        ("calls to 25/50/75/90%", " / ".join(_num(v) for v in p.tool_calls_to.values())
         if p else NA),
        ("regression events", str(r.events) if r else NA),
        ("evaluations asked / skipped", f"{m.evaluations_requested} / "
         f"{m.evaluations_skipped}"),
        ("tests lost (unrecovered)", f"{len(r.tests_lost)} ({r.unrecovered})" if r else NA),
        ("max drawdown", _pct(r.max_drawdown) if r else NA),
        ("stall (calls since improvement)", str(s.tool_calls_since_improvement) if s else NA),
        ("exact repeats", f"{lo.exact_repeats} ({_pct(lo.exact_repeat_rate)})"),
        ("near duplicates", f"{lo.near_duplicates} ({_pct(lo.near_duplicate_rate)})"),
        ("longest identical run", str(lo.longest_identical_run)),
        ("longest cycle", f"{cyc.length} calls x{cyc.repeats} at call {cyc.start}"
         if cyc else "none"),
        ("error rate", _pct(er.error_rate) if m.run.tool_calls else NA),
        ("longest error streak", str(er.longest_streak)),
        ("build breaks (longest)", f"{er.build_breaks.episodes} ({er.build_breaks.longest})"),
        ("malformed / 100 calls", _num(m.validity.malformed_per_100)),
        ("unknown tool / 100 calls", _num(m.validity.unknown_tool_per_100)),
        ("churned lines", f"{m.churn.churned_lines} of {m.churn.lines_added} added"
         if m.churn else NA),
        ("file rewrites (commits)", str(m.churn.rewrites) if m.churn else NA),
        ("write_file overwrites", str(m.edits.write_file_overwrites)),
        _model_call_rows(m)[1], *caching_rows(m), *_model_call_rows(m)[3:],
        ("cost", cost_text(m.run.cost, m.model_calls.calls,
                           m.run.unpriced_calls, m.run.model_kind, short=True)),
        *fuzz_rows(m.fuzz)[2:],
    ]


def render_terminal(metrics: RunMetrics, info: RunInfo | None) -> RenderableType:
    """A rich summary: headline table, degradation slopes, what was not available."""
    r = metrics.run  # its status is what the events say (run.json may be stale)
    title = f"{info.run_id}  {info.scenario}  {info.model}  [{r.status}]" \
        + (f" {r.end_reason}" if r.end_reason and r.end_reason != r.status else "") if info \
        else str(r.run_id or "run")
    head = Table(title=Text(title, style="bold"), show_header=False, title_justify="left")
    head.add_column("metric", style="bold")
    head.add_column("value")
    for label, value in summary_rows(metrics):
        head.add_row(Text(label), Text(value, style="dim" if value == NA else ""))
    parts: list[RenderableType] = [head]
    if r.error:
        parts.append(Text(f"error: {r.error}", style="red"))
    if metrics.progress:
        parts.append(progress_curve(metrics.progress, max(metrics.run.tool_calls, 1)))
        parts.append(stages_table(metrics.progress))
    if metrics.progress and metrics.progress.tiers:
        parts.append(tiers_table(metrics.progress.tiers))
    if metrics.fuzz:
        parts.append(fuzz_terminal(metrics.fuzz, metrics.run.tool_calls))
    d = metrics.degradation
    if d.windows:
        trend = Table(title=f"Degradation: {len(d.windows)} windows of {d.window} calls",
                      title_justify="left")
        trend.add_column("metric")
        trend.add_column("first", justify="right")
        trend.add_column("last", justify="right")
        trend.add_column("slope / window", justify="right")
        for key, slope in d.slopes.items():
            first, last = getattr(d.windows[0], key), getattr(d.windows[-1], key)
            trend.add_row(Text(key), _num(first, 3), _num(last, 3), _num(slope, 4))
        parts.append(trend)
    if metrics.regressions and metrics.regressions.losses:
        lost = Table(title="Regressions (first 20)", title_justify="left")
        for col in ("test", "lost at", "recovered after"):
            lost.add_column(col)
        for x in metrics.regressions.losses[:20]:
            lost.add_row(Text(x.test), str(x.lost_at), _num(x.recovered_after))
        parts.append(lost)
    if metrics.unavailable:
        na = Table(title="Not available", title_justify="left", show_header=False)
        na.add_column("metric", style="bold")
        na.add_column("why")
        for key, why in metrics.unavailable.items():
            na.add_row(Text(key), Text(why))
        parts.append(na)
    return Group(*parts)


BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(points: Sequence[tuple[float, float]], horizon: float, width: int = 60) -> str:
    """A step curve of shares in [0, 1] over [0, horizon] in ``width`` block characters (each
    column shows the value held at its end; blank before the first point)."""
    out = []
    for col in range(width):
        x = horizon * (col + 1) / width
        held = [y for px, y in points if px <= x]
        out.append(BLOCKS[round(min(1.0, max(0.0, held[-1])) * 7)] if held else " ")
    return "".join(out)


def progress_curve(p: Progress, horizon: int) -> Text:
    """The pass-rate curve as a line of blocks, with where it starts, peaks and ends."""
    pts = [(float(x.tool_calls), x.rate) for x in p.points]
    first, last = p.points[0], p.points[-1]
    return Text.assemble(
        (f"Progress: pass rate over {horizon:,} tool calls ({p.evaluations} evaluations)\n",
         "bold"),
        ("│", "dim"), (sparkline(pts, max(horizon, last.tool_calls)), "green"), ("│\n", "dim"),
        f"{_pct(first.rate)} at call {first.tool_calls} → {_pct(last.rate)} at call "
        f"{last.tool_calls} (best {_pct(p.best_rate)})")


def stages_table(p: Progress) -> Table:
    """Each stage at the last evaluation, its best, and the call where it first passed all."""
    table = Table(title="Stages", title_justify="left")
    for col in ("stage", "final", "best", "all passing from call"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    final = next((x for x in reversed(p.points) if x.final), p.points[-1])
    names = sorted({k for x in p.points for k in x.stages})
    for name in names:
        seen = [(x.tool_calls, x.stages[name]) for x in p.points if name in x.stages
                and len(x.stages[name]) == 2 and x.stages[name][1]]
        if not seen:
            continue
        passed, total = final.stages.get(name, seen[-1][1])
        best = max(a / b for _, (a, b) in seen)
        full = next((c for c, (a, b) in seen if a == b), None)
        table.add_row(Text(name), f"{passed}/{total}", _pct(best), _num(full))
    return table


def report_json(metrics: RunMetrics, info: RunInfo | None) -> dict[str, Any]:
    """The JSON report: run.json as read plus every metric."""
    return {"run_info": info.model_dump(mode="json") if info else None,
            "metrics": metrics.model_dump(mode="json")}


# ---------------------------------------------------------------- HTML

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;
background:#f9fafb}
main{max-width:1100px;margin:0 auto;padding:16px 24px 64px}
h1{font-size:20px;margin:8px 0}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb}
.meta{color:#4b5563}.grid2{display:flex;flex-wrap:wrap;gap:8px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:6px 10px;min-width:150px}
.card b{display:block;font-size:16px}.card span{color:#6b7280;font-size:12px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #e5e7eb;padding:3px 8px;
text-align:left;vertical-align:top}
svg.chart{background:#fff;border:1px solid #e5e7eb;border-radius:6px;margin:4px 0;max-width:100%;
height:auto}
svg .ct{font-size:13px;font-weight:600;fill:#111827}svg .tl{font-size:11px;fill:#4b5563}
svg .al{font-size:12px;fill:#374151}svg .lg{font-size:11px;fill:#111827}
svg .grid{stroke:#f1f5f9}svg .lgbg{fill:#fff;fill-opacity:.85}svg .axis{stroke:#9ca3af}
svg .frame{fill:none;stroke:#d1d5db}svg .series{fill:none;stroke-width:2}
svg .marker{stroke-width:1.5;stroke-dasharray:4 3}
details{background:#fff;border:1px solid #e5e7eb;border-radius:6px;margin:4px 0;padding:4px 8px}
details.fail>summary{color:#b91c1c}summary{cursor:pointer}
pre{white-space:pre-wrap;word-break:break-all;background:#f3f4f6;padding:6px;margin:4px 0;
max-height:420px;overflow:auto;font:12px/1.35 ui-monospace,Menlo,Consolas,monospace}
.call{border-left:3px solid #93c5fd;padding-left:8px;margin:6px 0}.call.bad{border-color:#fca5a5}
.note{color:#6b7280;font-size:12px}.warn{color:#92400e;background:#fef3c7;padding:4px 8px}
button{margin-right:6px}
"""

def _cut(text: str, limit: int = HTML_TEXT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit} more characters not shown)"


@dataclass
class StepView:
    step: int
    t: float
    events: list[EventBase] = field(default_factory=list)
    calls: int = 0
    failures: int = 0
    commit: str | None = None
    names: list[str] = field(default_factory=list)
    text_only: bool = False  # the model's turn had no usable tool call
    model_failed: bool = False  # the model call failed for good

    @property
    def bad(self) -> bool:
        return bool(self.failures or self.text_only or self.model_failed)


def _steps(run: LoadedRun) -> list[StepView]:
    out: list[StepView] = []
    for step, events in run.by_step().items():
        # Evaluations land late; they are drawn on the curve instead.
        shown = [e for e in events if not isinstance(e, EvaluationEvent | RunStart | RunEnd)]
        if not shown:
            continue
        v = StepView(step, shown[0].t, shown)
        for e in shown:
            match e:
                case ToolResultEvent() if e.ran:
                    v.calls += 1
                    v.names.append(e.name)
                    v.failures += e.failed
                case MessageEvent(reason="format_error"):
                    v.text_only = True
                case ErrorEvent(where="model"):
                    v.model_failed = True
                case SnapshotEvent(changed=True):
                    # A snapshot with changed=false repeats the previous commit: nothing to diff.
                    v.commit = e.commit
        out.append(v)
    return out


def _progress_charts(m: RunMetrics) -> str:
    p = m.progress
    if p is None:
        return f'<p class="note">Progress curve not available: {esc(m.unavailable["progress"])}</p>'
    marks = [Marker(c.tool_calls, f"context {c.action} at call {c.tool_calls}")
             for c in m.context_events]
    horizon = max(m.run.tool_calls, p.points[-1].tool_calls)
    main = line_chart(Chart(
        "Hidden-test pass rate vs tool calls (dots: evaluations; dashed: context events)",
        "tool calls", "pass rate",
        [Series("pass rate", [(x.tool_calls, x.rate) for x in p.points], step=True, dots=True,
                steps=[x.step for x in p.points])],
        markers=marks, y_min=0, y_max=1, x_min=0, x_max=horizon, percent=True))
    out = [main]
    wall = [(x.wall_s, x.rate) for x in p.points if x.wall_s is not None]
    wall_steps = [x.step for x in p.points if x.wall_s is not None]
    wall_marks = [Marker(c.wall_s, f"context {c.action}") for c in m.context_events]
    if wall:
        out.append(line_chart(Chart("Pass rate vs wall time", "seconds since start", "pass rate",
                                    [Series("pass rate", wall, PALETTE[2], step=True,
                                            dots=True, steps=wall_steps)],
                                    markers=wall_marks, y_min=0, y_max=1,
                                    x_min=0, percent=True, width=540, height=240)))
    tok = [(float(x.tokens), x.rate) for x in p.points if x.tokens is not None]
    tok_steps = [x.step for x in p.points if x.tokens is not None]
    if tok and any(t for t, _ in tok):
        out.append(line_chart(Chart("Pass rate vs cumulative tokens", "tokens", "pass rate",
                                    [Series("pass rate", tok, PALETTE[3], step=True, dots=True,
                                            steps=tok_steps)],
                                    y_min=0, y_max=1, x_min=0, percent=True, width=540,
                                    height=240)))
    stages: dict[str, list[tuple[float, float]]] = {}
    for x in p.points:
        for name, pair in x.stages.items():
            if len(pair) == 2 and pair[1]:
                stages.setdefault(name, []).append((x.tool_calls, pair[0] / pair[1]))
    if p.tiers:
        out.append(tier_charts(p.tiers, stages, marks, horizon))
    elif stages:
        out.append("<h2>Per-stage progress</h2>")
        out.append(_stage_chart("Pass rate per stage vs tool calls", stages, marks, horizon))
    return "".join(out)


def _stage_chart(title: str, stages: dict[str, list[tuple[float, float]]],
                 marks: list[Marker], horizon: int) -> str:
    series = [Series(name, pts, PALETTE[i % len(PALETTE)], step=True)
              for i, (name, pts) in enumerate(sorted(stages.items()))]
    return line_chart(Chart(title, "tool calls", "stage pass rate", series, markers=marks,
                            y_min=0, y_max=1, x_min=0, x_max=horizon, percent=True,
                            height=300 if len(series) > 10 else max(300, 60 + 15 * len(series))))


def tiers_table(tiers: Sequence[Tier]) -> Table:
    """The terminal's view of a tiered suite: where each tier stands."""
    table = Table(title="Progress by tier", title_justify="left")
    for col in ("tier", "stages", "final", "best", "last improved at call"):
        table.add_column(col, justify="left" if col == "tier" else "right")
    for t in tiers:
        passed, total = t.final
        table.add_row(t.name, str(len(t.stages)),
                      f"{passed}/{total} ({_pct(passed / total if total else None)})",
                      _pct(t.best_rate), _num(t.last_improvement_at))
    return table


def tier_charts(tiers: Sequence[Tier], stages: dict[str, list[tuple[float, float]]],
                marks: list[Marker], horizon: int) -> str:
    """One curve per tier, then each tier's stages on a chart of their own (folded)."""
    series = [Series(f"{t.name} ({len(t.stages)} stages, {t.final[1]} tests)",
                     [(x.tool_calls, x.passed / x.total) for x in t.points if x.total],
                     PALETTE[i % len(PALETTE)], step=True, dots=True)
              for i, t in enumerate(tiers)]
    out = ["<h2>Per-tier progress</h2>",
           line_chart(Chart("Pass rate per tier vs tool calls", "tool calls", "tier pass rate",
                            series, markers=marks, y_min=0, y_max=1, x_min=0, x_max=horizon,
                            percent=True))]
    for t in tiers:
        passed, total = t.final
        mine = {k: v for k, v in stages.items() if k in set(t.stages)}
        out.append(f"<details><summary>{esc(t.name)}: {passed}/{total} at the end, "
                   f"{len(t.stages)} stages</summary>")
        out.append(_stage_chart(f"Pass rate per stage of {t.name} vs tool calls", mine, marks,
                                horizon))
        out.append("</details>")
    return "".join(out)


def _window_charts(m: RunMetrics) -> str:
    w = m.degradation.windows
    if not w:
        return '<p class="note">No tool calls.</p>'
    mid = [(x.start + x.end) / 2 for x in w]
    marks = [Marker(c.tool_calls, f"context {c.action}") for c in m.context_events]
    rates = line_chart(Chart(
        f"Per-window rates ({m.degradation.window} calls a window)", "tool calls", "share",
        [Series("error rate", list(zip(mid, [x.error_rate for x in w], strict=True)),
                PALETTE[1], dots=True),
         Series("repeat rate", list(zip(mid, [x.repeat_rate for x in w], strict=True)),
                PALETTE[0], dots=True),
         Series("invalid-call rate", list(zip(mid, [x.invalid_rate for x in w], strict=True)),
                PALETTE[4], dots=True)],
        markers=marks, y_min=0, y_max=1, x_min=0, x_max=m.run.tool_calls, percent=True))
    out_len = line_chart(Chart(
        "Mean tool output length per window", "tool calls", "characters",
        [Series("mean output chars", list(zip(mid, [x.mean_output_chars for x in w],
                                              strict=True)), PALETTE[5], dots=True)],
        markers=marks, y_min=0, x_min=0, x_max=m.run.tool_calls, height=220))
    slopes = "".join(f"<tr><td>{esc(k)}</td><td>{esc(_num(v, 4))}</td></tr>"
                     for k, v in m.degradation.slopes.items())
    return (rates + out_len + "<table><tr><th>metric</th><th>least-squares slope per window"
            f"</th></tr>{slopes}</table>")


def _timeline(steps: Sequence[StepView]) -> str:
    if not steps:
        return '<p class="note">No steps.</p>'
    per_bar = max(1, -(-len(steps) // HTML_TIMELINE_BARS))
    bands: list[Band] = []
    groups = [steps[i:i + per_bar] for i in range(0, len(steps), per_bar)]
    peak = max(max(1, sum(s.calls for s in g)) for g in groups)
    for g in groups:
        calls = sum(s.calls for s in g)
        fails = sum(s.failures for s in g)
        label = (f"step {g[0].step}" if len(g) == 1 else f"steps {g[0].step}-{g[-1].step}") + \
            f": {calls} calls, {fails} failing"
        bands.append(Band(label, max(1, calls) / peak, fails / calls if calls else 0.0,
                          empty=calls == 0))
    note = f" ({per_bar} steps a bar)" if per_bar > 1 else ""
    return timeline(bands, f"Steps{note}: height = tool calls, red = share of failing calls, "
                           "grey = no tool call")


retries_text = retries_summary  # the name replay and older callers use


def call_charts(run: LoadedRun) -> str:
    """Per model call: the prompt (the context the model saw), completion tokens, latency and
    cost, and any other number a model_call records, against the step; dots open the step."""
    from agent.view.tracker import call_numbers

    turns = run.events_of(ModelCall)
    if not turns:
        return '<p class="note">No model calls.</p>'
    rows = [(e.step, call_numbers(e.model_dump())) for e in turns]
    keys = ["prompt_tokens", "completion_tokens", "latency_s", "cost"]
    keys += sorted({k for _, r in rows for k, v in r.items() if k not in keys and v is not None
                    and not k.startswith("n_") and k not in ("seq", "t", "step")})
    keys += ["n_retries"]
    out = []
    for i, key in enumerate(keys):
        pts = [(float(step), float(v)) for step, r in rows if (v := r.get(key)) is not None]
        if not pts or not any(y for _, y in pts):
            continue
        out.append(line_chart(Chart(
            f"{key} per model call", "step", key,
            [Series(key, pts, PALETTE[i % len(PALETTE)], dots=True,
                    steps=[int(x) for x, _ in pts])], y_min=0, width=540, height=220)))
    return "".join(out) or '<p class="note">The model calls record no numbers.</p>'


def _table(rows: Sequence[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
                               for k, v in rows) + "</table>"


READY = "document.body.setAttribute('data-ready','1');"


def html_page(title: str, body: str, scripts: Sequence[str] = (),
              styles: Sequence[str] = ()) -> str:
    """Wrap ``body`` in the page skeleton: the CSS, then ``scripts`` (inline, each allowed by
    its hash in the page's Content-Security-Policy; nothing else may run)."""
    styles = [CSS, *styles]
    scripts = [*scripts, READY]
    csp = (f"default-src 'none'; style-src {' '.join(csp_hash(x) for x in styles)}; "
           f"script-src {' '.join(csp_hash(x) for x in scripts)}; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
            f"<title>{esc(title)}</title>" + "".join(f"<style>{x}</style>" for x in styles)
            + f"</head><body><main>{body}</main>"
            + "".join(f"<script>{x}</script>" for x in scripts) + "</body></html>")


def render_html(run: LoadedRun, metrics: RunMetrics) -> str:
    """One self-contained HTML page of the run: charts, metrics, timeline and capped steps."""
    info = run.current_info
    r = metrics.run
    title = f"ultrarun report: {r.run_id or run.run_dir}"
    cards = "".join(f'<div class="card"><b>{esc(v)}</b><span>{esc(k)}</span></div>'
                    for k, v in summary_rows(metrics)[:8])
    state = (f"running: a snapshot at step {r.steps} (`ultrarun view` follows it live)"
             if r.status == "running" else f"{r.status} / {r.end_reason}" if r.end_reason
             else str(r.status))
    meta = (f"{esc(r.scenario)} · model {esc(r.model)} ({esc(r.model_kind)}) · status "
            f"{esc(state)}") if info else "run.json unreadable"
    if r.parent:
        meta += f" · fork of {esc(r.parent.get('run_dir'))} at step {esc(r.parent.get('step'))}"
    warn = "".join(f'<p class="warn">{esc(w)}</p>' for w in
                   ([f"error: {r.error}"] if r.error else []) + metrics.warnings)
    mc = metrics.model_calls
    model_rows = [("agent turns (model calls incl. summaries)", f"{mc.turns} ({mc.calls})"),
                  ("failed model calls", str(mc.failed)),
                  ("last failure", mc.last_error or "-"),
                  ("retried attempts", str(mc.retries)),
                  ("calls with retries", str(mc.calls_with_retries)),
                  ("time waiting between attempts", f"{mc.retry_wait_s:.1f} s"),
                  ("retried errors", ", ".join(f"{k} x{n}" for k, n in mc.retry_errors.items())
                   or "-"),
                  ("outages (longest wait)", f"{mc.outages} ({mc.longest_outage_s:.1f} s)"),
                  ("turns without a tool call", f"{mc.text_only_turns} of {mc.turns}"),
                  ("mean latency", f"{mc.mean_latency_s:.2f} s" if mc.mean_latency_s is not None
                   else NA),
                  ("context windows learnt", ", ".join(map(str, mc.context_windows)) or "-"),
                  ("compactions / fallbacks", f"{mc.compactions} / {mc.fallbacks}")]
    na = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
                 for k, v in metrics.unavailable.items())
    ctx = "".join(f"<tr><td>{c.tool_calls}</td><td>{c.step}</td><td>{esc(c.action)}</td>"
                  f"<td>{esc(_cut(json.dumps(c.details, default=str), 300))}</td></tr>"
                  for c in metrics.context_events)
    losses = ""
    if metrics.regressions and metrics.regressions.losses:
        losses = "<h2>Regressions</h2><table><tr><th>test</th><th>lost at</th><th>passed at" \
                 "</th><th>recovered after</th></tr>" + "".join(
                     f"<tr><td>{esc(x.test)}</td><td>{x.lost_at}</td><td>{x.passed_at}</td>"
                     f"<td>{esc(_num(x.recovered_after))}</td></tr>"
                     for x in metrics.regressions.losses[:500]) + "</table>"
    steps = _steps(run)
    section, scripts, style = steps_section(run)
    body = (f"<h1>{esc(title)}</h1><p class=\"meta\">{meta}</p>{warn}"
            f'<div class="grid2">{cards}</div>'
            f'<h2>Progress</h2><div id="progress">{_progress_charts(metrics)}</div>'
            f"{fuzz_html(metrics.fuzz, metrics.run.tool_calls)}"
            f'<h2>Per model call</h2><div id="per-call">{call_charts(run)}</div>'
            f'<h2>Degradation</h2><div id="windows">{_window_charts(metrics)}</div>'
            f'<h2>Timeline</h2><div id="timeline">{_timeline(steps)}</div>'
            f"<h2>Metrics</h2>{_table(summary_rows(metrics))}{losses}"
            f'<h2>Model calls</h2><div id="model-calls">{_table(model_rows)}</div>'
            + (f"<h2>Context events</h2><table><tr><th>tool calls</th><th>step</th><th>action"
               f"</th><th>details</th></tr>{ctx}</table>" if ctx else "")
            + (f"<h2>Not available</h2><table>{na}</table>" if na else "")
            + f'<h2 id="steps">Steps</h2>{section}')
    return html_page(title, body, scripts, [style])
