"""Workspace paths on the host: split lexically, opened beneath a directory descriptor,
never through a link (``openat2`` with ``RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV``, or component by component with ``O_NOFOLLOW`` where
it is missing), and the refusals the file tools answer with. Part of ``sandboxes/fsafe.py``'s
design (see its docstring)."""

from __future__ import annotations

import ctypes
import errno
import os

from sandboxes.base import PathOutsideWorkspace, SandboxError

RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
STRICT = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV
_SYS_OPENAT2 = 437  # the same number on every architecture (syscalls added after 5.1)

O_PATH = getattr(os, "O_PATH", 0o10000000)
_DIR = O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
_READ = os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK


class Refused(SandboxError):
    """A file operation the agent asked for and the host will not do; ``kind`` classifies it."""

    kind = "tool_error"


class BadPath(PathOutsideWorkspace):
    """Not a usable path at all (a NUL byte, text that is no file name)."""


class LinkRefused(PathOutsideWorkspace):
    """The path goes through a symlink: the host-side file tools never follow one."""


class NotRegular(Refused):
    """A FIFO, socket or device node (or a folder where a file was expected)."""

    kind = "special_file"


class TooLarge(Refused):
    """The file is over the size a tool reads or writes in one go."""

    kind = "too_large"


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64),
                ("resolve", ctypes.c_uint64)]


_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long


def openat2(dirfd: int, path: bytes, flags: int, mode: int = 0, resolve: int = STRICT) -> int:
    """The ``openat2`` syscall; raises OSError like ``os.open``."""
    how = _OpenHow(flags, mode, resolve)
    for _ in range(8):  # EAGAIN: a concurrent rename made the kernel unsure; just retry
        fd = _syscall(ctypes.c_long(_SYS_OPENAT2), ctypes.c_int(dirfd), ctypes.c_char_p(path),
                      ctypes.byref(how), ctypes.c_size_t(ctypes.sizeof(how)))
        if fd >= 0:
            return int(fd)
        err = ctypes.get_errno()
        if err != errno.EAGAIN:
            raise OSError(err, os.strerror(err), os.fsdecode(path))
    raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN), os.fsdecode(path))


def _probe_openat2() -> bool:
    try:
        os.close(openat2(os.open("/", _DIR), b".", _DIR))
    except OSError:
        return False
    return True


HAVE_OPENAT2 = _probe_openat2()


def open_beneath(root_fd: int, parts: tuple[bytes, ...], flags: int, mode: int = 0,
                 use_openat2: bool = HAVE_OPENAT2) -> int:
    """Open ``parts`` beneath ``root_fd`` following no link (``O_NOFOLLOW`` is implied)."""
    if not parts:
        return os.open(".", flags, mode, dir_fd=root_fd)
    if use_openat2:
        return openat2(root_fd, b"/".join(parts), flags | os.O_NOFOLLOW, mode)
    cur = root_fd
    root_dev = os.fstat(root_fd).st_dev
    opened: list[int] = []
    try:
        for comp in parts[:-1]:
            cur = os.open(comp, _DIR | os.O_NOFOLLOW, dir_fd=cur)
            opened.append(cur)
            if os.fstat(cur).st_dev != root_dev:
                raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
        return os.open(parts[-1], flags | os.O_NOFOLLOW, mode, dir_fd=cur)
    finally:
        for fd in opened:
            os.close(fd)


def split_path(path: str, workdir: str = "/workspace") -> tuple[bytes, ...]:
    """A workspace path as its components (raw bytes), normalised lexically.

    Accepts ``a/b``, ``./a``, ``/workspace/a``; refuses NUL bytes, text that is no file name,
    absolute paths elsewhere and ``..`` that climbs out. No symlink is looked at: since none is
    ever followed, the lexical result is the path the kernel will walk.
    """
    if not isinstance(path, str):
        raise BadPath(f"path {path!r} is not text")
    if "\x00" in path:
        raise BadPath(f"path {path!r} contains a NUL byte")
    p = path.strip()
    wd = workdir.rstrip("/")
    if p == wd or p.startswith(wd + "/"):
        p = p[len(wd):].lstrip("/")
    if p.startswith("/"):
        raise PathOutsideWorkspace(
            f"path {path!r} is outside the workspace: use a path relative to {workdir}")
    try:
        raw = os.fsencode(p)
    except UnicodeError:
        raise BadPath(f"path {path!r} is not a valid file name") from None
    parts: list[bytes] = []
    for comp in raw.split(b"/"):
        if comp in (b"", b"."):
            continue
        if comp == b"..":
            if not parts:
                raise PathOutsideWorkspace(
                    f"path {path!r} resolves outside the workspace ({workdir}); "
                    "paths must stay inside it")
            parts.pop()
            continue
        parts.append(comp)
    return tuple(parts)


def show(parts: tuple[bytes, ...] | bytes) -> str:
    """A workspace path for messages (bytes that are no UTF-8 escaped, controls visible)."""
    raw = b"/".join(parts) if isinstance(parts, tuple) else parts
    text = raw.decode("utf-8", "backslashreplace") or "."
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def reopen(path_fd: int, flags: int = _READ) -> int:
    """Open for reading the very file an ``O_PATH`` descriptor holds (no path lookup)."""
    return os.open(f"/proc/self/fd/{path_fd}", flags)
