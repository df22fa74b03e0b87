"""Listing and walking workspace folders by descriptor: ``lstat`` entries (never following
them), children opened beneath their parent, a walk that records what it did not enter. Part
of ``sandboxes/fsafe.py``'s design (see its docstring)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

from sandboxes.fspath import O_PATH, reopen


@dataclass
class Entry:
    """One directory entry as seen by ``lstat`` (never following it)."""

    name: bytes
    mode: int
    size: int
    mtime_ns: int
    ctime_ns: int
    ino: int
    blocks: int
    uid: int = 0

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)

    @property
    def is_file(self) -> bool:
        return stat.S_ISREG(self.mode)

    @property
    def is_link(self) -> bool:
        return stat.S_ISLNK(self.mode)


def _entry(name: bytes, st: os.stat_result) -> Entry:
    return Entry(name, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino,
                 st.st_blocks, st.st_uid)


def kind_name(mode: int) -> str:
    """``regular file``, ``folder``, ``symlink``, ``FIFO``, ``socket``, ``device node``."""
    if stat.S_ISREG(mode):
        return "regular file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device node"


def list_fd(dir_fd: int) -> list[Entry]:
    """The entries of an open folder (``lstat`` of each, relative to the descriptor)."""
    out = []
    with os.scandir(dir_fd) as it:
        for e in it:
            try:
                st = e.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed meanwhile
            out.append(_entry(os.fsencode(e.name), st))
    return out


def open_child_dir(dir_fd: int, name: bytes, expect: Entry | None = None) -> int | None:
    """Open the sub-folder ``name`` for listing, never through a link; None when it is not
    (or no longer) the folder ``expect`` describes."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
                     | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    if expect is not None:
        st = os.fstat(fd)
        if st.st_ino != expect.ino:  # swapped between listing and opening
            os.close(fd)
            return None
    return fd


def open_child_file(dir_fd: int, name: bytes) -> int | None:
    """Open the regular file ``name`` for reading (O_PATH first: no special file is opened)."""
    try:
        pfd = os.open(name, O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(pfd).st_mode):
            return None
        return reopen(pfd)
    except OSError:
        return None
    finally:
        os.close(pfd)


@dataclass
class WalkDir:
    """One folder of a walk: its descriptor (valid during the iteration), path and entries."""

    fd: int
    rel: bytes  # b"" for the root, else b"a/b/" (always ends with a slash)
    entries: list[Entry]


@dataclass
class WalkSkip:
    """Something a walk did not enter, and why."""

    path: bytes
    reason: str


@dataclass
class Walker:
    """A walk over a tree that opens each folder beneath its parent's descriptor.

    Entries named in ``skip`` (e.g. ``.git``) are listed but never entered; folders deeper than
    ``max_depth`` or that cannot be opened are recorded in ``skipped``.
    """

    skip: frozenset[bytes] = frozenset()
    max_depth: int = 128
    skipped: list[WalkSkip] = field(default_factory=list)

    def walk(self, root_fd: int) -> Iterator[WalkDir]:
        fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=root_fd)
        yield from self._walk(fd, b"", 0)

    def _walk(self, fd: int, rel: bytes, depth: int) -> Iterator[WalkDir]:
        try:
            try:
                entries = list_fd(fd)
            except OSError as e:
                self.skipped.append(WalkSkip(rel.rstrip(b"/"), f"unreadable folder ({e.strerror})"))
                return
            yield WalkDir(fd, rel, entries)
            for ent in entries:
                if not ent.is_dir or ent.name in self.skip:
                    continue
                if depth + 1 > self.max_depth:
                    self.skipped.append(WalkSkip(rel + ent.name, f"deeper than {self.max_depth}"
                                                 " folders"))
                    continue
                child = open_child_dir(fd, ent.name, ent)
                if child is None:
                    self.skipped.append(WalkSkip(rel + ent.name, "changed or unreadable"))
                    continue
                yield from self._walk(child, rel + ent.name + b"/", depth + 1)
        finally:
            os.close(fd)
