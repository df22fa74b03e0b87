"""The stat cache handed from one process to the next (``snapshots.git/ultrarun-statcache``).

``resume`` restores the workspace from a snapshot in one snapshotter and takes the next
snapshot in another. Without help, that snapshot would read and hash every file again (seconds
at 30,000 files). The restoring side therefore saves what it wrote: path, stat key (mode,
size, mtime, ctime, inode, device), git mode and blob id, for every file written more than
``RACY_NS`` before the restore ended.

The reading side does not trust it blindly (a run folder is read as data, and anything may have
happened in between): the file must parse exactly (magic, version, lengths; size capped), name
the same workspace folder (device and inode of its root), and its tree must be in the object
store (so every blob it names is too). Each record is then used only when the file's ``lstat``
at the next full walk gives exactly its key; anything else is read again. The file is removed
once read: it describes one moment.
"""

from __future__ import annotations

import os
import secrets
import struct
from pathlib import Path

from agent.trajectory.objstore import ObjectWriter
from agent.trajectory.scan import MODE_EXEC, MODE_FILE, MODE_LINK, FileRec

NAME = "ultrarun-statcache"
MAGIC = b"URSTAT01"
MAX_BYTES = 256 << 20
_HEAD = struct.Struct(">QQ20sI")  # root device, root inode, tree id, records
_REC = struct.Struct(">HIQqqQQB20s")  # path length, key (6), git mode, blob id
_MODES = {MODE_FILE: 0, MODE_EXEC: 1, MODE_LINK: 2}
_CODES = {v: k for k, v in _MODES.items()}


def save(git_dir: Path, root: os.stat_result, tree: bytes,
         records: dict[bytes, FileRec]) -> None:
    """Write the cache for the workspace whose root is ``root`` (atomically)."""
    parts = [MAGIC, _HEAD.pack(root.st_dev, root.st_ino, tree, 0)]
    count = 0
    for path, (key, mode, blob) in records.items():
        if key is None or len(path) > 0xFFFF or mode not in _MODES:
            continue
        parts.append(_REC.pack(len(path), *key, _MODES[mode], blob))
        parts.append(path)
        count += 1
    parts[1] = _HEAD.pack(root.st_dev, root.st_ino, tree, count)
    tmp = git_dir / f".{NAME}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "xb") as f:
            for p in parts:
                f.write(p)
        os.replace(tmp, git_dir / NAME)
    except OSError:
        tmp.unlink(missing_ok=True)  # only a speed-up: a snapshot then reads everything


def load(git_dir: Path, root: os.stat_result, store: ObjectWriter) -> dict[bytes, FileRec] | None:
    """The records of a valid cache for this workspace (the file is then removed), or None."""
    path = git_dir / NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        with open(fd, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    finally:
        path.unlink(missing_ok=True)
    if len(data) > MAX_BYTES or not data.startswith(MAGIC):
        return None
    try:
        return _parse(data, root, store)
    except (struct.error, KeyError, ValueError):
        return None


def _parse(data: bytes, root: os.stat_result, store: ObjectWriter) -> dict[bytes, FileRec] | None:
    dev, ino, tree, count = _HEAD.unpack_from(data, len(MAGIC))
    if (dev, ino) != (root.st_dev, root.st_ino) or not store.has(tree):
        return None
    out: dict[bytes, FileRec] = {}
    pos = len(MAGIC) + _HEAD.size
    for _ in range(count):
        n, mode, size, mtime, ctime, fino, fdev, code, blob = _REC.unpack_from(data, pos)
        pos += _REC.size
        name = data[pos:pos + n]
        if len(name) != n:
            return None
        pos += n
        out[name] = ((mode, size, mtime, ctime, fino, fdev), _CODES[code], blob)
    return out if pos == len(data) else None
