"""`ultrarun report` and `ultrarun compare`: metrics of run folders (read only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.cli.console import display_path, err_console
from agent.textsafe import Visible, visible
from sandboxes.errors import UserError

if TYPE_CHECKING:
    from agent.trajectory.reader import LoadedRun

HtmlOpt = Annotated[Path | None, typer.Option(
    "--html", help="Also write a self-contained HTML page to this file.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the metrics as JSON on stdout.")]
RunArg = Annotated[Path, typer.Argument(help="A run folder, or a run id under --logs (a unique "
                                        "prefix is enough; `ultrarun ls` lists them).")]
RunLogsOpt = Annotated[Path, typer.Option("--logs", help="Where run ids are looked up.")]


def load_checked(run_dir: Path, logs: Path | None = Path("logs")) -> LoadedRun:
    """Load a run folder (or the run a run id names under ``logs``); UserError naming the path
    when it is not one; warn about bad lines."""
    from rich.text import Text

    from agent.trajectory.catalog import resolve_run
    from agent.trajectory.reader import load_run

    run_dir = resolve_run(run_dir, logs)
    run = load_run(run_dir)
    imported = run.info.options.imported if run.info is not None else None
    notes = imported.get("warnings") if isinstance(imported, dict) else None
    for warning in [*run.warnings, *(str(w) for w in notes or [])]:
        # soft_wrap: one warning per line, never folded, so the line number stays greppable.
        err_console.print(Text.assemble(("warning: ", "yellow"), visible(warning)),
                          highlight=False,
                          soft_wrap=True)
    return run


def _write(path: Path, text: str) -> None:
    from rich.text import Text

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UserError(f"{path}: cannot write the HTML report ({e.strerror or e})") from e
    err_console.print(Text(f"wrote {display_path(path)}"), highlight=False, soft_wrap=True)


def _print_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def report(run_dir: RunArg, html: HtmlOpt = None, json_: JsonFlag = False,
           logs: RunLogsOpt = Path("logs")) -> None:
    """Coherence metrics of one run (or team): a summary table, or JSON; optionally an HTML
    page."""
    from rich.console import Console

    from agent.team.info import is_team_dir

    team_dir = run_dir if run_dir.exists() else logs / run_dir
    if is_team_dir(team_dir):
        from agent.cli.team_cmd import report_team

        report_team(team_dir, html, json_)
        return

    from agent.analysis.metrics import compute_metrics
    from agent.analysis.report import render_html, render_terminal, report_json

    run = load_checked(run_dir, logs)
    metrics = compute_metrics(run)
    info = run.current_info  # run.json as the events say it stands (it may be stale)
    if json_:
        _print_json(report_json(metrics, info))
    else:
        Console().print(Visible(render_terminal(metrics, info)))
    if html is not None:
        _write(html, render_html(run, metrics))


def compare(run_dirs: Annotated[list[Path], typer.Argument(
                help="Two or more run folders or run ids.")],
            html: HtmlOpt = None, json_: JsonFlag = False,
            logs: RunLogsOpt = Path("logs")) -> None:
    """Metrics of several runs side by side; forks are lined up with their parent; a team
    folder is one run of all its agents' tool calls (docs/teams.md)."""
    from rich.console import Console
    from rich.text import Text

    from agent.analysis.compare import (
        compare_json,
        compare_runs,
        compare_table,
        compare_warnings,
        render_compare_html,
    )
    from agent.team.as_run import team_as_run
    from agent.team.info import is_team_dir

    if not run_dirs:
        raise UserError("compare needs at least one run folder")
    def load(d: Path) -> LoadedRun:
        team = d if d.exists() else logs / d
        return team_as_run(team) if is_team_dir(team) else load_checked(d, logs)

    runs = [(r.run_dir, r) for r in (load(d) for d in run_dirs)]
    items = compare_runs(runs)
    for warning in compare_warnings(items):
        err_console.print(Text.assemble(("warning: ", "yellow"), visible(warning)),
                          highlight=False, soft_wrap=True)
    if json_:
        _print_json(compare_json(items))
    else:
        Console().print(Visible(compare_table(items)))
    if html is not None:
        _write(html, render_compare_html(items))
