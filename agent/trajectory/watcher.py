"""Which workspace folders changed since the last snapshot: Linux inotify, by descriptor.

A snapshot must see every change; reading every file's ``stat`` at every step does, and costs
a syscall per file. The kernel can say instead which folders had an entry created, deleted,
renamed, written, truncated or re-moded since we last asked (inotify). A folder is watched
through the descriptor the walk already holds on it (``/proc/self/fd/N``: the kernel resolves
that magic link to the very folder we opened, so no path the agent could swap is looked up),
before it is listed: a change after the listing always leaves an event, one before it is
seen by the listing.

What inotify does not report, and how the caller covers it (``scan.py``): a write through a
hardlink whose other name is in another folder (folders holding multi-link files are re-listed
every time); a write through a shared memory mapping kept open across steps (its event comes
when the mapping goes); a lost event (the queue overflows: ``drain`` says so and the caller
walks everything). The caller also walks everything from time to time.

Resources are bounded: one inotify instance per snapshotter, at most ``max_watches`` folders
watched (past it the watcher closes itself and the caller walks every time), and the queue
is the kernel's (``fs.inotify.max_queued_events``).
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from dataclasses import dataclass

IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_UNMOUNT = 0x2000
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x01000000
IN_ISDIR = 0x40000000
MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE
        | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
NEW_DIR = IN_CREATE | IN_MOVED_TO
_EVENT = struct.Struct("iIII")
MAX_WATCHES = 16384
MAX_EVENTS = 200_000  # events read per drain at most; past it, as for an overflow


def _libc() -> ctypes.CDLL | None:
    try:
        lib = ctypes.CDLL(None, use_errno=True)
        lib.inotify_init1  # noqa: B018 (probe: missing off Linux)
        return lib
    except (OSError, AttributeError):
        return None


_LIBC = _libc()


def default_max_watches() -> int:
    """Our share of the user's inotify watches: at most an eighth, and ``MAX_WATCHES``."""
    try:
        with open("/proc/sys/fs/inotify/max_user_watches") as f:
            return max(0, min(MAX_WATCHES, int(f.read()) // 8))
    except (OSError, ValueError):
        return 0


@dataclass
class Changes:
    """What ``drain`` found: folders to re-list, new folders to walk whole, or everything."""

    dirty: set[str]  # folders (``""``, ``"a/b/"``) with an entry changed
    new: set[str]  # folders created or moved in: walk the whole subtree
    everything: bool = False  # events were lost (or the root itself changed)


class DirWatcher:
    """One inotify instance watching workspace folders by descriptor."""

    def __init__(self, max_watches: int | None = None) -> None:
        if _LIBC is None:
            raise OSError(errno.ENOSYS, "inotify is not available")
        fd = _LIBC.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
        self.fd = fd
        self.max_watches = default_max_watches() if max_watches is None else max_watches
        self.paths: dict[int, str] = {}  # watch descriptor -> folder it was last listed as

    def close(self) -> None:
        """Release the instance (the kernel drops every watch with it)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
            self.paths.clear()

    def __enter__(self) -> DirWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def watch(self, dir_fd: int, rel: str) -> bool:
        """Watch the folder open as ``dir_fd`` (known as ``rel``); False when it cannot be,
        and the watcher is then of no more use (the caller closes it)."""
        assert _LIBC is not None
        wd = _LIBC.inotify_add_watch(self.fd, b"/proc/self/fd/%d" % dir_fd, MASK)
        if wd < 0:
            return False
        if wd not in self.paths and len(self.paths) >= self.max_watches:
            _LIBC.inotify_rm_watch(self.fd, wd)
            return False
        self.paths[wd] = rel  # (a folder watched before, listed again: its path may be new)
        return True

    def drain(self) -> Changes:
        """Every event since the last call, as folders to look at again."""
        out = Changes(set(), set())
        count = 0
        while True:
            try:
                buf = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return out
            pos = 0
            while pos + 16 <= len(buf):
                wd, mask, _cookie, size = _EVENT.unpack_from(buf, pos)
                name = buf[pos + 16: pos + 16 + size].rstrip(b"\0")
                pos += 16 + size
                count += 1
                self._apply(out, wd, mask, name)
            if count > MAX_EVENTS:
                out.everything = True
                self._discard()
                return out

    def _apply(self, out: Changes, wd: int, mask: int, name: bytes) -> None:
        if mask & (IN_Q_OVERFLOW | IN_UNMOUNT):
            out.everything = True
            return
        if mask & IN_IGNORED:  # the folder is gone (its parent's event says so)
            self.paths.pop(wd, None)
            return
        rel = self.paths.get(wd)
        if rel is None:
            return
        if mask & (IN_DELETE_SELF | IN_MOVE_SELF):
            if rel == "":
                out.everything = True
            return  # its parent's event makes the parent be listed again
        out.dirty.add(rel)
        if name and mask & IN_ISDIR and mask & NEW_DIR:
            out.new.add(rel + os.fsdecode(name) + "/")

    def _discard(self) -> None:
        while True:
            try:
                if not os.read(self.fd, 1 << 16):
                    return
            except BlockingIOError:
                return
