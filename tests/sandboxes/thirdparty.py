"""Two sandbox backends written outside the ``sandboxes`` package, as a user would: one that
keeps the protocol (it delegates to a local sandbox) and one that breaks it (every command
starts in a fresh directory, so ``cd`` does not persist). Not registered anywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandboxes.base import ExecResult
from sandboxes.local_sandbox import LocalSandbox


class WrappedSandbox:
    """Another team's backend: a local sandbox behind its own class, counting commands."""

    backend = "wrapped"

    def __init__(self, workspace: Path, outputs_dir: Path) -> None:
        self._inner = LocalSandbox(workspace=workspace, outputs_dir=outputs_dir)
        self.workspace = self._inner.workspace
        self.commands = 0

    def __getattr__(self, name: str) -> Any:  # the file methods, as the inner sandbox has them
        return getattr(self._inner, name)

    @property
    def workdir(self) -> str:
        return self._inner.workdir

    def __enter__(self) -> WrappedSandbox:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.__exit__(*exc)

    def exec(self, command: str, timeout: float = 60, cwd: str | None = None,
             env: dict[str, str] | None = None) -> ExecResult:
        self.commands += 1
        return self._inner.exec(command, timeout=timeout, cwd=cwd, env=env)


class ForgetfulSandbox(WrappedSandbox):
    """Breaks the protocol: each command starts back in the workspace."""

    def exec(self, command: str, timeout: float = 60, cwd: str | None = None,
             env: dict[str, str] | None = None) -> ExecResult:
        return super().exec(f"cd {self.workdir}\n{command}", timeout=timeout, cwd=cwd, env=env)


def make_wrapped(workspace: Path, outputs_dir: Path) -> WrappedSandbox:
    return WrappedSandbox(workspace, outputs_dir)


def make_forgetful(workspace: Path, outputs_dir: Path) -> ForgetfulSandbox:
    return ForgetfulSandbox(workspace, outputs_dir)
