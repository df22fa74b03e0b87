"""Writing what must survive a kill -9: JSON files replaced atomically, and event logs.

A run's ``run.json`` and ``events.jsonl``, a team's ``team.json`` and ``team.jsonl`` and a
batch's ``batch.json`` are all written through here, so each crash guarantee is made once.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # events.py imports run_info.py, which writes through here
    from agent.trajectory.events import EventBase

E = TypeVar("E", bound="EventBase")


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: a crash leaves the old file or the new one, whole.

    The temporary file has a name of its own per call, so two writers at once never write into
    one file (a fixed name let one writer truncate the file the other was renaming into place);
    the folder is synced after the rename so the new name survives a power cut too.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "x") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # a folder we may not open: the rename itself is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder
    finally:
        os.close(fd)


class EventLog:
    """A JSON-lines log of numbered events: each appended and flushed as it is emitted (a
    reader sees it at once), fsync'ed by ``sync`` and ``close``. Thread-safe.

    ``next_seq`` continues the numbering of a log that already has events (a resumed run).
    """

    def __init__(self, path: Path, next_seq: int = 0) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seq = next_seq
        self._file = open(path, "ab")  # noqa: SIM115 - closed in close()

    @property
    def next_seq(self) -> int:
        return self._seq

    def emit(self, event_cls: type[E], step: int, **fields: Any) -> E:
        """Build, number, append and flush one event; return it. Its time is now unless
        ``fields`` gives one (``t``: an imported trajectory keeps its source's times)."""
        with self._lock:  # the time too: events' times follow their numbers
            fields.setdefault("t", time.time())
            event = event_cls(seq=self._seq, step=step, **fields)
            self._file.write(event.model_dump_json(exclude_none=True).encode() + b"\n")
            self._file.flush()
            self._seq += 1
            return event

    def sync(self) -> None:
        """Make everything written so far durable."""
        with self._lock:
            self._file.flush()
            os.fsync(self._file.fileno())

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.flush()
                os.fsync(self._file.fileno())
                self._file.close()
