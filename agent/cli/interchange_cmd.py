"""`ultrarun import KIND FILE` and `ultrarun export atif RUN_DIR`: trajectory interchange."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from agent.cli.console import display_path, err_console
from sandboxes.errors import UserError


class ImportKind(StrEnum):
    mini_swe_agent = "mini-swe-agent"
    swe_agent = "swe-agent"
    atif = "atif"


class ExportKind(StrEnum):
    atif = "atif"


def import_(
    kind: Annotated[ImportKind, typer.Argument(help="The file's format.")],
    file: Annotated[Path, typer.Argument(help="A .traj.json (mini-swe-agent), .traj "
                                         "(SWE-agent) or ATIF JSON file.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="The run folder to create (default: logs/<new run id>).")] = None,
    max_mb: Annotated[int | None, typer.Option(
        "--max-mb", min=1, help="Refuse files larger than this many MB (default 256).")
    ] = None,
) -> None:
    """Import a foreign trajectory as a run folder (then `replay`, `report`, `export` it)."""
    from rich.text import Text

    from agent.interchange import default_run_id, import_trajectory
    from agent.interchange.source import MAX_BYTES
    from agent.paths import absolute

    if not file.exists():
        raise UserError(f"{file}: no such file")
    target = absolute(out or Path("logs") / default_run_id(kind.value, file))
    run_dir = import_trajectory(kind.value, absolute(file), target,
                                max_bytes=max_mb * 2**20 if max_mb else MAX_BYTES)
    shown = display_path(run_dir)
    err_console.print(Text(f"imported {file} as {shown}"), highlight=False, soft_wrap=True)
    typer.echo(shown)


def export(
    kind: Annotated[ExportKind, typer.Argument(help="The format to write (atif).")],
    run_dir: Annotated[Path, typer.Argument(help="A run folder, or a run id under --logs.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="The file to write (default: <run_dir>/trajectory.atif.json).")] = None,
    logs: Annotated[Path, typer.Option("--logs", help="Where run ids are looked up.")]
    = Path("logs"),
) -> None:
    """Export a run folder's trajectory (ATIF JSON)."""
    from rich.text import Text

    from agent.interchange import export_atif
    from agent.paths import absolute
    from agent.trajectory.catalog import resolve_run

    run_dir = resolve_run(run_dir, logs)
    if not (run_dir / "events.jsonl").exists():
        raise UserError(f"{run_dir}: not a run folder (no events.jsonl)")
    dest = absolute(out or run_dir / "trajectory.atif.json")
    export_atif(absolute(run_dir), dest)
    err_console.print(Text(f"wrote {display_path(dest)}"), highlight=False, soft_wrap=True)
    typer.echo(display_path(dest))
