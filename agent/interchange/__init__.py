"""Trajectory interchange: import mini-swe-agent, SWE-agent and ATIF files as run folders;
export run folders as ATIF (see docs/interchange.md)."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Literal

from agent.interchange import atif, mini_swe_agent, swe_agent
from agent.interchange.atif import export_atif, safe_name, to_atif, validate_atif
from agent.interchange.builder import ImportedRun, write_run
from agent.interchange.source import MAX_BYTES

Kind = Literal["mini-swe-agent", "swe-agent", "atif"]
PARSERS = {"mini-swe-agent": mini_swe_agent.parse, "swe-agent": swe_agent.parse,
           "atif": atif.parse}

__all__ = ["PARSERS", "ImportedRun", "Kind", "default_run_id", "export_atif",
           "import_trajectory", "to_atif", "validate_atif"]


def default_run_id(kind: str, path: Path) -> str:
    """A run id like the runner's: time, source name, a short random tag."""
    stem = Path(path).name.split(".")[0]
    return (f"{time.strftime('%Y%m%d-%H%M%S')}-import-{safe_name(kind)}-{safe_name(stem)[:24]}"
            f"-{secrets.token_hex(2)}")


def import_trajectory(kind: Kind, path: Path, out_dir: Path,
                      max_bytes: int = MAX_BYTES) -> Path:
    """Read a ``kind`` trajectory file (at most ``max_bytes``) and write it as the run folder
    ``out_dir``. Bad input is a UserError naming the file and field; nothing is written."""
    if kind not in PARSERS:
        from sandboxes.errors import UserError

        raise UserError(f"unknown trajectory format {kind!r}: use one of {', '.join(PARSERS)}")
    return write_run(PARSERS[kind](Path(path), max_bytes), Path(out_dir))
