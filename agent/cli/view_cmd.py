"""`ultrarun ls` (the runs under logs folders) and `ultrarun view` (the web viewer)."""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import typer

from agent.cli.console import display_path, err_console, print_whole
from sandboxes.errors import UserError

TOKEN_ENV = "ULTRARUN_VIEW_TOKEN"
LogsArgs = Annotated[list[Path] | None, typer.Argument(
    help="Logs folders (or run folders) to look in (default: logs).")]


def ls(logs: LogsArgs = None,
       status: Annotated[str | None, typer.Option(
           "--status", help="Only runs with this status (running, finished, failed, "
           "interrupted).")] = None,
       json_: Annotated[bool, typer.Option("--json", help="One JSON object per run.")] = False,
       ) -> None:
    """List runs: running first, then the most recently updated; ids work in every command."""
    from rich.table import Table
    from rich.text import Text

    from agent.textsafe import visible
    from agent.trajectory.catalog import list_runs, row_age

    roots = logs or [Path("logs")]
    for root in roots:
        if not root.exists():
            raise UserError(f"{root}: no such folder")
    rows = [r for r in list_runs(roots) if status is None or r.status == status]
    if json_:
        for r in rows:
            typer.echo(json.dumps(r.model_dump(), ensure_ascii=False))
        return
    if not rows:
        err_console.print(f"no runs under {', '.join(display_path(r) for r in roots)}",
                          highlight=False, markup=False)
        return
    table = Table(box=None, pad_edge=False)
    for col in ("run", "status", "scenario", "model", "steps", "grade", "cost", "age"):
        table.add_column(col, justify="right" if col in ("steps", "cost") else "left",
                         no_wrap=col == "run")
    now = time.time()
    for r in rows:
        cost = "-" if r.model_kind != "endpoint" else \
            "unknown" if r.cost is None else f"${r.cost:.2f}"
        style = {"running": "blue", "failed": "red", "interrupted": "yellow"}.get(r.status, "")
        table.add_row(Text(visible(r.key)), Text(r.status, style=style),
                      Text(visible(r.scenario or "-")), Text(visible(r.model or "-")),
                      f"{r.steps:,}", f"{r.grade[0]}/{r.grade[1]}" if r.grade else "-", cost,
                      row_age(r, now))
    print_whole(table)


def view(logs: LogsArgs = None,
         host: Annotated[str, typer.Option(
             "--host", help="Address to listen on. Anything but a loopback address needs a "
             f"token (--token, or ${TOKEN_ENV}; one is made up and printed if neither).")
         ] = "127.0.0.1",
         port: Annotated[int, typer.Option("--port", help="Port (0: any free one).")] = 8765,
         token: Annotated[str | None, typer.Option(
             "--token", help=f"Access token (default ${TOKEN_ENV}); required off loopback.")
         ] = None,
         ) -> None:
    """Watch runs in a browser: the run list, live run pages, search, diffs, compare."""
    from agent.trajectory.catalog import resolve_run
    from agent.trajectory.reader import is_run_dir
    from agent.view.server import is_loopback, serve

    roots: list[Path] = []
    for arg in logs or [Path("logs")]:
        if arg.is_dir():
            roots.append(arg)
        elif not arg.exists() and str(arg) != "logs":
            roots.append(resolve_run(arg, Path("logs")))  # a run id
        elif arg.exists():
            raise UserError(f"{arg}: not a folder (give logs folders or run folders)")
        else:
            roots.append(arg)  # logs/ may appear once a run starts
    token = token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(host) and not token:
        token = secrets.token_urlsafe(24)
    single = roots[0] if len(roots) == 1 and is_run_dir(roots[0]) else None

    def ready(url: str) -> None:
        page = url + (f"#/run/{quote(single.name)}" if single is not None else "")
        err_console.print(f"ultrarun view: {page}", highlight=False, markup=False,
                          soft_wrap=True)
        err_console.print(f"watching {', '.join(display_path(r) for r in roots)} "
                          "(Ctrl-C stops the viewer; runs go on)", highlight=False,
                          markup=False, soft_wrap=True)

    try:
        serve(roots, host, port, token, ready)
    except OSError as e:
        raise UserError(f"--host {host} --port {port}: cannot listen there "
                        f"({e.strerror or e}); pick another --port (0: any free one)") from None
