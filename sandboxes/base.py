"""The Sandbox protocol: where an agent's commands run and its files live."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol, runtime_checkable

from pydantic import BaseModel

from sandboxes.errors import HarnessError

if TYPE_CHECKING:
    from sandboxes.fsafe import Entry


class ExecResult(BaseModel):
    """The outcome of one command.

    ``output`` is stdout and stderr interleaved, decoded with replacement characters, and capped:
    when ``truncated`` is true it holds the head and the tail and ``output_ref`` names the file
    with the full output. ``exit_code`` is 124 when the command ran past its timeout (its whole
    process tree is then killed), as GNU ``timeout`` reports it.
    """

    exit_code: int
    output: str
    timed_out: bool = False
    truncated: bool = False
    duration_s: float = 0.0
    output_ref: str | None = None
    output_bytes: int = 0
    oom_killed: bool = False
    # The session's shell had to be replaced (it was killed): cwd and exports are those the
    # last command that ended normally left.
    session_restarted: bool = False
    note: str | None = None  # a plain-language remark for the agent (e.g. what was killed)


class SandboxError(HarnessError):
    """The sandbox itself failed (not the command): engine gone, container dead, bad path."""


class PathOutsideWorkspace(SandboxError):
    """A file path resolved outside the workspace (``..``, absolute elsewhere, or a symlink)."""


class SandboxDied(SandboxError):
    """The container (or local shell host) is gone; the sandbox must be replaced."""


@runtime_checkable
class Sandbox(Protocol):
    """A place to run commands with one persistent shell session and a workspace folder.

    ``cd`` and ``export`` persist between ``exec`` calls. Paths given to the file methods are
    relative to the workspace; anything resolving outside it is refused.

    A backend may also offer ``mapped_files() -> sandboxes.mapped.MappedFiles``: the inodes
    its processes map shared and writable (the built-in ones do). Snapshots read those files
    again at every step; without it, only the snapshots to be graded and a run's last read
    every file (a write through a shared mapping changes no stat field).
    """

    backend: str
    workspace: Path  # the host folder holding the workspace
    workdir: str  # the workspace's path as commands see it (``/workspace`` in a container)

    def exec(self, command: str, timeout: float = 60, cwd: str | None = None,
             env: dict[str, str] | None = None) -> ExecResult:
        """Run ``command`` in the session shell; never raises for the command's own failure."""
        ...

    def read_file(self, path: str, max_bytes: int = ...) -> bytes:
        """Bytes of a regular workspace file (never through a link; at most ``max_bytes``)."""
        ...

    def open_file(self, path: str) -> BinaryIO:
        """A binary reader on a regular workspace file, to stream through it."""
        ...

    def stat(self, path: str) -> Entry | None:
        """The entry at ``path`` (a link described, not followed), or None if absent."""
        ...

    def list_dir(self, path: str = ".") -> tuple[int, bytes]:
        """A descriptor on a workspace folder (the caller closes it) and its path."""
        ...

    def write_file(self, path: str, data: bytes) -> None:
        """Create or replace a regular workspace file (parents created; replaced, never
        written through a link)."""
        ...

    def upload(self, src: Path, dest: str = ".") -> None:
        """Copy a host folder's contents into the workspace at ``dest``."""
        ...

    def download(self, src: str, dest: Path) -> None:
        """Copy a workspace folder (or file) to the host path ``dest``."""
        ...

    def alive(self) -> bool:
        """Whether the sandbox still answers (the container runs)."""
        ...

    def close(self) -> None:
        """Stop and remove everything the sandbox started; safe to call twice."""
        ...

    def __enter__(self) -> Sandbox: ...

    def __exit__(self, *exc: object) -> None: ...
