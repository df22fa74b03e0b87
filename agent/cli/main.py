"""The `ultrarun` command line: typer app, and the one place errors become exit codes.

Exit codes: 0 done; 1 the run or command failed (``HarnessError``, or a bug: one line, the
details in a log file); 2 bad input or usage (``UserError``, or typer's own usage errors: one
line naming the file, field or flag). ``--debug`` (anywhere on the line, or ULTRARUN_DEBUG=1)
also prints the traceback.

Start-up cost matters (`--help`, `scenarios list`, `replay`): command modules import only
typer at module level and load the run machinery inside the command that needs it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Annotated

import typer

from agent.cli import (
    batch_cmd,
    interchange_cmd,
    models_cmd,
    replay_cmd,
    report_cmd,
    run_cmd,
    sandbox_cmd,
    scenario_cmd,
    view_cmd,
)
from sandboxes.errors import UltrarunError, UserError, one_line

app = typer.Typer(name="ultrarun", no_args_is_help=True, add_completion=False,
                  # Plain help: typer's rich help imports a Markdown parser (~0.1 s a start).
                  rich_markup_mode=None, context_settings={"max_content_width": 120},
                  pretty_exceptions_enable=False,
                  help="Run coding models for hours in sandboxes; record and measure them.")


@app.callback()
def _root(debug: Annotated[bool, typer.Option(
        "--debug", help="On an error, also print the traceback (accepted anywhere on the "
        "command line; or set ULTRARUN_DEBUG=1).")] = False) -> None:
    """Run coding models for hours in sandboxes; record and measure them."""


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
app.command("ls")(view_cmd.ls)
app.command("models")(models_cmd.models)
app.command("view")(view_cmd.view)


def logs_flag(args: list[str]) -> Path | None:
    """The folder ``--logs`` names on this command line, if any."""
    for i, a in enumerate(args):
        if a == "--logs" and i + 1 < len(args):
            return Path(args[i + 1])
        if a.startswith("--logs="):
            return Path(a.split("=", 1)[1])
    return None


def _details_file(e: BaseException, logs: Path | None = None) -> Path:
    """Where an error's details go: its run folder when it has one, else the folder --logs
    names, else a file in the temp folder; never a folder made in the current one."""
    candidates = [d / "error.log" for d in (
        e.log_dir if isinstance(e, UltrarunError) else None, logs) if d is not None]
    candidates.append(Path(tempfile.gettempdir()) / f"ultrarun-error-{os.getuid()}.log")
    for path in candidates:
        try:
            if path.parent.is_symlink() or not path.parent.is_dir():
                path.parent.mkdir(parents=True)  # only where none is: never through a link
            with open(path, "a", encoding="utf-8") as f:
                f.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')}  ultrarun "
                        f"{' '.join(sys.argv[1:])}\n")
                f.write("".join(traceback.format_exception(e)))
                if isinstance(e, UltrarunError) and e.details:
                    f.write(f"details:\n{e.details}\n")
            return path
        except OSError:
            continue
    return candidates[-1]


def report_error(e: Exception, *, debug: bool = False, logs: Path | None = None) -> int:
    """Print an error as one line (plus the traceback with ``debug``); return the exit code."""
    from rich.text import Text

    from agent.cli.console import display_path, err_console
    from agent.textsafe import visible

    # Plain text, control characters visible: a message may quote input holding "[" (rich
    # markup) or terminal escapes. soft_wrap: one message, one line.
    if debug:
        err_console.print(Text(visible("".join(traceback.format_exception(e)))),
                          highlight=False, end="")
    if isinstance(e, UserError):
        err_console.print(Text.assemble(("error:", "bold red"), " ", visible(str(e))),
                          highlight=False, soft_wrap=True)
        return e.exit_code
    if isinstance(e, UltrarunError):
        text, code = one_line(str(e)), e.exit_code
    else:  # a bug of ours, or a library failing in a way nothing above expected
        text, code = f"internal error: {type(e).__name__}: {one_line(str(e))}", 1
    where = display_path(_details_file(e, logs))
    err_console.print(Text.assemble(("error:", "bold red"), " ", visible(text),
                                    (f" (details: {visible(where)})", "dim")),
                      highlight=False, soft_wrap=True)
    return code


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the command; turn any error into one line and its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("ULTRARUN_DEBUG", "") not in ("", "0")
    args = [a for a in args if a != "--debug"]
    try:
        app(args=args, prog_name="ultrarun")
    except (KeyboardInterrupt, SystemExit) as e:
        # Ctrl-C (typer turns it into exit 130): one line, never a traceback. A run records
        # its own interruption before it gets here.
        if isinstance(e, SystemExit) and e.code != 130:
            raise
        from agent.cli.console import err_console

        err_console.print("interrupted (Ctrl-C)", highlight=False, markup=False)
        sys.exit(130)
    except Exception as e:
        sys.exit(report_error(e, debug=debug, logs=logs_flag(args)))


if __name__ == "__main__":
    main()
