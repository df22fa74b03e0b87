"""File access through the host side of the workspace, shared by every backend.

Everything goes through a ``WorkspaceDir`` (``sandboxes/fsafe.py``): paths are resolved beneath
a descriptor held on the workspace, no link is ever followed, only regular files are read or
written, and writes replace files instead of writing through them. Writes also respect the
disk limit when a ``DiskGuard`` watches the workspace.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sandboxes.base import ExecResult
from sandboxes.disk import DiskGuard
from sandboxes.fsafe import Entry, WorkspaceDir, fmt_size
from sandboxes.treecopy import copy_tree

# Reading more than this in one go is refused (a tool never needs it; memory stays bounded).
READ_LIMIT = 64 << 20


class WorkspaceFiles:
    """Mixin: the protocol's file methods on ``self.workspace``.

    Backends set ``workspace`` and ``workdir``, call ``_open_files(owner)`` when they start and
    ``_close_files()`` when they close; ``disk`` is their DiskGuard, if any.
    """

    workspace: Path
    workdir: str
    _files: WorkspaceDir | None = None
    disk: DiskGuard | None = None

    def _open_files(self, owner: int | None = None) -> WorkspaceDir:
        self._close_files()
        self._files = WorkspaceDir(self.workspace, self.workdir, owner=owner)
        return self._files

    def _close_files(self) -> None:
        if self._files is not None:
            self._files.close()
            self._files = None

    def _start_disk(self, limit: int, kill: Callable[[bool], None], *,
                    extra: Callable[[], int] | None = None, watch: list[str] | None = None,
                    poll_s: float = 0.1) -> None:
        """Watch the workspace against ``limit`` bytes (see ``sandboxes/disk.py``)."""
        self._stop_disk()
        self.disk = DiskGuard(self.files.fd, limit, kill=kill, extra=extra, watch=watch,
                              poll_s=poll_s)
        self.disk.start()

    def _stop_disk(self) -> None:
        if self.disk is not None:
            self.disk.stop()

    def _with_disk_notes(self, r: ExecResult) -> ExecResult:
        """Tell the agent what the disk limit did during (or since) its command."""
        if self.disk is None:
            return r
        notes = [r.note] if r.note else []
        if r.exit_code == 153 or "File size limit exceeded" in r.output:  # 128 + SIGXFSZ
            notes.append(f"exit code 153 means a process was killed for writing a file past "
                         f"{fmt_size(self.disk.limit)}, the disk limit of this workspace")
        extra = self.disk.take_notes()
        if extra:
            notes.append(extra)
        if not notes or notes == [r.note]:
            return r
        return r.model_copy(update={"note": "; ".join(notes)})

    @property
    def files(self) -> WorkspaceDir:
        """The workspace, held by a descriptor (opened on first use if the backend did not)."""
        if self._files is None:
            self._files = WorkspaceDir(self.workspace, self.workdir)
        return self._files

    def read_file(self, path: str, max_bytes: int = READ_LIMIT) -> bytes:
        return self.files.read_bytes(path, max_bytes)

    def open_file(self, path: str) -> BinaryIO:
        """A reader on a workspace file, to stream through it."""
        return self.files.open_read(path)

    def stat(self, path: str) -> Entry | None:
        """The entry at ``path`` without following it, or None."""
        return self.files.lstat(path)

    def write_file(self, path: str, data: bytes) -> None:
        if self.disk is not None:
            self.disk.check_write(len(data))
        self.files.write_bytes(path, data)

    def list_dir(self, path: str = ".") -> tuple[int, bytes]:
        """A descriptor on a workspace folder (the caller closes it) and its path as bytes."""
        return self.files.open_dir(path), b"/".join(self.files.parts(path))

    def upload(self, src: Path, dest: str = ".") -> None:
        """Copy a host folder's contents into the workspace at ``dest``."""
        sfd = os.open(src, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            with self.files.sub(dest) as target:
                copy_tree(sfd, target, replace=True)
        finally:
            os.close(sfd)

    def download(self, src: str, dest: Path) -> None:
        """Copy a workspace folder (or file) to the host path ``dest`` (links kept as links;
        special files left out)."""
        ent = self.files.lstat(src)
        if ent is None:
            raise FileNotFoundError(src)
        if not ent.is_dir:
            data = self.files.read_bytes(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
            return
        dest.mkdir(parents=True, exist_ok=True)
        sfd = self.files.open_dir(src)
        try:
            with WorkspaceDir(dest, "/") as out:
                copy_tree(sfd, out)
        finally:
            os.close(sfd)
