"""Sandboxes: where an agent's commands run. ``open_sandbox`` picks a backend."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandboxes.base import (
        ExecResult,
        PathOutsideWorkspace,
        Sandbox,
        SandboxDied,
        SandboxError,
    )

#: The backend a run uses when none is named (isolated); pydantic-free, for CLI defaults.
DEFAULT_BACKEND = "docker"

__all__ = ["ExecResult", "PathOutsideWorkspace", "Sandbox", "SandboxDied", "SandboxError",
           "open_sandbox"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: `sandboxes.errors` (imported by every command) stays free of
    # pydantic, which `ultrarun --help` does not need.
    if name in __all__:
        from sandboxes import base

        return getattr(base, name)
    raise AttributeError(f"module 'sandboxes' has no attribute {name!r}")


def open_sandbox(backend: str, *, workspace: Path | str, image: str | None = None,
                 **options: Any) -> Sandbox:
    """Create a sandbox (not yet started): use it as ``with open_sandbox(...) as sb:``.

    ``backend`` is ``docker`` (options: image, cpus, memory, pids, network, run_id, labels,
    outputs_dir, env, disk) or ``local`` (not isolated; limits are ignored): the default
    config of that backend (``sandboxes.backends``) creates it.
    """
    from sandboxes.backends import backend_config

    return backend_config(backend).create(workspace=Path(workspace), image=image, **options)
