"""`ultrarun import KIND FILE` and `ultrarun export atif RUN_DIR`: trajectory interchange."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from agent.cli.console import err_console
from agent.cli.errors import UserError
from agent.interchange import default_run_id, export_atif, import_trajectory
from agent.interchange.source import MAX_BYTES


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
    max_mb: Annotated[int, typer.Option(
        "--max-mb", min=1, help="Refuse files larger than this many MB.")] = MAX_BYTES // 2**20,
) -> None:
    """Import a foreign trajectory as a run folder (then `replay`, `report`, `export` it)."""
    if not file.exists():
        raise UserError(f"{file}: no such file")
    target = out or Path("logs") / default_run_id(kind.value, file)
    run_dir = import_trajectory(kind.value, file, target,  # type: ignore[arg-type]
                                max_bytes=max_mb * 2**20)
    err_console.print(Text(f"imported {file} as {run_dir}"), highlight=False, soft_wrap=True)
    typer.echo(str(run_dir))


def export(
    kind: Annotated[ExportKind, typer.Argument(help="The format to write (atif).")],
    run_dir: Annotated[Path, typer.Argument(help="A run folder (logs/<run-id>).")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="The file to write (default: <run_dir>/trajectory.atif.json).")] = None,
) -> None:
    """Export a run folder's trajectory (ATIF JSON)."""
    if not (run_dir / "events.jsonl").exists():
        raise UserError(f"{run_dir}: not a run folder (no events.jsonl)")
    dest = out or run_dir / "trajectory.atif.json"
    export_atif(run_dir, dest)
    err_console.print(Text(f"wrote {dest}"), highlight=False, soft_wrap=True)
    typer.echo(str(dest))
