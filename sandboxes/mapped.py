"""Which files the sandbox's processes have mapped shared and writable.

A write through a ``MAP_SHARED`` mapping into a page that is already dirty changes a file's
content with no ``write`` call: its size, mtime, ctime and inode stay the same and inotify says
nothing. Snapshots therefore read such files again every time (``agent/trajectory/scan.py``);
this module finds them, from the host, in ``/proc/PID/maps`` of every process of the sandbox.

The processes are hostile, so: only the kernel's own fields are used (permissions and inode;
never a path, which the agent names and could dress up), at most ``MAPS_LIMIT`` bytes of one
process's maps and ``MAX_PROCESSES`` processes are read, and a process whose maps cannot be
read, or were cut, makes the answer incomplete (``complete=False``: the snapshot then checks
every file's content instead of trusting stat).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

MAPS_LIMIT = 8 << 20  # one process's maps (tens of thousands of mappings)
MAX_PROCESSES = 16_384

# start-end perms offset dev inode: a shared ("s") writable ("w") mapping of an inode.
_SHARED_WRITABLE = re.compile(rb"^[0-9a-f]+-[0-9a-f]+ [r-]w[x-]s [0-9a-f]+ [0-9a-f:]+ (\d+)",
                              re.M)


@dataclass
class MappedFiles:
    """The inodes mapped shared and writable by a sandbox's processes, and how sure that is."""

    inodes: set[int] = field(default_factory=set)
    complete: bool = True  # every process's maps was read in full
    processes: int = 0
    unread: int = 0  # processes whose maps could not be read (or were cut)


def shared_writable(pids: Iterable[int], ours: Callable[[int], bool] | None = None
                    ) -> MappedFiles:
    """Read the maps of ``pids``; a process ``ours`` accepts (the harness's own shells, which
    run no agent code) may be unreadable without making the answer incomplete."""
    out = MappedFiles()
    for n, pid in enumerate(pids):
        if n >= MAX_PROCESSES:
            out.complete = False
            break
        out.processes += 1
        try:
            fd = os.open(f"/proc/{pid}/maps", os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            continue  # exited
        except OSError:
            if ours is None or not ours(pid):
                out.unread += 1
            continue
        try:
            data = _read_bounded(fd, MAPS_LIMIT + 1)
        except OSError as e:
            if e.errno != 3 and (ours is None or not ours(pid)):  # ESRCH: exited meanwhile
                out.unread += 1
            continue
        finally:
            os.close(fd)
        if len(data) > MAPS_LIMIT:
            out.unread += 1
            data = data[:MAPS_LIMIT]
        for m in _SHARED_WRITABLE.finditer(data):
            ino = int(m.group(1))
            if ino:
                out.inodes.add(ino)
    out.complete = out.complete and out.unread == 0
    return out


def _read_bounded(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _cgroup_mounts() -> dict[str, str]:
    """Where each cgroup hierarchy is mounted: ``""`` for cgroup2, else its v1 controllers
    (``pids``, ``name=systemd``...) one by one."""
    out: dict[str, str] = {}
    try:
        with open("/proc/self/mountinfo", "rb") as f:
            lines = f.read(1 << 20).decode(errors="replace").splitlines()
    except OSError:
        return out
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) < 5 or len(rest) < 3:
            continue
        if rest[0] == "cgroup2":
            out.setdefault("", fields[4])
        elif rest[0] == "cgroup":
            for opt in rest[2].split(","):
                out.setdefault(opt, fields[4])
    return out


def cgroup_pids(pid: int) -> list[int] | None:
    """Every process in ``pid``'s cgroup (cgroup2, or v1's ``pids`` or ``name=systemd``
    hierarchy), as host pids; None when that cannot be read."""
    try:
        with open(f"/proc/{pid}/cgroup", "rb") as f:
            lines = f.read(65536).decode(errors="replace").splitlines()
    except OSError:
        return None
    mounts = _cgroup_mounts()
    where: dict[str, str] = {}
    for line in lines:
        _id, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        for c in controllers.split(",") if controllers else [""]:
            where[c] = path
    for key in ("", "pids", "name=systemd"):
        if key in where and key in mounts:
            root = mounts[key]
            folder = os.path.normpath(root + "/" + where[key])
            if folder != root and not folder.startswith(root.rstrip("/") + "/"):
                return None
            try:
                with open(os.path.join(folder, "cgroup.procs"), "rb") as f:
                    return [int(x) for x in f.read(MAX_PROCESSES * 12).split()]
            except (OSError, ValueError):
                continue
    return None


def namespace_pids(pid: int) -> list[int]:
    """Every host process in ``pid``'s pid namespace (a cgroup v1 host)."""
    try:
        ns = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return [pid]
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.readlink(f"/proc/{name}/ns/pid") == ns:
                    out.append(int(name))
            except OSError:
                continue
    return out


def inner_pid(host_pid: int) -> int | None:
    """A host process's pid inside its own (innermost) pid namespace (``NSpid``)."""
    try:
        with open(f"/proc/{host_pid}/status", "rb") as f:
            for line in f.read(16384).splitlines():
                if line.startswith(b"NSpid:"):
                    return int(line.split()[-1])
    except (OSError, ValueError, IndexError):
        pass
    return None
