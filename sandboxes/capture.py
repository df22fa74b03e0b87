"""Output capture that is capped while it is captured.

Memory holds at most ``head_bytes + tail_bytes``; once the output passes that, every byte also
goes to a spill file (itself capped at ``spill_limit``) so nothing is buffered whole in memory
however much a command prints.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import BinaryIO


class OutputCapture:
    """Accumulates a command's output: keeps head and tail in memory, spills the rest to disk."""

    def __init__(self, spill_dir: Path, *, head_bytes: int = 32_768, tail_bytes: int = 32_768,
                 spill_limit: int = 256 * 1024 * 1024) -> None:
        self.spill_dir = spill_dir
        self.head_bytes = head_bytes
        self.tail_bytes = tail_bytes
        self.spill_limit = spill_limit
        self.total = 0
        self._head = bytearray()
        self._tail = bytearray()
        self._spill: BinaryIO | None = None
        self._spill_path: Path | None = None
        self._spilled = 0

    def feed(self, data: bytes) -> None:
        """Add a chunk of output."""
        if not data:
            return
        self.total += len(data)
        if self._spill is None and self.total > self.head_bytes + self.tail_bytes:
            self._open_spill()
        if self._spill is not None and self._spilled < self.spill_limit:
            chunk = data[: self.spill_limit - self._spilled]
            self._spill.write(chunk)
            self._spilled += len(chunk)
        room = self.head_bytes - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            if len(self._tail) > self.tail_bytes:
                del self._tail[: len(self._tail) - self.tail_bytes]

    def _open_spill(self) -> None:
        # The spill file must start with everything seen so far: head + tail are all of it,
        # because we open it the first time the total exceeds what memory holds.
        self.spill_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="out-", suffix=".log", dir=self.spill_dir)
        self._spill = open(fd, "wb")  # noqa: SIM115 - closed in finish()
        self._spill_path = Path(name)
        self._spill.write(self._head)
        self._spill.write(self._tail)
        self._spilled = len(self._head) + len(self._tail)

    @property
    def truncated(self) -> bool:
        return self.total > self.head_bytes + self.tail_bytes

    def finish(self) -> tuple[bytes, Path | None]:
        """Close the spill file; return (bytes shown: head + marker + tail, spill path or None)."""
        if self._spill is not None:
            self._spill.close()
            self._spill = None
        if not self.truncated:
            return bytes(self._head + self._tail), None
        omitted = self.total - len(self._head) - len(self._tail)
        marker = f"\n[... {omitted} bytes omitted ...]\n".encode()
        return bytes(self._head) + marker + bytes(self._tail), self._spill_path


def decode(data: bytes) -> str:
    """Decode command output for humans and models; invalid UTF-8 never raises."""
    return data.decode("utf-8", errors="replace")
