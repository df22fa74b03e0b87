"""`ultrarun replay`: view a run step by step, follow a live one, or re-execute it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.console import err_console, progress_status
from agent.cli.report_cmd import RunArg, RunLogsOpt, load_checked
from agent.textsafe import Visible, visible
from sandboxes import DEFAULT_BACKEND
from sandboxes.errors import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from agent.replay import rerun


def _warn(message: str) -> None:
    from rich.text import Text

    err_console.print(Text.assemble(("warning: ", "yellow"), visible(message)), highlight=False,
                      soft_wrap=True)


def _print_report(report: rerun.ExecuteReport, console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    if report.volatile:
        steps = ", ".join(str(d.step) for d in report.volatile[:10]) + \
            (" …" if len(report.volatile) > 10 else "")
        console.print(Text(f"{len(report.volatile)} calls differ only in dates, clock times or "
                           f"durations (steps {steps}): not divergences", style="dim"),
                      soft_wrap=True)
    if not report.diverged:
        console.print(Text(f"re-executed {report.replayed} tool calls in a fresh {report.sandbox}"
                           f" sandbox from {report.commit[:10]} ({report.skipped} skipped): "
                           "no divergence", style="green"), soft_wrap=True)
        return
    table = Table(title=f"{len(report.diverged)} of {report.replayed} re-executed calls diverge "
                  f"({report.sandbox} sandbox, from {report.commit[:10]})")
    for col in ("step", "call", "tool", "what", "exit (rec → now)", "first differing line"):
        table.add_column(col, overflow="fold")
    for d in report.diverged:
        exits = f"{d.recorded_exit} → {d.replayed_exit}"
        line = (f"{d.line}: {d.recorded_line!r} → {d.replayed_line!r}"
                if d.line is not None else "")
        table.add_row(str(d.step), d.call_id, d.tool, ", ".join(d.kinds), exits, line)
    console.print(Visible(table))


def replay(
    run_dir: RunArg,
    step: Annotated[int | None, typer.Option(
        "--step", help="Print this step in full: model turn, tool calls, results.")] = None,
    follow: Annotated[bool, typer.Option(
        "--follow", help="Print steps of a running run as they land, until it ends.")] = False,
    execute: Annotated[bool, typer.Option(
        "--execute", help="Re-run the recorded tool calls in a fresh sandbox from the initial "
        "workspace; report the calls whose exit code or output differ (exit 1 if any).")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    sandbox: Annotated[str, typer.Option(
        "--sandbox", help="Sandbox for --execute: docker or local.")] = DEFAULT_BACKEND,
    logs: RunLogsOpt = Path("logs"),
) -> None:
    """Replay a run: an interactive viewer on a terminal, plain text when piped."""
    from rich.console import Console
    from rich.text import Text

    from agent.replay import views

    console = Console(soft_wrap=True, highlight=False)
    if follow:
        from agent.replay.follow import follow as follow_run
        from agent.trajectory.catalog import resolve_run

        if not (run_dir.is_dir() and not (run_dir / "run.json").exists()):
            run_dir = resolve_run(run_dir, logs)  # a run that has not written yet is followed

        follow_run(run_dir, lambda line: console.print(Text(visible(line)), soft_wrap=True),
                  _warn)
        return
    run = load_checked(run_dir, logs)
    run_dir = run.run_dir
    if execute:
        from agent.replay.rerun import execute as rerun_calls

        with progress_status("re-executing", quiet=json_) as note:
            report = rerun_calls(run, sandbox=sandbox, progress=note)
        if json_:
            typer.echo(report.model_dump_json(indent=2))
        else:
            _print_report(report, console)
        if report.diverged:
            raise typer.Exit(1)
        return
    steps = views.group_steps(run.events)
    if step is not None:
        sv = next((s for s in steps if s.step == step), None)
        if sv is None:
            known = f"1..{steps[-1].step}" if steps else "none"
            raise UserError(f"--step {step}: {run_dir} has no such step (steps: {known})")
        if json_:
            events = [e.model_dump() for e in run.events if e.step == step]
            typer.echo(json.dumps(events, indent=2, ensure_ascii=False, default=str))
        else:
            for line in views.step_lines(run, sv):
                console.print(Text(visible(line)), soft_wrap=True)
        return
    if json_:
        typer.echo(json.dumps([views.step_json(s) for s in steps], indent=2,
                              ensure_ascii=False))
        return
    if sys.stdin.isatty() and sys.stdout.isatty():
        from agent.replay.viewer import run_viewer

        run_viewer(run, console)
        return
    for line in views.listing_lines(run):
        console.print(Text(visible(line)), soft_wrap=True)
