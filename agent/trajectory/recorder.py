"""The Recorder: appends events to `events.jsonl` (flushed per event, fsync per step)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from agent.trajectory.durable import EventLog
from agent.trajectory.events import EventBase
from agent.trajectory.outputs import output_file
from agent.trajectory.run_info import RunInfo, write_run_info

E = TypeVar("E", bound=EventBase)

# outputs/ of one run: past this, each further output keeps only its head and tail (64 KiB).
# Each call's own copy is already capped by the sandbox (sandboxes/capture.py, 8 MiB).
OUTPUTS_CAP = 256 << 20
OUTPUTS_MIN_KEEP = 64 << 10


class Recorder:
    """Owns a run folder's files. Thread-safe: evaluations are recorded from another thread.

    ``next_seq`` lets a resumed run continue the numbering of an existing `events.jsonl`.
    """

    def __init__(self, run_dir: Path, info: RunInfo, next_seq: int = 0,
                 outputs_cap: int = OUTPUTS_CAP,
                 listener: Callable[[EventBase], None] | None = None) -> None:
        self.run_dir = run_dir
        self.info = info
        self.outputs_dir = run_dir / "outputs"
        self.outputs_dir.mkdir(parents=True, exist_ok=True)
        self.outputs_cap = outputs_cap
        self.outputs_used = sum(p.stat().st_size for p in self.outputs_dir.glob("*.log"))
        self._lock = threading.Lock()  # run.json's writers
        # Told of each event once it is written (a live view, a log); from any thread.
        self.listener = listener
        self._log = EventLog(run_dir / "events.jsonl", next_seq)
        write_run_info(run_dir, info)

    @property
    def next_seq(self) -> int:
        return self._log.next_seq

    def emit(self, event_cls: type[E], step: int, **fields: Any) -> E:
        """Build, number, append and flush one event; return it."""
        event = self._log.emit(event_cls, step, **fields)
        if self.listener is not None:
            self.listener(event)
        return event

    def sync(self) -> None:
        """Make everything written so far durable (called at the end of each step)."""
        self._log.sync()

    def save_info(self) -> None:
        """Rewrite run.json from ``self.info``."""
        with self._lock:
            write_run_info(self.run_dir, self.info)

    def store_output(self, call_id: str, spilled: Path | None, text: str) -> str:
        """Keep a tool call's full output under outputs/; return its path relative to the run."""
        target = output_file(self.outputs_dir, call_id)
        if spilled is not None and spilled.exists():
            os.replace(spilled, target)
        else:
            target.write_text(text, errors="replace")
        size = target.stat().st_size
        room = max(self.outputs_cap - self.outputs_used, OUTPUTS_MIN_KEEP)
        if size > room:
            _keep_ends(target, room, self.outputs_cap)
            size = target.stat().st_size
        self.outputs_used += size
        return str(target.relative_to(self.run_dir))

    def close(self) -> None:
        self._log.close()


def _keep_ends(path: Path, keep: int, cap: int) -> int:
    """Cut a stored output down to its first and last ``keep // 2`` bytes, in place, saying
    what was dropped; returns the number of bytes dropped."""
    size = path.stat().st_size
    half = keep // 2
    dropped = size - 2 * half
    tmp = path.with_suffix(".cut")
    with open(path, "rb") as src, open(tmp, "wb") as out:
        left = half
        while left:
            chunk = src.read(min(left, 1 << 20))
            if not chunk:
                break
            out.write(chunk)
            left -= len(chunk)
        out.write(f"\n[... {dropped} bytes dropped here: this run's outputs/ reached its cap of "
                  f"{cap} bytes, so each further output keeps only its head and tail ...]\n"
                  .encode())
        src.seek(size - half)
        while chunk := src.read(1 << 20):
            out.write(chunk)
    os.replace(tmp, path)
    return dropped
