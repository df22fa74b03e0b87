"""The Recorder: appends events to `events.jsonl` (flushed per event, fsync per step)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, TypeVar

from agent.trajectory.events import EventBase
from agent.trajectory.run_info import RunInfo, write_run_info

E = TypeVar("E", bound=EventBase)


class Recorder:
    """Owns a run folder's files. Thread-safe: evaluations are recorded from another thread.

    ``next_seq`` lets a resumed run continue the numbering of an existing `events.jsonl`.
    """

    def __init__(self, run_dir: Path, info: RunInfo, next_seq: int = 0) -> None:
        self.run_dir = run_dir
        self.info = info
        self.outputs_dir = run_dir / "outputs"
        self.outputs_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._seq = next_seq
        self._file = open(run_dir / "events.jsonl", "ab")  # noqa: SIM115 - closed in close()
        write_run_info(run_dir, info)

    @property
    def next_seq(self) -> int:
        return self._seq

    def emit(self, event_cls: type[E], step: int, **fields: Any) -> E:
        """Build, number, append and flush one event; return it."""
        with self._lock:
            event = event_cls(seq=self._seq, t=time.time(), step=step, **fields)
            line = event.model_dump_json(exclude_none=True).encode() + b"\n"
            self._file.write(line)
            self._file.flush()
            self._seq += 1
            return event

    def sync(self) -> None:
        """Make everything written so far durable (called at the end of each step)."""
        with self._lock:
            self._file.flush()
            os.fsync(self._file.fileno())

    def save_info(self) -> None:
        """Rewrite run.json from ``self.info``."""
        with self._lock:
            write_run_info(self.run_dir, self.info)

    def store_output(self, call_id: str, spilled: Path | None, text: str) -> str:
        """Keep a tool call's full output under outputs/; return its path relative to the run."""
        target = self.outputs_dir / f"{_safe(call_id)}.log"
        if spilled is not None and spilled.exists():
            os.replace(spilled, target)
        else:
            target.write_text(text, errors="replace")
        return str(target.relative_to(self.run_dir))

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.flush()
                os.fsync(self._file.fileno())
                self._file.close()


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:100]

