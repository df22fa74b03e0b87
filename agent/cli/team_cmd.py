"""Teams on the command line: `run --agents N`, `resume TEAM_DIR`, `report TEAM_DIR`.

The run machinery is imported inside the functions, as for the other commands.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agent.cli.console import display_path, err_console, out_console
from agent.textsafe import visible

if TYPE_CHECKING:
    from agent.team.driver import TeamHooks, TeamResult, TeamView

console = out_console


class TeamLiveView:
    """One line per agent: its session, step, tool calls, last tool; the team's pushes and
    the upstream's grade."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.view: TeamView | None = None
        self.note = ""

    def update(self, view: TeamView) -> None:
        self.view = view

    def __rich__(self) -> RenderableType:
        from agent.cli.live import fmt_elapsed

        v = self.view
        head = Text(self.title, style="bold")
        if v is None:
            return Group(head, Text(visible(self.note or "starting")))
        table = Table("agent", "session", "step", "calls", "last tool", "state", box=None)
        for a in v.agents:
            table.add_row(a.agent, a.session, str(a.step), str(a.tool_calls),
                          Text(visible(a.last_tool)), Text(visible(a.retired or "working")))
        line = (f"{display_path(v.team_dir)}  {fmt_elapsed(v.elapsed_s)}  pushes {v.pushes}  "
                f"states of main {v.main_states}  upstream grade {v.grade or '-'}")
        return Group(head, Text(visible(line)), table,
                     Text(visible(self.note), style="dim"))


def launch_team(start: Callable[[TeamHooks], TeamResult], title: str, *, quiet: bool,
                as_json: bool) -> None:
    """Run a team with a live view, print its summary, exit 1 unless it finished."""
    from rich.live import Live

    from agent.team.driver import TeamHooks

    view = TeamLiveView(title)
    show_live = not quiet and not as_json and err_console.is_terminal

    def on_start(team_dir: Path) -> None:
        if not show_live and not as_json and not quiet:
            err_console.print(f"team folder: {display_path(team_dir)}", highlight=False,
                              markup=False)

    def progress(msg: str) -> None:
        view.note = msg
        if not show_live and not as_json and not quiet:
            err_console.print(Text(visible(msg)), highlight=False)

    hooks = TeamHooks(progress=progress, on_start=on_start, observer=view.update)
    if show_live:
        with Live(view, console=err_console, refresh_per_second=2, transient=False):
            result = start(hooks)
    else:
        result = start(hooks)
    report_team_result(result, as_json=as_json, quiet=quiet)
    write_team_html(result.team_dir, quiet=quiet or as_json)
    if result.info.status != "finished":
        raise typer.Exit(1)


def report_team_result(result: TeamResult, *, as_json: bool, quiet: bool = False) -> None:
    from agent.cli.live import fmt_elapsed

    info = result.info
    if as_json:
        print(json.dumps({"team_dir": str(result.team_dir), **info.model_dump(mode="json")}))
        return
    t = info.totals
    cost = f"${t.cost:.4f}" if info.model and t.cost else "no model cost"
    console.print(Text.assemble(("team", "bold"), " ", visible(display_path(result.team_dir))),
                  highlight=False)
    console.print(Text(f"{info.status} ({info.end_reason}) after {t.sessions} sessions of "
                       f"{len(info.agents)} agents, {t.steps} steps, {t.tool_calls} tool calls, "
                       f"{t.pushes} pushes, {fmt_elapsed(t.wall_s)}, tokens "
                       f"{t.tokens_in:,}/{t.tokens_out:,}, {cost}"), highlight=False)
    if info.grade:
        g = info.grade
        console.print(Text.assemble(("upstream grade", "bold"), f" {g['passed']}/{g['total']}",
                                    ("  " + visible(str(g["error"])), "red")
                                    if g.get("error") else ""), highlight=False)
    if not quiet:
        shown = display_path(result.team_dir)
        console.print(Text(f"report  ultrarun report {shown}"), highlight=False)


def write_team_html(team_dir: Path, quiet: bool = False) -> Path:
    from agent.team.metrics import compute_team_metrics
    from agent.team.report import render_team_html

    page = team_dir / "report.html"
    page.write_text(render_team_html(compute_team_metrics(team_dir)))
    if not quiet:
        console.print(Text(f"html    {display_path(page)}"), highlight=False)
    return page


def report_team(team_dir: Path, html: Path | None, as_json: bool) -> None:
    """`ultrarun report TEAM_DIR`."""
    from agent.team.metrics import compute_team_metrics, metrics_json
    from agent.team.report import render_team_html, render_team_terminal

    m = compute_team_metrics(team_dir)
    for w in m.warnings:
        err_console.print(Text.assemble(("warning: ", "yellow"), visible(w)), highlight=False,
                          soft_wrap=True)
    if as_json:
        typer.echo(json.dumps(metrics_json(m), indent=2, ensure_ascii=False))
    else:
        console.print(render_team_terminal(m))
    if html is not None:
        html.write_text(render_team_html(m), encoding="utf-8")
        err_console.print(Text(f"wrote {display_path(html)}"), highlight=False)


def team_options(agents: int | None, grade_every_pushes: int | None,
                 grade_every_minutes: float | None, session_steps: int | None) -> Any:
    """TeamSettings from the flags (a bad value names its flag)."""
    from agent.cli.run_cmd import validated
    from agent.team.info import TeamSettings

    given = {k: v for k, v in {"agents": agents, "grade_every_pushes": grade_every_pushes,
                               "grade_every_minutes": grade_every_minutes,
                               "session_steps": session_steps}.items() if v is not None}
    return validated(TeamSettings, **given)
