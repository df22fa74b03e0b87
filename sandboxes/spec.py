"""What a backend is asked to provide: an image, limits, an environment, a grader's sandbox.

A scenario turns itself into a ``SandboxSpec`` (``Scenario.sandbox_spec()``), so the sandbox
layer never imports ``scenarios`` or ``agent``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandboxes.disk import DEFAULT_DISK, parse_size


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

    cpus: float = Field(1, gt=0, le=1024, description="CPUs of the agent's container")
    memory: str = Field("2g", description="its memory (`1g`, `512m`; at least 6 MiB), swap "
                                          "included")
    pids: int = Field(512, ge=16, le=4_194_304, description="processes and threads at most")
    network: bool = Field(False, description="network access (off: loopback only)")
    disk: str | int = Field(DEFAULT_DISK, description=(
        "bytes the agent may keep on the host's disk: its workspace plus its container's own "
        "writable layer (`sandboxes/disk.py`); also the largest file it may write; recorded "
        "in run.json `limits`"))

    @field_validator("memory")
    @classmethod
    def _memory(cls, v: str) -> str:
        return str(_size(v, 6 << 20, "a container"))

    @field_validator("disk")
    @classmethod
    def _disk(cls, v: str | int) -> str | int:
        return str(_size(v, 1 << 20, "a workspace"))


#: Container paths a bind mount may not cover (what the sandbox itself relies on).
RESERVED_TARGETS = ("/", "/workspace", "/proc", "/sys", "/dev", "/tmp", "/etc", "/usr", "/bin",
                    "/lib", "/home")


class BindMount(BaseModel):
    """A host folder the harness shares with one sandbox besides its workspace (a team's
    upstream socket, ``docs/teams.md``). Read-only unless said otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Path  # absolute, on the host
    target: str  # where the sandbox sees it
    read_only: bool = True

    @field_validator("target")
    @classmethod
    def _target(cls, v: str) -> str:
        if not v.startswith("/") or ".." in v.split("/") or v.rstrip("/") in RESERVED_TARGETS \
                or not all(c.isalnum() or c in "/._-" for c in v):
            raise ValueError(f"{v!r} is not a mount point a sandbox may be given")
        return v.rstrip("/")

    @field_validator("source")
    @classmethod
    def _source(cls, v: Path) -> Path:
        if not v.is_absolute():
            raise ValueError(f"{v}: a bind mount's source must be an absolute path")
        return v


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


#: Where a grader's tmpfs may not be mounted (what the grading relies on).
RESERVED_TMPFS = ("", "/workspace", "/grader", "/proc", "/sys", "/dev")


class GraderCommand(BaseModel):
    """How a grader runs, as a scenario's ``grader:`` says and a backend needs it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    command: str = Field(description=(
        "run in the grader's own container on a copy of the workspace at /workspace; must "
        "print the result JSON as its last stdout line"))
    timeout: float = Field(900, gt=0, le=7 * 86400, description="seconds for one grading")
    setup: str | None = Field(None, description=(
        "shell run as root when the grader's image is built (e.g. to remove a C compiler)"))
    isolate: bool = Field(False, description=(
        "keep the grader's files from the code it grades: the grader runs as root with "
        "/grader readable by root only, and must run candidate code through $ULTRARUN_RUN_AS "
        "(a prefix that drops to the agent's uid; docs/scenarios.md)"))
    tmpfs: dict[str, str] = Field(default_factory=dict, description=(
        "tmpfs mounts of the grader's container, {path: options}, e.g. a `noexec` /tmp so "
        "nothing the graded code writes can be executed: {/tmp: \"rw,noexec,nosuid,nodev,"
        "size=1g\"}"))

    @field_validator("tmpfs")
    @classmethod
    def _tmpfs(cls, v: dict[str, str]) -> dict[str, str]:
        for path, options in v.items():
            if not re.fullmatch(r"/[A-Za-z0-9._/-]+", path) or ".." in path.split("/") \
                    or path.rstrip("/") in RESERVED_TMPFS:
                raise ValueError(f"tmpfs: {path!r} is not a mount point the grader may use")
            if not re.fullmatch(r"[a-z0-9=,_]*", options):
                raise ValueError(f"tmpfs: options {options!r} for {path} (use e.g. "
                                 f"'rw,noexec,nosuid,nodev,size=1g')")
        return v


class GradingSpec(GraderCommand):
    """A grader as a backend runs it: ``command`` on a copy of the workspace at
    ``/workspace``, with ``files`` read-only at ``/grader``, in a sandbox of its own."""

    files: FileTree | None = None


class SandboxSpec(BaseModel):
    """Everything a backend needs to know of a scenario."""

    name: str  # names the images built for it
    image: str | None = None  # an image used as is, or …
    dockerfile: str | None = None  # … one built from this Dockerfile, relative to `context`
    context: Path | None = None
    limits: Limits = Field(default_factory=Limits)
    env: dict[str, str] = Field(default_factory=dict)
    grading: GradingSpec | None = None
