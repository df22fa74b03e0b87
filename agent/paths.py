"""Paths given by the user (flags, matrix fields, model specs), made absolute once.

Every path the harness hands on is absolute: git, Docker and subprocesses run with other
working directories (a relative ``GIT_DIR`` resolves against git's own), and a run recorded
from one directory is resumed from another. What a run folder records stays movable: paths
inside it are relative to it, and only references to files outside it are absolute.
"""

from __future__ import annotations

import os
from pathlib import Path


def absolute(path: Path | str) -> Path:
    """``path`` made absolute against the working directory, ``~`` expanded, links kept."""
    return Path(os.path.abspath(os.path.expanduser(path)))


def absolute_spec(spec: str | None) -> str | None:
    """A model spec whose file (``script:FILE``, ``replay:RUN_DIR``...) is made absolute."""
    from agent.models.registry import parse_spec

    return spec and parse_spec(spec).with_path(lambda p: str(absolute(p))).text
