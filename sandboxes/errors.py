"""ultrarun's one error hierarchy: what went wrong decides the exit code, not who noticed.

- ``UserError`` (exit 2): bad input or usage. The message is one line naming the file, field
  or flag to fix; no traceback is ever shown for it.
- ``HarnessError`` (exit 1): the run or command failed on our side or in the environment
  (Docker engine, image build, sandbox, endpoint, git). One line is shown; the details (the
  traceback, a build log) go to a file whose path is shown with it.
- Other ``UltrarunError`` subclasses are signals that never reach the user (a scripted model
  running out of turns, a tool error shown to the model, an interrupt).

It lives in ``sandboxes``, the bottom layer: ``scenarios`` and ``agent`` already import it
and it imports neither, so any module can raise these without an upward import, and the CLI
catches them once, in ``agent.cli.main.main``.
"""

from __future__ import annotations

from pathlib import Path


class UltrarunError(Exception):
    """Root of every error ultrarun raises on purpose.

    ``details`` is longer text worth keeping (a build log); ``log_dir`` is where the CLI
    writes it with the traceback (a run folder), when the raiser knows a better place than
    the default.
    """

    exit_code = 1

    def __init__(self, message: str = "", *, details: str | None = None,
                 log_dir: Path | None = None) -> None:
        super().__init__(message)
        self.details = details
        self.log_dir = log_dir


class UserError(UltrarunError, ValueError):
    """Bad input or usage (exit 2): the message names the file, field or flag to fix.

    Also a ``ValueError``: a bad value is what it is, and callers catching that keep working.
    """

    exit_code = 2


class HarnessError(UltrarunError):
    """The run or command failed on our side or in its environment (exit 1)."""

    exit_code = 1


def one_line(text: str, limit: int = 300) -> str:
    """The first non-empty line of ``text``, shortened to ``limit`` characters."""
    for line in str(text).splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""
