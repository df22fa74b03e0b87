"""The workspace size limit (``limits.disk``): a watcher that stops a runaway writer.

Two layers. Each process in the sandbox has ``RLIMIT_FSIZE`` set to the limit, so no single
file can grow past it (the writer gets SIGXFSZ, exit 153). And a ``DiskGuard`` thread polls
``statvfs`` of the host filesystems every ``poll_s`` (microseconds each): when the space and
inodes the host lost since the last measurement, added to that measurement, could pass the
limit, it measures for real (a walk of the workspace that never follows links, plus the
container's writable layer) and, over the limit, kills every process the agent started. The
walk also corrects for other writers on the same disk, so a neighbour's download never kills
the agent's command. Overshoot is what the writer manages in one poll interval plus one
measurement (see docs/security.md for measured figures).

Usage counts allocated blocks (a sparse file costs what it holds), and every entry at least
4 KiB, so a flood of empty files is bounded too.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sandboxes.fsafe import Refused, Walker, fmt_size

ENTRY_MIN_BYTES = 4096
DEFAULT_DISK = "4g"
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


class DiskLimitExceeded(Refused):
    """A host-side write would take the workspace over its disk limit."""

    kind = "disk_limit"


def parse_size(value: str | int) -> int:
    """Bytes from ``4g``, ``512m``, ``100k``, ``1.5G``, ``4GiB`` or a number of bytes."""
    if isinstance(value, bool):
        raise ValueError(f"not a size: {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"not a size: {value!r}")
        return value
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*", str(value).lower())
    if not m:
        raise ValueError(f"not a size: {value!r} (use e.g. 4g, 512m, 100k)")
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def tree_usage(root_fd: int) -> tuple[int, int]:
    """(bytes, entries) a tree holds: allocated blocks, each entry at least 4 KiB."""
    total = n = 0
    for d in Walker().walk(root_fd):
        for e in d.entries:
            n += 1
            total += e.blocks * 512 if e.is_dir else max(e.blocks * 512, ENTRY_MIN_BYTES)
    return total, n


@dataclass
class FsReading:
    """Free bytes and inodes of the watched filesystems, summed."""

    free_bytes: int
    free_inodes: int


def fs_reading(paths: list[str]) -> FsReading:
    seen: set[int] = set()
    b = i = 0
    for p in paths:
        try:
            st = os.statvfs(p)
        except OSError:
            continue
        if st.f_fsid in seen:
            continue
        seen.add(st.f_fsid)
        b += st.f_bavail * st.f_frsize
        i += st.f_favail
    return FsReading(b, i)


class DiskGuard:
    """Watches a workspace (and, through ``extra``, other agent-writable storage) against
    ``limit`` bytes; calls ``kill(hard)`` when it is passed.

    ``kill(False)`` must stop every process the agent started except its shell;
    ``kill(True)`` the shell as well (a writer that is a shell builtin).
    """

    def __init__(self, root_fd: int, limit: int, *, kill: Callable[[bool], None],
                 extra: Callable[[], int] | None = None, watch: list[str] | None = None,
                 poll_s: float = 0.1, slack: int | None = None) -> None:
        self.root_fd = root_fd
        self.limit = limit
        self.kill = kill
        self.extra = extra
        self.poll_s = poll_s
        # Growth tolerated over the limit before killing again (a command cleaning up may
        # write a little): small against the limit.
        self.slack = slack if slack is not None else min(16 << 20, max(1 << 20, limit // 64))
        self.watch = [f"/proc/self/fd/{root_fd}", *(watch or [])]
        self.usage = 0
        self.walked = 0
        self.entries = 0
        self.measured_at = 0.0
        self.kills = 0
        self.peak = 0
        self._ref = fs_reading(self.watch)
        self._lock = threading.Lock()
        self._kill_lock = threading.Lock()
        self._notes: list[str] = []
        self._over = False
        self._after_kill = 0
        self._killed_at = 0.0
        self._last_walk_s = 0.0
        self._extra_value = 0
        self._extra_at = 0.0
        self._extra_free = 0
        self._extra_thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self.extra is not None:
            self._extra_free = fs_reading(self.watch).free_bytes
            self._refresh_extra()
        self.measure()
        self._thread = threading.Thread(target=self._run, name="disk-guard", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.check()
            except Exception as e:  # never let the watcher die silently; retry next poll
                self._note(f"the disk watcher hit an error ({type(e).__name__}: {e})")

    # -- measuring -------------------------------------------------------------------------
    def estimate(self) -> int:
        """The last measurement plus what the watched filesystems lost since (an upper
        bound while nobody else writes; corrected by the next measurement)."""
        now = fs_reading(self.watch)
        grown = max(0, self._ref.free_bytes - now.free_bytes) + \
            max(0, self._ref.free_inodes - now.free_inodes) * ENTRY_MIN_BYTES
        return self.usage + grown

    def measure(self) -> int:
        """Measure the real usage (a walk, plus the last value of ``extra``); resets the
        estimate's reference."""
        with self._lock:
            ref = fs_reading(self.watch)
            t0 = time.monotonic()
            walk, entries = tree_usage(self.root_fd)
            self._last_walk_s = time.monotonic() - t0
            usage = walk + self._extra_value
            self.walked = walk
            self.usage, self.entries, self._ref = usage, entries, ref
            self.measured_at = time.monotonic()
            self.peak = max(self.peak, usage)
            return usage

    def _maybe_refresh_extra(self, now: FsReading) -> None:
        """Ask ``extra`` again on a side thread (a Docker API call may take seconds under
        load; the walk must not wait for it) once the disk lost more than the slack since it
        was last asked, and every 30 s."""
        if self.extra is None or (self._extra_thread is not None
                                  and self._extra_thread.is_alive()):
            return
        if abs(self._extra_free - now.free_bytes) <= self.slack and \
                time.monotonic() - self._extra_at < 30:
            return
        self._extra_free = now.free_bytes
        self._extra_thread = threading.Thread(target=self._refresh_extra,
                                              name="disk-guard-extra", daemon=True)
        self._extra_thread.start()

    def _extra_age(self) -> float:
        return time.monotonic() - self._extra_at if self.extra is not None else 0.0

    def _fresh(self) -> int:
        """A measurement with ``extra`` asked again first (waits for it)."""
        if self.extra is not None:
            thread = self._extra_thread
            if thread is not None and thread.is_alive():
                thread.join(timeout=60)
            self._extra_free = fs_reading(self.watch).free_bytes
            self._refresh_extra()
        return self.measure()

    def _refresh_extra(self) -> None:
        assert self.extra is not None
        value = self.extra()
        with self._lock:
            # Its growth counts at once (maybe twice, with the free space the estimate already
            # saw: an overestimate, which only costs the next measurement).
            self.usage += value - self._extra_value
            self._extra_value, self._extra_at = value, time.monotonic()

    def check(self) -> None:
        """One poll: measure when the estimate passes the limit (or, over it, grows), or
        when space came back (files were deleted: the estimate's base is stale)."""
        now = fs_reading(self.watch)
        self._maybe_refresh_extra(now)
        grown = max(0, self._ref.free_bytes - now.free_bytes) + \
            max(0, self._ref.free_inodes - now.free_inodes) * ENTRY_MIN_BYTES
        freed = max(0, now.free_bytes - self._ref.free_bytes)
        threshold = self._after_kill + self.slack if self._over else self.limit
        growing = self.usage + grown > threshold
        if not growing and freed <= self.slack:
            return
        since = time.monotonic() - self.measured_at
        # A big tree takes a while to walk: never spend more than half the time walking; and
        # space coming back (maybe someone else's) is worth a look once a second at most.
        if since < 2 * self._last_walk_s or (not growing and since < 1.0):
            return
        usage = self.measure()
        if usage > self.limit >= self.walked and self._extra_age() > 1:
            usage = self._fresh()  # never kill on a stale size of the container's layer
        if usage <= self.limit:
            self._over = False
            return
        if self._over and usage <= self._after_kill + self.slack:
            self._after_kill = min(self._after_kill, usage)
            return  # over the limit, but nothing grows: the agent may be cleaning up
        # Growing again within seconds of a kill: the shell itself is writing (a builtin).
        hard = self._over and time.monotonic() - self._killed_at < 5
        what = "every process the agent started, its shell included" if hard else \
            "every process the agent started"
        # The note first: the killed command returns at once and takes the notes with it.
        self._note(f"the workspace went over its disk limit of {fmt_size(self.limit)} (it holds "
                   f"{fmt_size(usage)}): {what} was killed; delete files to get back under "
                   "the limit")
        with self._kill_lock:  # the next command waits until this kill is over
            self.kill(hard)
        self.kills += 1
        self._over = True
        self._killed_at = time.monotonic()
        # What the writers left (written between the measurement and the kill) is the base
        # for "still growing".
        self._after_kill = self.measure()

    def wait_for_kills(self) -> None:
        """Return once no kill is in progress (a kill sweeps new processes for a while: a
        command started meanwhile would be swept too)."""
        with self._kill_lock:
            pass

    def check_write(self, nbytes: int) -> None:
        """Refuse a host-side write that would take the workspace over the limit."""
        if self.estimate() + nbytes <= self.limit:
            return
        usage = self._fresh()
        if usage + nbytes > self.limit:
            raise DiskLimitExceeded(
                f"writing {fmt_size(nbytes)} would take the workspace to {fmt_size(usage + nbytes)}"
                f", over its disk limit of {fmt_size(self.limit)}: delete files first")

    # -- notes for the agent ---------------------------------------------------------------
    def _note(self, text: str) -> None:
        with self._lock:
            if text not in self._notes:
                self._notes.append(text)

    def take_notes(self) -> str | None:
        with self._lock:
            notes, self._notes = self._notes, []
        return "; ".join(notes) if notes else None

