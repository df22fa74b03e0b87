"""Errors the CLI turns into exit codes and one-paragraph messages (never tracebacks)."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or usage: exit 2. The message names the file, field or flag to fix."""

    exit_code = 2


class HarnessError(Exception):
    """The run or command failed on our side (engine, sandbox, endpoint): exit 1."""

    exit_code = 1
