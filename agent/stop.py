"""Stopping a run: SIGINT/SIGTERM become ``RunInterrupted`` where the loop waits."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sandboxes.errors import UltrarunError


class RunInterrupted(UltrarunError):
    """SIGINT or SIGTERM arrived: the loop stops at once and marks the run interrupted."""


class StopSignal:
    """Turns SIGINT/SIGTERM into RunInterrupted, but only where the loop waits (a model call or
    a command); elsewhere it sets a flag the loop checks, so no event is ever half-written."""

    def __init__(self) -> None:
        self.requested = False
        self._waiting = False

    def _handler(self, signum: int, _frame: Any) -> None:
        self.requested = True
        if self._waiting:
            self._waiting = False
            raise RunInterrupted(signal.Signals(signum).name)

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Install the handlers (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old = {s: signal.signal(s, self._handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, h in old.items():
                signal.signal(s, h)

    @contextmanager
    def waiting(self) -> Iterator[None]:
        if self.requested:
            raise RunInterrupted("stop requested")
        self._waiting = True
        try:
            yield
        finally:
            self._waiting = False
