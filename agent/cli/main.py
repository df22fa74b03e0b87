"""The `ultrarun` command line: typer app, exit codes, and errors without tracebacks."""

from __future__ import annotations

import sys

import typer

from agent.cli import (
    batch_cmd,
    interchange_cmd,
    replay_cmd,
    report_cmd,
    run_cmd,
    sandbox_cmd,
    scenario_cmd,
)
from agent.cli.console import err_console
from agent.cli.errors import HarnessError, UserError

app = typer.Typer(name="ultrarun", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False,
                  help="Run coding models for hours in sandboxes; record and measure them.")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.command("run")(run_cmd.run)
app.command("demo")(run_cmd.demo)
app.command("resume")(run_cmd.resume)
app.command("fork")(run_cmd.fork)
app.add_typer(scenario_cmd.app, name="scenarios")
app.command("grade")(scenario_cmd.grade)
app.command("report")(report_cmd.report)
app.command("compare")(report_cmd.compare)
app.command("replay")(replay_cmd.replay)
app.command("import")(interchange_cmd.import_)
app.command("export")(interchange_cmd.export)
app.command("batch")(batch_cmd.batch)


def main() -> None:
    """Entry point: exit 0 done, 1 harness failure, 2 bad input or usage (typer's own)."""
    try:
        app()
    except (UserError, HarnessError) as e:
        # soft_wrap: one message, one line (no wrapping at the terminal's width)
        err_console.print(f"[bold red]error:[/bold red] {e}", highlight=False, soft_wrap=True)
        sys.exit(e.exit_code)


if __name__ == "__main__":
    main()
