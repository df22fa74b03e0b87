"""What a backend is asked to provide: an image, limits, an environment, a grader's sandbox.

A scenario turns itself into a ``SandboxSpec`` (``Scenario.sandbox_spec()``), so the sandbox
layer never imports ``scenarios`` or ``agent``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandboxes.disk import DEFAULT_DISK, parse_size
from sandboxes.numbers import count, number


def _size(v: str | int, least: int, what: str) -> str | int:
    n = parse_size(v)
    if n < least:
        raise ValueError(f"{v!r} is below the {least >> 20} MiB {what} needs")
    if n > 1 << 50:
        raise ValueError(f"{v!r} is not a plausible size")
    return v


class Limits(BaseModel):
    """What one sandbox may use (a scenario's ``limits``)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    cpus: float = number(1, gt=0, le=1024)
    memory: str = "2g"
    pids: int = count(512, ge=16, le=4_194_304)
    network: bool = False
    # Bytes the agent may keep on the host's disk: its workspace plus its container's own
    # writable layer (sandboxes/disk.py); also the largest file it may write.
    disk: str | int = DEFAULT_DISK
    # What the run's snapshots.git may hold (every object: file contents, folder listings,
    # commits); past it, changes are no longer recorded.
    snapshot_store: str | int = "4g"

    @field_validator("memory")
    @classmethod
    def _memory(cls, v: str) -> str:
        return str(_size(v, 6 << 20, "a container"))

    @field_validator("disk")
    @classmethod
    def _disk(cls, v: str | int) -> str | int:
        return str(_size(v, 1 << 20, "a workspace"))

    @field_validator("snapshot_store")
    @classmethod
    def _store(cls, v: str | int) -> str | int:
        return str(_size(v, 1 << 20, "snapshots.git"))


class FileLayer(BaseModel):
    """A file or folder copied into a ``FileTree`` at ``target`` (a path relative to it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Path
    target: str


class FileTree(BaseModel):
    """A folder as a sandbox receives it: ``base`` (a scenario's own folder) with ``layers``
    copied in (what the scenario includes of another one: ``include:`` in scenario.yaml). The
    scenario loader has checked every path; links are copied as links, never followed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: Path
    layers: tuple[FileLayer, ...] = ()

    def assemble(self, dest: Path) -> Path:
        """Copy the tree to ``dest`` (which must not exist yet)."""
        shutil.copytree(self.base, dest, symlinks=True)
        for layer in self.layers:
            out = dest / layer.target
            out.parent.mkdir(parents=True, exist_ok=True)
            if layer.source.is_dir() and not layer.source.is_symlink():
                shutil.copytree(layer.source, out, symlinks=True)
            else:
                shutil.copy2(layer.source, out, follow_symlinks=False)
        return dest


class GradingSpec(BaseModel):
    """How a grader runs: ``command`` on a copy of the workspace at ``/workspace``, with
    ``files`` read-only at ``/grader``, in a sandbox of its own."""

    command: str
    files: FileTree | None = None
    timeout: float = 900
    setup: str | None = None  # baked into the grader's image, as root (Docker)
    isolate: bool = False  # /grader readable by root only; candidates run via $ULTRARUN_RUN_AS
    tmpfs: dict[str, str] = Field(default_factory=dict)  # the grader's tmpfs mounts (Docker)


class SandboxSpec(BaseModel):
    """Everything a backend needs to know of a scenario."""

    name: str  # names the images built for it
    image: str | None = None  # an image used as is, or …
    dockerfile: str | None = None  # … one built from this Dockerfile, relative to `context`
    context: Path | None = None
    limits: Limits = Field(default_factory=Limits)
    env: dict[str, str] = Field(default_factory=dict)
    grading: GradingSpec | None = None
