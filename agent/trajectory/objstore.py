"""Writing git objects into ``snapshots.git`` ourselves: loose objects, or one pack per batch.

No git process is involved (and none ever sees the workspace). A snapshot adds its blobs and
trees with ``add``; ``flush`` makes them durable: a handful as loose objects (what git itself
writes for a small commit), a larger batch — a first snapshot, ``npm install`` — as one
packfile with its index (version 2), which costs two file creations instead of one per object.
Either way a file appears under its final name only once it is complete (a temporary file
renamed), so a reader (``git cat-file``, an export for grading) never sees half an object and a
killed writer leaves only ``tmp_*`` files that ``snapshot_recovery`` removes. The pack's index
is renamed last: git looks for packs through their ``.idx``.

``has`` answers from what this process wrote, the loose objects on disk and the ids listed in
the store's pack indexes (read once, lazily, bounds-checked: a run folder is read as data).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
import zlib
from pathlib import Path

from sandboxes.errors import UltrarunError

TYPES = {b"commit": 1, b"tree": 2, b"blob": 3}
LOOSE_MAX_OBJECTS = 64  # a batch with more objects than this goes into a pack
LOOSE_MAX_BYTES = 4 << 20  # ... or with more bytes than this
MAX_PACKED_IDS = 8_000_000  # ids read from pack indexes at most (memory bound on a crafted store)
_CHUNK = 1 << 20


def object_id(kind: bytes, data: bytes) -> bytes:
    """The binary git id of an object."""
    h = hashlib.sha1(b"%s %d\0" % (kind, len(data)))
    h.update(data)
    return h.digest()


def _pack_header(kind: bytes, size: int) -> bytes:
    """A pack entry's header: type and size, 4 bits then 7 bits a byte, low bits first."""
    byte = (TYPES[kind] << 4) | (size & 0x0F)
    size >>= 4
    out = bytearray()
    while size:
        out.append(byte | 0x80)
        byte = size & 0x7F
        size >>= 7
    out.append(byte)
    return bytes(out)


class _PackWriter:
    """One pack being written to a temporary file (its header's count is fixed at the end)."""

    def __init__(self, pack_dir: Path) -> None:
        pack_dir.mkdir(exist_ok=True)
        self.dir = pack_dir
        self.tmp = pack_dir / f"tmp_pack_{secrets.token_hex(6)}"
        self.f = open(self.tmp, "xb+")  # noqa: SIM115 (closed in finish/abort)
        self.f.write(b"PACK" + struct.pack(">II", 2, 0))
        self.offset = 12
        self.entries: list[tuple[bytes, int, int]] = []  # (id, crc32, offset)

    def add(self, oid: bytes, kind: bytes, data: bytes) -> int:
        head = _pack_header(kind, len(data))
        body = zlib.compress(data, 1)
        self.f.write(head)
        self.f.write(body)
        self.entries.append((oid, zlib.crc32(body, zlib.crc32(head)), self.offset))
        self.offset += len(head) + len(body)
        return len(head) + len(body)

    def abort(self) -> None:
        self.f.close()
        self.tmp.unlink(missing_ok=True)

    def finish(self) -> int:
        """Fix the count, checksum, write the index; rename both. Bytes added to the store."""
        f = self.f
        try:
            f.seek(8)
            f.write(struct.pack(">I", len(self.entries)))
            f.flush()
            f.seek(0)
            h = hashlib.sha1()
            while chunk := f.read(_CHUNK):
                h.update(chunk)
            digest = h.digest()
            f.seek(0, os.SEEK_END)
            f.write(digest)
        finally:
            f.close()
        idx = _index(sorted(self.entries), digest)
        name = f"pack-{digest.hex()}"
        tmp_idx = self.dir / f"tmp_idx_{secrets.token_hex(6)}"
        tmp_idx.write_bytes(idx)
        for p in (self.tmp, tmp_idx):
            os.chmod(p, 0o444)
        os.replace(self.tmp, self.dir / f"{name}.pack")
        os.replace(tmp_idx, self.dir / f"{name}.idx")
        return self.offset + 20 + len(idx)


def _index(entries: list[tuple[bytes, int, int]], pack_digest: bytes) -> bytes:
    """A version 2 pack index for ``entries`` (sorted by id)."""
    fanout = [0] * 256
    for oid, _crc, _off in entries:
        fanout[oid[0]] += 1
    total = 0
    for i in range(256):
        total += fanout[i]
        fanout[i] = total
    small: list[int] = []
    large: list[int] = []
    for _oid, _crc, off in entries:
        if off < 0x80000000:
            small.append(off)
        else:
            small.append(0x80000000 | len(large))
            large.append(off)
    n = len(entries)
    parts = [b"\xfftOc", struct.pack(">I", 2), struct.pack(">256I", *fanout),
             b"".join(oid for oid, _c, _o in entries),
             struct.pack(f">{n}I", *(crc for _o, crc, _f in entries)),
             struct.pack(f">{n}I", *small), struct.pack(f">{len(large)}Q", *large),
             pack_digest]
    body = b"".join(parts)
    return body + hashlib.sha1(body).digest()


def read_index_ids(path: Path, limit: int) -> list[bytes] | None:
    """The object ids a version 2 pack index lists; None when it is not one (or too big)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if len(data) < 8 + 1024 + 40 or data[:8] != b"\xfftOc\x00\x00\x00\x02":
        return None
    n = struct.unpack_from(">I", data, 8 + 255 * 4)[0]
    if n > limit or len(data) < 8 + 1024 + n * 28 + 40:
        return None
    base = 8 + 1024
    return [data[base + 20 * i: base + 20 * i + 20] for i in range(n)]


class StoreFull(UltrarunError):
    """An object would take the store past its cap (``ObjectWriter.limit``): a signal the
    snapshotter handles (the snapshot is not taken), never shown to a user."""


class ObjectWriter:
    """Adds objects to one repository's ``objects`` folder (the caller is its only writer).
    With a ``limit``, every new object (blob, tree, commit) counts against it: one that would
    take ``stored`` past it raises StoreFull."""

    def __init__(self, objects: Path, limit: int | None = None) -> None:
        self.objects = objects
        self.limit = limit
        self._known: set[bytes] = set()  # ids known to be stored (written, or seen on disk)
        self._packed: set[bytes] | None = None  # ids of the packs on disk, read when needed
        try:
            self._loose_dirs = {n for n in os.listdir(objects) if len(n) == 2}
        except FileNotFoundError:
            self._loose_dirs = set()
        self._pending: list[tuple[bytes, bytes, bytes]] = []  # (id, kind, data), not written
        self._pending_ids: set[bytes] = set()
        self._pending_bytes = 0
        self._pack: _PackWriter | None = None
        self._disk_bytes: int | None = None  # measured when first needed

    # -- reading ---------------------------------------------------------------------------
    def has(self, oid: bytes) -> bool:
        """Whether the object is stored (or pending in this batch)."""
        if oid in self._known or oid in self._pending_ids:
            return True
        hexid = oid.hex()
        if hexid[:2] in self._loose_dirs and \
                os.path.exists(os.path.join(self.objects, hexid[:2], hexid[2:])):
            self._known.add(oid)
            return True
        if self._packed is None:
            self._packed = self._read_packs()
        return oid in self._packed

    def _read_packs(self) -> set[bytes]:
        ids: set[bytes] = set()
        pack_dir = self.objects / "pack"
        try:
            names = sorted(os.listdir(pack_dir))
        except FileNotFoundError:
            return ids
        for name in names:
            if name.startswith("pack-") and name.endswith(".idx"):
                got = read_index_ids(pack_dir / name, MAX_PACKED_IDS - len(ids))
                ids.update(got or ())
        return ids

    @property
    def pending_bytes(self) -> int:
        """Bytes (uncompressed) queued in this batch."""
        return self._pending_bytes

    @property
    def stored(self) -> int:
        """Bytes in the object store, counting what this batch will add (for its cap)."""
        if self._disk_bytes is None:
            self._disk_bytes = _tree_bytes(self.objects)
        return self._disk_bytes + self._pending_bytes

    # -- writing ---------------------------------------------------------------------------
    def add(self, kind: bytes, data: bytes, oid: bytes | None = None) -> bytes:
        """Queue an object unless it is stored; its id. Durable after ``flush``."""
        oid = oid if oid is not None else object_id(kind, data)
        if self.has(oid):
            return oid
        if self.limit is not None and self.stored + len(data) > self.limit:
            raise StoreFull(f"a {kind.decode()} of {len(data)} bytes would take snapshots.git "
                            f"past its cap of {self.limit} bytes")
        self._pending_ids.add(oid)
        self._pending_bytes += len(data)
        if self._pack is not None:
            self._pack.add(oid, kind, data)
            return oid
        self._pending.append((oid, kind, data))
        if len(self._pending) > LOOSE_MAX_OBJECTS or self._pending_bytes > LOOSE_MAX_BYTES:
            self._pack = _PackWriter(self.objects / "pack")
            for p in self._pending:
                self._pack.add(*p)
            self._pending.clear()
        return oid

    def flush(self) -> None:
        """Write what was queued: one pack, or loose objects."""
        written = 0
        try:
            if self._pack is not None:
                written = self._pack.finish()
                self._pack = None
            for oid, kind, data in self._pending:
                written += self._write_loose(oid, kind, data)
        except BaseException:
            self.discard()
            raise
        self._known |= self._pending_ids
        if self._disk_bytes is not None:
            self._disk_bytes += written
        self._pending.clear()
        self._pending_ids.clear()
        self._pending_bytes = 0

    def discard(self) -> None:
        """Forget what was queued (a snapshot that failed half-way)."""
        if self._pack is not None:
            self._pack.abort()
            self._pack = None
        self._pending.clear()
        self._pending_ids.clear()
        self._pending_bytes = 0

    def write(self, kind: bytes, data: bytes) -> bytes:
        """Store one object now (a commit, once its trees are flushed)."""
        oid = self.add(kind, data)
        self.flush()
        return oid

    def _write_loose(self, oid: bytes, kind: bytes, data: bytes) -> int:
        hexid = oid.hex()
        folder = os.path.join(self.objects, hexid[:2])
        path = os.path.join(folder, hexid[2:])
        if hexid[:2] in self._loose_dirs and os.path.exists(path):
            return 0
        os.makedirs(folder, exist_ok=True)
        self._loose_dirs.add(hexid[:2])
        z = zlib.compressobj(1)
        packed = z.compress(b"%s %d\0" % (kind, len(data))) + z.compress(data) + z.flush()
        tmp = os.path.join(folder, f"tmp_obj_{secrets.token_hex(6)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o444)
        try:
            view = memoryview(packed)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return len(packed)


def _tree_bytes(root: Path) -> int:
    """Bytes held under a folder of our own (the object store), for its cap."""
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total
