"""The team's report: a terminal summary, and one self-contained HTML page (``report.html``).

Both show the upstream's progress curve (each grading of main), the team metrics and one row
per agent; the HTML page links each session's own folder (``ultrarun report`` works on it).
Every string from the run (test ids, functions, reasons) is escaped or made visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agent.analysis.report import html_page
from agent.analysis.svg import PALETTE, Chart, Marker, Series, esc, line_chart
from agent.team.metrics import AgentMetrics, TeamMetrics
from agent.textsafe import visible


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def team_rows(m: TeamMetrics) -> list[tuple[str, str]]:
    final = m.final or {}
    grade = f"{final.get('passed')}/{final.get('total')}" if final else "not graded"
    return [
        ("status", f"{m.status} ({m.end_reason})"),
        ("upstream's final grade", grade),
        ("agents / sessions", f"{len(m.agents)} / {m.sessions}"),
        ("steps / tool calls", f"{m.steps} / {m.tool_calls}"),
        ("pushes (states of main)", f"{m.pushes} ({m.main_states})"),
        ("push conflicts (rejected pushes)", str(m.push_conflicts)),
        ("merges with conflicts", str(m.merge_conflicts)),
        ("merge commits on main", str(m.merges)),
        ("forced pushes / main deleted", f"{m.forced_pushes} / {m.main_deleted}"),
        ("duplicate work: locks taken over", str(len(m.duplicate_locks))),
        ("duplicate work: functions edited concurrently", str(len(m.duplicate_edits))),
        ("overwrites (lines)", f"{len(m.overwrites)} ({sum(o['lines'] for o in m.overwrites)})"),
        ("regressions (pushes / tests)",
         f"{len(m.regressions)} / {sum(len(r['tests']) for r in m.regressions)}"),
        ("tests turned green, not attributable", str(m.greens_unattributed)),
        ("tokens in / out", f"{m.tokens_in:,} / {m.tokens_out:,}"),
        ("cost", f"${m.cost:.4f}"),
        ("wall time", f"{m.wall_s:.0f} s"),
    ]


AGENT_COLUMNS = ("agent", "sessions", "steps", "pushes", "push conflicts", "merge conflicts",
                 "locks", "+lines", "-lines", "overwrote", "overwritten", "regressions",
                 "tests green", "surviving lines", "idle", "tokens", "cost")


def agent_row(a: AgentMetrics) -> list[str]:
    return [a.agent, str(a.sessions), str(a.steps), str(a.pushes), str(a.push_conflicts),
            str(a.merge_conflicts), str(a.locks_claimed), str(a.lines_added),
            str(a.lines_removed), str(a.overwrote), str(a.overwritten),
            f"{a.regressions} ({a.tests_broken} tests)", str(a.tests_green),
            str(a.surviving_lines), _pct(a.idle_share), f"{a.tokens_in + a.tokens_out:,}",
            f"${a.cost:.4f}"]


def render_team_terminal(m: TeamMetrics) -> RenderableType:
    summary = Table("team metric", "value", title=Text(visible(f"team {m.team_id}")))
    for k, v in team_rows(m):
        summary.add_row(k, Text(visible(v)))
    # One column per agent (a wide team still fits a terminal).
    agents = Table("per agent", *(a.agent for a in m.agents))
    rows = [agent_row(a) for a in m.agents]
    for i, name in enumerate(AGENT_COLUMNS[1:], 1):
        agents.add_row(name, *(Text(visible(r[i])) for r in rows))
    parts: list[RenderableType] = [summary, agents]
    if m.regressions:
        reg = Table("push", "by", "tests turned red", title="regressions")
        for r in m.regressions:
            tests = r["tests"]
            reg.add_row(str(r["push"] or f"states {r['until']}"), str(r["agent"] or "?"),
                        Text(visible(", ".join(tests[:6]) + (" ..." if len(tests) > 6
                                                              else ""))))
        parts.append(reg)
    return Group(*parts)


def _curve(m: TeamMetrics) -> str:
    graded = [c for c in m.curve if c["error"] is None and c["total"]]
    if not graded:
        return "<p>The upstream was not graded.</p>"
    t0 = min(c["t"] for c in graded)
    by_state = [(float(c["main"]), c["passed"] / c["total"]) for c in graded]
    by_time = sorted((c["t"] - t0, c["passed"] / c["total"]) for c in graded)
    markers = [Marker(float(r["main"]), f"regression ({r['agent']})", "#dc2626")
               for r in m.regressions if r["main"] is not None]
    return (line_chart(Chart("Upstream pass rate by state of main", "state of main (push)",
                             "pass rate", [Series("upstream", by_state, PALETTE[0],
                                                  step=True, dots=True)], markers=markers,
                             y_min=0, y_max=1, percent=True))
            + line_chart(Chart("Upstream pass rate over time", "seconds since the first "
                               "grading", "pass rate",
                               [Series("upstream", by_time, PALETTE[2], step=True,
                                       dots=True)], y_min=0, y_max=1, percent=True)))


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    return ("<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>"
                      for r in rows) + "</table>")


def render_team_html(m: TeamMetrics) -> str:
    body = [f"<h1>Team {esc(m.team_id)}</h1>", _curve(m), "<h2>Team metrics</h2>",
            _table(("metric", "value"), team_rows(m)), "<h2>Per agent</h2>",
            _table(AGENT_COLUMNS, [agent_row(a) for a in m.agents])]
    if m.regressions:
        body += ["<h2>Regressions</h2>",
                 _table(("push", "state of main", "by", "tests turned red"),
                        [(r["push"], r["main"], r["agent"], ", ".join(r["tests"]))
                         for r in m.regressions])]
    if m.overwrites:
        body += ["<h2>Overwrites</h2>",
                 _table(("push", "by", "lines of", "lines"),
                        [(o["push"], o["by"], o["of"], o["lines"]) for o in m.overwrites])]
    if m.duplicate_edits or m.duplicate_locks:
        body += ["<h2>Duplicate work</h2>",
                 _table(("push", "agent", "function or lock", "with"),
                        [(d["push"], d["agent"], d["function"], ", ".join(d["with"] or []))
                         for d in m.duplicate_edits]
                        + [(d["push"], d["agent"], d["task"], d["took_over"])
                           for d in m.duplicate_locks])]
    sessions = [(a.agent, f"agents/{a.agent}/") for a in m.agents]
    body += ["<h2>Sessions</h2><p>Each session is a run folder: <code>ultrarun report "
             "TEAM/agents/AGENT/sNNN</code>.</p>",
             _table(("agent", "folder"), sessions)]
    if m.warnings:
        body += ["<h2>Warnings</h2><ul>"
                 + "".join(f"<li>{esc(w)}</li>" for w in m.warnings) + "</ul>"]
    return html_page(f"ultrarun team {m.team_id}", "".join(body))
