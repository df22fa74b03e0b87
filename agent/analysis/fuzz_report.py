"""The fuzz measure and the overfitting gap in the reports: terminal, HTML, compare.

Figures come from ``fuzzgap.FuzzGap`` (docs/metrics.md, "The overfitting gap"); every text a
grader or a program produced is escaped (``esc``) before it reaches a page.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agent.analysis.fuzzgap import SEGMENT_PROGRAMS, FuzzGap, Miscompile
from agent.analysis.svg import PALETTE, Chart, Series, esc, line_chart

NA = "n/a"
FEATURES_SHOWN = 15  # features in the terminal's table (the least agreed first)


def _pct(v: float | None) -> str:
    return NA if v is None else f"{v * 100:.1f}%"


def _pts(v: float | None) -> str:
    return NA if v is None else f"{v * 100:+.1f} pts"


def flag_text(f: FuzzGap) -> str:
    """``yes: pass rate +32.0 pts, fuzz -2.0 pts (calls 50-300 to 350-600)`` / ``no``."""
    if f.flagged is None:
        return (f"not enough fuzz programs yet ({f.tried}; two segments of "
                f"{SEGMENT_PROGRAMS} needed)")
    if not f.flag:
        return "no"
    x = f.flag
    return (f"yes: pass rate {_pts(x.pass_rise)}, fuzz agreement {_pts(x.fuzz_change)} "
            f"(calls {x.before.first_call}-{x.before.last_call} to "
            f"{x.after.first_call}-{x.after.last_call})")


def fuzz_rows(f: FuzzGap | None) -> list[tuple[str, str]]:
    """Headline rows (the summary table, compare): none without a fuzz measure."""
    if f is None:
        return []
    return [("fuzz agreement (final)", _pct(f.final_fuzz_rate)),
            ("overfitting gap (final / mean)", f"{_pts(f.final_gap)} / {_pts(f.mean_gap)}"),
            ("overfitting flagged", flag_text(f)),
            ("fuzz programs agreed / tried", f"{f.agreed} / {f.tried} ({f.miscompiled} "
                                             f"miscompiled)"),
            ("miscompiles reduced", str(len(f.miscompiles)))]


def _describe(m: Miscompile) -> str:
    p = m.program
    exp, got = p.expected, p.got
    outputs = (f"gcc: exit {exp.exit_code}, {exp.stdout[:60]!r}; the candidate: exit "
               f"{got.exit_code}, {got.stdout[:60]!r}") if exp and got else p.reason
    return (f"step {m.step} (call {m.tool_calls}), program {p.index} ({p.tier}): {p.status}, "
            f"{p.lines_before} -> {p.lines_after} lines; {outputs}")


def fuzz_terminal(f: FuzzGap, horizon: int) -> RenderableType:
    """The terminal's view: both curves, the gap, the flag, agreement by feature, the
    reduced miscompiles."""
    from agent.analysis.report import sparkline as line  # report imports this module

    width = float(max(horizon, f.points[-1].tool_calls, 1))
    pass_pts = [(float(p.tool_calls), p.pass_rate) for p in f.points]
    fuzz_pts = [(float(p.tool_calls), p.fuzz_rate) for p in f.points if p.fuzz_rate is not None]
    head = Text.assemble(
        ("Fuzz measure: hidden pass rate vs agreement with gcc on fresh programs\n", "bold"),
        ("pass │", "dim"), (line(pass_pts, width), "green"), ("│\n", "dim"),
        ("fuzz │", "dim"), (line(fuzz_pts, width), "magenta"), ("│\n", "dim"),
        f"final agreement {_pct(f.final_fuzz_rate)}, gap {_pts(f.final_gap)} "
        f"(mean {_pts(f.mean_gap)}); overfitting flagged: {flag_text(f)}")
    parts: list[RenderableType] = [head]
    if f.by_feature:
        table = Table(title="Fuzz agreement by feature (last evaluation, least agreed first)",
                      title_justify="left")
        for col in ("feature", "tried", "agreed"):
            table.add_column(col, justify="left" if col == "feature" else "right")
        rows = sorted(f.by_feature.items(), key=lambda kv: (kv[1][1] / max(kv[1][0], 1), kv[0]))
        for name, (n, ok) in rows[:FEATURES_SHOWN]:
            table.add_row(Text(name), str(n), str(ok))
        parts.append(table)
    for m in f.miscompiles[:3]:
        parts.append(Text(_describe(m), style="yellow"))
        parts.append(Text(m.program.reduced or m.program.source))
    if len(f.miscompiles) > 3:
        parts.append(Text(f"... and {len(f.miscompiles) - 3} more reduced miscompiles "
                          "(report --html lists them all)", style="dim"))
    return Group(*parts)


def fuzz_chart(f: FuzzGap, horizon: int) -> str:
    """Pass rate, fuzz agreement and the gap over tool calls (dots open the step)."""
    steps = [p.step for p in f.points]
    rated = [p for p in f.points if p.fuzz_rate is not None and p.gap is not None]
    low = min([0.0, *(p.gap for p in rated if p.gap is not None)])
    return line_chart(Chart(
        "Pass rate, fuzz agreement with gcc, and the gap (pass rate - agreement)",
        "tool calls", "share",
        [Series("pass rate", [(p.tool_calls, p.pass_rate) for p in f.points], PALETTE[0],
                step=True, dots=True, steps=steps),
         Series("fuzz agreement", [(p.tool_calls, p.fuzz_rate or 0.0) for p in rated],
                PALETTE[3], step=True, dots=True, steps=[p.step for p in rated]),
         Series("gap", [(p.tool_calls, p.gap or 0.0) for p in rated], PALETTE[1],
                step=True, dashed=True, steps=[p.step for p in rated])],
        y_min=low, y_max=1, x_min=0, x_max=horizon, percent=True))


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    return ("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>" +
            "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
            + "</table>")


def miscompile_id(m: Miscompile) -> str:
    return f"miscompile-{m.step}-{m.program.index}"


def miscompiles_html(f: FuzzGap) -> str:
    if not f.miscompiles:
        note = "No miscompiled fuzz program was reduced." + (
            f" Reductions that failed: {'; '.join(f.reductions_failed)}"
            if f.reductions_failed else "")
        return f'<p class="note">{esc(note)}</p>'
    out = []
    for m in f.miscompiles:
        p = m.program
        exp, got = p.expected, p.got
        outputs = _table(["", "exit code", "stdout"],
                         [["gcc (-O0 and -O2)", exp.exit_code, exp.stdout],
                          ["the candidate", got.exit_code, got.stdout]]) if exp and got else \
            f'<p class="note">{esc(p.reason)}</p>'
        out.append(
            f'<details class="fail" id="{esc(miscompile_id(m))}" open><summary>step '
            f'<a href="#step-{m.step}">{m.step}</a> (call {m.tool_calls}): program {p.index} '
            f"({esc(p.tier)}; {esc(', '.join(p.features))}) — {esc(p.status)}, "
            f"{p.lines_before} → {p.lines_after} lines in {p.seconds:.0f} s</summary>"
            f"<pre>{esc(p.reduced or p.source)}</pre>{outputs}"
            f"<details><summary>the program as generated (seed {p.seed})</summary>"
            f"<pre>{esc(p.source)}</pre></details></details>")
    return "".join(out)


def fuzz_html(f: FuzzGap | None, horizon: int) -> str:
    """The report's fuzz section (empty without a fuzz measure)."""
    if f is None:
        return ""
    flag = (f'<p class="warn">Overfitting flagged: {esc(flag_text(f))}</p>' if f.flag else
            f'<p class="note">Overfitting flagged: {esc(flag_text(f))}</p>')
    tiers = _table(["tier", "tried", "agreed"], [[k, n, ok] for k, (n, ok) in
                                                 sorted(f.by_tier.items())]) \
        if len(f.by_tier) > 1 else ""
    features = _table(["feature", "tried", "agreed"], [
        [k, n, ok] for k, (n, ok) in sorted(f.by_feature.items(),
                                            key=lambda kv: (kv[1][1] / max(kv[1][0], 1), kv[0]))])
    return (f'<h2 id="fuzz">Fuzz measure and the overfitting gap</h2>{flag}'
            f"{fuzz_chart(f, horizon)}"
            f"<p class=\"note\">At the last evaluation (least agreed first):</p>{tiers}{features}"
            f'<h2 id="miscompiles">Miscompiles, reduced</h2>{miscompiles_html(f)}')


def compare_fuzz_chart(items: Sequence[tuple[str, int, FuzzGap | None]], horizon: int) -> str:
    """Compare: each run's pass rate (solid) and fuzz agreement (dashed), one colour a run."""
    series: list[Series] = []
    for k, (label, offset, f) in enumerate(items):
        if f is None:
            continue
        color = PALETTE[k % len(PALETTE)]
        series.append(Series(f"{label}: pass rate", [(p.tool_calls + offset, p.pass_rate)
                                                     for p in f.points], color, step=True))
        series.append(Series(f"{label}: fuzz agreement", [
            (p.tool_calls + offset, p.fuzz_rate) for p in f.points if p.fuzz_rate is not None],
            color, step=True, dashed=True, dots=True))
    if not series:
        return ""
    return ("<h2 id=\"fuzz\">Fuzz measure</h2>" + line_chart(Chart(
        "Hidden-test pass rate (solid) and fuzz agreement with gcc (dashed)", "tool calls",
        "share", series, y_min=0, y_max=1, x_min=0, x_max=horizon, percent=True, height=360)))
