"""Stopping a batch: one request (Ctrl-C, SIGTERM, or a caller) reaches every run in flight.

Shared by the local executor (threads) and the Ray executor."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agent.loop import StopSignal


class BatchStop:
    """Ctrl-C for a whole batch: sets every run's StopSignal, and no new run starts."""

    def __init__(self) -> None:
        self.requested = False
        self._signals: list[StopSignal] = []
        self._lock = threading.Lock()

    def new_signal(self) -> StopSignal:
        s = StopSignal()
        with self._lock:
            s.requested = self.requested
            self._signals.append(s)
        return s

    def request(self) -> None:
        with self._lock:
            self.requested = True
            for s in self._signals:
                s.requested = True  # runs in threads stop at their next model or tool call


@contextmanager
def stop_on_signals(stop: BatchStop) -> Iterator[None]:
    """First Ctrl-C/SIGTERM: stop gracefully; the second one: the default (abrupt) action.

    Runs in threads cannot get signals (`StopSignal` installs only in the main thread), so the
    main thread's handler flips every run's flag instead.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, _frame: Any) -> None:
        stop.request()
        for s, h in old.items():
            signal.signal(s, h)

    for s in old:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
