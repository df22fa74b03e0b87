"""Output capture that is capped while it is captured.

Memory holds at most ``head_bytes + tail_bytes`` for the text shown, plus ``spill_tail`` bytes
of tail for the stored copy. Once the output passes what is shown, it also goes to a spill file
(the full output that ``read_log`` pages through), itself capped per call: its first
``spill_head`` bytes are written as they come, its last ``spill_tail`` bytes are kept and
appended at the end, with a line saying how many bytes were dropped in between. So a command
printing 300 MB costs the host 8 MiB of disk and a few MiB of memory, however it prints.
"""

from __future__ import annotations

import tempfile
from collections import deque
from pathlib import Path
from typing import BinaryIO

SPILL_HEAD = 4 << 20
SPILL_TAIL = 4 << 20


class OutputCapture:
    """Accumulates a command's output: keeps head and tail in memory, spills the rest to disk."""

    def __init__(self, spill_dir: Path | None, *, head_bytes: int = 32_768,
                 tail_bytes: int = 32_768, spill_head: int = SPILL_HEAD,
                 spill_tail: int = SPILL_TAIL) -> None:
        self.spill_dir = spill_dir
        self.head_bytes = head_bytes
        self.tail_bytes = tail_bytes
        self.spill_head = max(spill_head, head_bytes + tail_bytes)
        self.spill_tail = spill_tail
        self.total = 0
        self._head = bytearray()
        self._tail = bytearray()
        self._spill: BinaryIO | None = None
        self._spill_path: Path | None = None
        self._spilled = 0  # bytes written to the spill file as they came
        self._late: deque[bytes] = deque()  # the stored copy's tail, past spill_head
        self._late_size = 0
        self._dropped = 0

    def feed(self, data: bytes) -> None:
        """Add a chunk of output."""
        if not data:
            return
        self.total += len(data)
        if self._spill is None and self.spill_dir is not None and \
                self.total > self.head_bytes + self.tail_bytes:
            self._open_spill()
        if self._spill is not None:
            self._to_spill(data)
        room = self.head_bytes - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            if len(self._tail) > self.tail_bytes:
                del self._tail[: len(self._tail) - self.tail_bytes]

    def _to_spill(self, data: bytes) -> None:
        assert self._spill is not None
        room = self.spill_head - self._spilled
        if room > 0:
            self._spill.write(data[:room])
            self._spilled += min(room, len(data))
            data = data[room:]
        if not data:
            return
        self._late.append(bytes(data))
        self._late_size += len(data)
        while self._late and self._late_size - len(self._late[0]) >= self.spill_tail:
            self._dropped += len(self._late[0])
            self._late_size -= len(self._late.popleft())

    def _open_spill(self) -> None:
        # The spill file must start with everything seen so far: head + tail are all of it,
        # because we open it the first time the total exceeds what memory holds.
        assert self.spill_dir is not None
        self.spill_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="out-", suffix=".log", dir=self.spill_dir)
        self._spill = open(fd, "wb")  # noqa: SIM115 - closed in finish()
        self._spill_path = Path(name)
        self._to_spill(bytes(self._head) + bytes(self._tail))

    @property
    def truncated(self) -> bool:
        return self.total > self.head_bytes + self.tail_bytes

    @property
    def dropped(self) -> int:
        """Bytes the stored copy left out (past its per-call cap)."""
        extra = max(0, self._late_size - self.spill_tail)
        return self._dropped + extra

    def finish(self) -> tuple[bytes, Path | None]:
        """Close the spill file; return (bytes shown: head + marker + tail, spill path or None)."""
        if self._spill is not None:
            tail = b"".join(self._late)
            cut = max(0, len(tail) - self.spill_tail)
            if self._dropped or cut:
                self._spill.write(
                    f"\n[... {self._dropped + cut} bytes dropped here: the stored output of one "
                    f"call keeps its first {self.spill_head} and last {self.spill_tail} bytes "
                    "...]\n".encode())
            self._spill.write(tail[cut:])
            self._spill.close()
            self._spill = None
            self._late.clear()
        if not self.truncated:
            return bytes(self._head + self._tail), None
        omitted = self.total - len(self._head) - len(self._tail)
        marker = f"\n[... {omitted} bytes omitted ...]\n".encode()
        return bytes(self._head) + marker + bytes(self._tail), self._spill_path


def decode(data: bytes) -> str:
    """Decode command output for humans and models; invalid UTF-8 never raises."""
    return data.decode("utf-8", errors="replace")
