"""File access through the host side of the workspace, shared by every backend."""

from __future__ import annotations

import shutil
from pathlib import Path

from sandboxes.paths import resolve_in_workspace


class WorkspaceFiles:
    """Mixin: ``read_file``/``write_file``/``upload``/``download`` on ``self.workspace``.

    Backends set ``workspace`` and ``workdir`` and may override ``_claim`` to fix ownership of
    what the host writes (the Docker backend hands files to the container's user).
    """

    workspace: Path
    workdir: str

    def host_path(self, path: str) -> Path:
        """The host path of a workspace path, refused if it resolves outside the workspace."""
        return resolve_in_workspace(self.workspace, path, self.workdir)

    def _claim(self, path: Path, tree: bool = False) -> None:
        """Hook: called on each host-written path (a whole tree when ``tree``)."""

    def read_file(self, path: str) -> bytes:
        return self.host_path(path).read_bytes()

    def write_file(self, path: str, data: bytes) -> None:
        target = self.host_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self._claim(target)

    def upload(self, src: Path, dest: str = ".") -> None:
        target = self.host_path(dest)
        shutil.copytree(src, target, dirs_exist_ok=True, symlinks=True)
        self._claim(target, tree=True)

    def download(self, src: str, dest: Path) -> None:
        source = self.host_path(src)
        if source.is_dir():
            shutil.copytree(source, dest, dirs_exist_ok=True, symlinks=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
