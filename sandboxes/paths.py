"""Confinement of file paths to the workspace."""

from __future__ import annotations

import os
from pathlib import Path

from sandboxes.base import PathOutsideWorkspace


def resolve_in_workspace(workspace: Path, path: str, workdir: str = "/workspace") -> Path:
    """Map a workspace-relative (or ``/workspace/...``) path to a host path inside ``workspace``.

    Symlinks are resolved on the host before the check, so a link pointing outside is refused
    like ``../`` or an absolute path elsewhere.
    """
    root = workspace.resolve()
    p = path.strip()
    if p == workdir or p.startswith(workdir.rstrip("/") + "/"):
        p = p[len(workdir):].lstrip("/")
    if os.path.isabs(p):
        raise PathOutsideWorkspace(
            f"path {path!r} is outside the workspace: use a path relative to {workdir}")
    target = (root / p).resolve()
    if target != root and root not in target.parents:
        raise PathOutsideWorkspace(
            f"path {path!r} resolves outside the workspace ({workdir}); "
            "paths (and symlinks) must stay inside it")
    return target
