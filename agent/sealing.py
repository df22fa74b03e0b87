"""Sealed grading: the agent's tool calls and the hidden part of an evaluation take turns.

While candidate code runs on hidden inputs (the grader's container), every process of the
agent's sandbox is frozen (``sandboxes/sealing.py``), so nothing the agent runs can watch it.
The freeze starts as soon as no tool call runs: normally right after a step ends, while the
model thinks about the next one. A tool call that arrives while a grading is pending or runs
waits for it; that wait is not charged to the agent's budgets (``waited_s``), and command
timeouts only start once the call runs.

The freeze lasts the grading padded up to the next step of a geometric ladder
(``PAD_BASE_S * PAD_RATIO**k``): the agent's clock sees a gap of one of a few dozen
lengths, not the grading's own duration (docs/security.md gives the bits this leaves).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

PAD_BASE_S = 1.0
PAD_RATIO = 1.25


class Freezer(Protocol):
    def freeze(self) -> None: ...

    def thaw(self) -> None: ...


def padded(duration_s: float, base: float = PAD_BASE_S, ratio: float = PAD_RATIO) -> float:
    """The smallest ``base * ratio**k`` (k >= 0) that is at least ``duration_s``."""
    if duration_s <= base:
        return base
    k = math.ceil(math.log(duration_s / base) / math.log(ratio) - 1e-9)
    return base * ratio ** k


@dataclass
class Seal:
    """One sealed grading, as it went."""

    frozen: bool = False
    frozen_s: float = 0.0  # the freeze, padded: the gap the agent's clock saw
    waited_s: float = 0.0  # waiting for the agent's tool call to end before the freeze


class SealGate:
    """One at a time: the agent's tool calls, or a sealed grading (its sandbox frozen).

    ``freezer`` returns the current sandbox's freezer (the sandbox may be replaced during a
    run), or None where evaluations are not sealed (the local backend, ``sealed: false``):
    then gradings never wait for the agent nor the agent for them.
    """

    def __init__(self, freezer: Callable[[], Freezer | None], *, base: float = PAD_BASE_S,
                 ratio: float = PAD_RATIO,
                 on_wait: Callable[[bool], None] | None = None) -> None:
        self._freezer = freezer
        self.base, self.ratio = base, ratio
        self.on_wait = on_wait or (lambda _w: None)  # a tool call starts/stops waiting
        self._cond = threading.Condition()
        self._busy = False  # a tool call runs
        self._wanted = False  # a grading waits for the current tool call to end
        self._sealed = False
        self._abort = threading.Event()
        self.waited_s = 0.0  # tool calls' time spent waiting for a sealed grading
        self.frozen_s: list[float] = []  # each freeze, padded, as the agent's clock saw it

    @property
    def active(self) -> bool:
        return self._freezer() is not None

    # -- the loop's side ---------------------------------------------------------------------
    def enter(self, cancelled: Callable[[], bool] = lambda: False) -> bool:
        """Before a tool call: wait while a grading is sealed or about to be. False when
        ``cancelled()`` turned true meanwhile (the run is stopping; the call must not run)."""
        with self._cond:
            if self._sealed or self._wanted:
                t0 = time.monotonic()
                self.on_wait(True)
                try:
                    while self._sealed or self._wanted:
                        if cancelled():
                            return False
                        self._cond.wait(0.25)  # short waits: a signal handler runs between
                finally:
                    self.waited_s += time.monotonic() - t0
                    self.on_wait(False)
            self._busy = True
            return True

    def leave(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()

    # -- the grader's side -------------------------------------------------------------------
    @contextmanager
    def sealed(self, seal: Seal | None = None) -> Iterator[None]:
        """Freeze the agent's sandbox for the body (once no tool call runs); thaw after,
        whatever happens, the freeze padded to the ladder. ``seal`` is filled in."""
        seal = seal if seal is not None else Seal()
        freezer = self._freezer()
        if freezer is None:
            yield
            return
        with self._cond:
            self._wanted = True
            try:
                while self._busy and not self._abort.is_set():
                    self._cond.wait(0.25)
                self._sealed = True
            finally:
                self._wanted = False
        t0 = time.monotonic()
        try:
            freezer = self._freezer() or freezer  # the sandbox as it is now
            freezer.freeze()
            seal.frozen = True
            yield
            self._abort.wait(max(0.0, padded(time.monotonic() - t0, self.base, self.ratio)
                                 - (time.monotonic() - t0)))
        finally:
            try:
                freezer.thaw()
            finally:
                seal.frozen_s = time.monotonic() - t0
                self.frozen_s.append(seal.frozen_s)
                with self._cond:
                    self._sealed = False
                    self._cond.notify_all()

    def abort(self) -> None:
        """The run stops: no padding, no waiting for the agent."""
        self._abort.set()
        with self._cond:
            self._cond.notify_all()
