"""Turning the workspace into git trees, looking again only at what changed.

The workspace is walked beneath descriptors (``os.scandir`` on a folder's descriptor,
``lstat`` of each entry, sub-folders opened with ``O_NOFOLLOW`` and checked to be the inode that
was listed): no link is followed, every ``.git`` at any depth is left out, only regular files
are read (``O_PATH`` first, so a FIFO or device is never opened). What a walk learns is kept
per folder (``DirState``): each file's stat key, git mode and blob id, each sub-folder's state,
and the folder's tree id.

Two kinds of walk:

* **full**: every folder is listed and every entry ``lstat``-ed; a file is read only when its
  key (mode, size, mtime, ctime, inode, device) differs from the one recorded, and a folder's
  tree is re-hashed only when one of its entries changed. Used for the first snapshot of a
  process, after a restore, whenever the watcher is unavailable or lost events, when a new
  hardlink appears, and from time to time as a check (``verify_s``, adapted so that it costs at
  most ~2% of the time).
* **changed folders only** (``watcher.py``): the folders inotify names are listed again (a new
  folder's whole subtree is walked); their ancestors' trees are re-hashed from the recorded
  entries; everything else is reused as is. A step that changes nothing costs a read of the
  event queue.

Racy entries: a file whose mtime or ctime is within ``RACY_NS`` of the walk's start is recorded
with no key, and its folder is listed again at the next scan even with no event, so the file
is read again then (a same-size rewrite in the same clock tick would otherwise look
unchanged). Key and content come from the same open file (``fstat``).
"""

from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field

from agent.trajectory.objstore import ObjectWriter, object_id
from agent.trajectory.watcher import Changes, DirWatcher
from sandboxes.fsafe import O_PATH, fmt_size, kind_name, reopen, show

RACY_NS = 100_000_000
MAX_DEPTH = 128
SKIP = ".git"
EMPTY_BLOB = object_id(b"blob", b"")
MODE_FILE, MODE_EXEC, MODE_LINK, MODE_DIR = b"100644", b"100755", b"120000", b"40000"
_S_IFMT, _S_IFDIR, _S_IFREG, _S_IFLNK = 0o170000, stat.S_IFDIR, stat.S_IFREG, stat.S_IFLNK
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK

Key = tuple[int, int, int, int, int, int]  # mode, size, mtime_ns, ctime_ns, inode, device
FileRec = tuple[Key | None, bytes, bytes]  # stat key (None: read it again), git mode, blob id


def stat_key(st: os.stat_result) -> Key:
    """What must stay equal for a file to be taken as unchanged."""
    return (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


@dataclass
class Skipped:
    """An entry of the workspace that a snapshot left out, and why."""

    path: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass(eq=False)
class DirState:
    """What the last walk found in one folder."""

    ino: int
    files: dict[str, FileRec] = field(default_factory=dict)
    dirs: dict[str, DirState] = field(default_factory=dict)
    tree: bytes | None = None  # None: nothing to store (git keeps no empty folder)
    skipped: list[Skipped] = field(default_factory=list)  # this folder's entries left out
    skipped_below: int = 0  # ... and its subtree's


@dataclass
class ScanStats:
    """How the last scan went (for benchmarks and tests)."""

    full: bool = False
    listed: int = 0  # folders listed
    read: int = 0  # files read
    why_full: str = ""


class TreeScanner:
    """Keeps the workspace's trees in ``store`` up to date, one ``scan`` per snapshot."""

    def __init__(self, store: ObjectWriter, *, max_file: int, max_store: int,
                 watch: bool = True, verify_s: float = 60.0,
                 max_watches: int | None = None, keep_top_git: bool = False) -> None:
        self.store = store
        # The workspace's own top-level .git is kept (a team member's clone: its history
        # must come back with its files after a restore); nested ones never are.
        self.keep_top_git = keep_top_git
        self.max_file = max_file
        self.max_store = max_store
        self.watch = watch
        self.verify_s = verify_s
        self.max_watches = max_watches
        self.root: DirState | None = None
        self.root_id: tuple[int, int] | None = None
        self.seed: dict[bytes, FileRec] | None = None  # records from another process (restore)
        self.watcher: DirWatcher | None = None
        self.last = ScanStats()
        self._last_full = 0.0
        self._full_cost = 0.0
        self._no_watch_until = 0.0
        self._multi_dirs: set[str] = set()  # folders with a file that has other links
        self._multi_inos: set[int] = set()
        self._racy_dirs: set[str] = set()  # folders with a file read too soon to trust
        self._new_link = False
        # per scan
        self._cut = 0
        self._dirty: set[str] = set()
        self._new: set[str] = set()
        self._ways: set[str] = set()

    def close(self) -> None:
        """Release the watcher."""
        if self.watcher is not None:
            self.watcher.close()
            self.watcher = None

    def forget(self) -> None:
        """Drop everything known: the next scan walks (and reads) everything."""
        self.close()
        self.root = None
        self._multi_dirs.clear()
        self._multi_inos.clear()
        self._racy_dirs.clear()

    # -- one scan --------------------------------------------------------------------------
    def scan(self, root_fd: int, start_ns: int) -> tuple[bytes | None, list[Skipped]]:
        """The workspace's root tree id (None when empty) and what was left out."""
        self._cut = start_ns - RACY_NS
        try:
            why = self._why_full(root_fd)
            if why:
                self._full(root_fd, why)
            else:
                self._partial(root_fd)
                if self._new_link:  # a new hardlink: its other names may be anywhere
                    self._full(root_fd, "a new hardlink")
        except BaseException:
            self.forget()
            self.store.discard()
            raise
        assert self.root is not None
        return self.root.tree, self.skipped()

    def _why_full(self, root_fd: int) -> str:
        st = os.fstat(root_fd)
        if self.root is None or self.root_id != (st.st_dev, st.st_ino):
            return "first walk"
        if self.watcher is None:
            return "no watcher"
        if time.monotonic() - self._last_full >= max(self.verify_s, 50 * self._full_cost):
            return "periodic check"
        changes = self.watcher.drain()
        if changes.everything:
            return "events lost"
        self._plan(changes)
        return ""

    def _plan(self, changes: Changes) -> None:
        self._dirty = changes.dirty | self._multi_dirs | self._racy_dirs
        self._new = changes.new
        ways: set[str] = set()
        for path in self._dirty | self._new:
            end = path.rfind("/", 0, len(path) - 1)
            while end >= 0 and path[:end + 1] not in ways:
                ways.add(path[:end + 1])
                end = path.rfind("/", 0, end)
            ways.add("")
        self._ways = ways

    def _full(self, root_fd: int, why: str) -> None:
        t0 = time.monotonic()
        self.last = ScanStats(full=True, why_full=why)
        self.close()  # a fresh watcher: the walk watches every folder it lists
        if self.watch and self.max_watches != 0 and t0 >= self._no_watch_until:
            try:
                self.watcher = DirWatcher(self.max_watches)
            except OSError:
                self.watcher = None
        self._multi_dirs = set()
        self._multi_inos = set()
        self._racy_dirs = set()
        self._new_link = False
        st = os.fstat(root_fd)
        if self.root_id != (st.st_dev, st.st_ino):
            self.root = None
        self.root_id = (st.st_dev, st.st_ino)
        root = self._list(root_fd, "", 0, self.root, True, st.st_ino)
        if root is None:
            root = DirState(st.st_ino, skipped=[Skipped(".", "unreadable folder")],
                            skipped_below=1)
        self.root = root
        self.seed = None
        self._last_full = time.monotonic()
        self._full_cost = self._last_full - t0

    def _partial(self, root_fd: int) -> None:
        self.last = ScanStats()
        assert self.root is not None
        self._multi_dirs = set()
        self._racy_dirs = set()
        root = self._visit(root_fd, "", 0, self.root, False, self.root.ino)
        self.root = root or DirState(self.root.ino)

    # -- walking ---------------------------------------------------------------------------
    def _visit(self, fd: int, rel: str, depth: int, old: DirState | None, full: bool,
               ino: int) -> DirState | None:
        """The folder open as ``fd``, looked at as much as ``full`` and the plan require.
        Recorded states are never changed: a new one is returned."""
        if not full and old is not None and rel not in self._dirty and rel not in self._new:
            got = self._pass(fd, rel, depth, old)
            if got is not None:
                return got
        return self._list(fd, rel, depth, old, full or old is None or rel in self._new, ino)

    def _pass(self, fd: int, rel: str, depth: int, old: DirState) -> DirState | None:
        """``old``'s own entries, with the sub-folders on the way to a change visited; None
        when a sub-folder is not the one recorded (the folder changed under us)."""
        dirs = dict(old.dirs)
        renewed = trees_changed = False
        for name, child in old.dirs.items():
            crel = rel + name + "/"
            if crel not in self._ways and crel not in self._dirty and crel not in self._new:
                continue
            cfd = _open_dir(fd, name, child.ino)
            if cfd is None:
                return None
            try:
                new = self._visit(cfd, crel, depth + 1, child, False, child.ino)
            finally:
                os.close(cfd)
            if new is None:
                return None
            dirs[name] = new
            renewed |= new is not child
            trees_changed |= new.tree != child.tree
        if not renewed:
            return old
        out = DirState(old.ino, old.files, dirs, old.tree, old.skipped,
                       len(old.skipped) + sum(c.skipped_below for c in dirs.values()))
        if trees_changed:
            out.tree = self._tree(out)
        return out

    def _list(self, fd: int, rel: str, depth: int, old: DirState | None, full: bool,
              ino: int) -> DirState | None:
        """List the folder and look at each entry; None when it cannot be listed."""
        w = self.watcher
        if w is not None and not w.watch(fd, rel):
            # Over our share of watches, or refused: full walks, with no new attempt to
            # watch (thousands of calls wasted each) until the next periodic check is due.
            self.close()
            self._no_watch_until = time.monotonic() + self.verify_s
        try:
            with os.scandir(fd) as it:
                entries = list(it)
        except OSError:
            return None
        self.last.listed += 1
        new = DirState(ino)
        old_files = old.files if old is not None else {}
        old_dirs = old.dirs if old is not None else {}
        seed = self.seed if old is None else None
        rel_b = os.fsencode(rel) if seed else b""
        diff = old is None
        files, dirs, skipped = new.files, new.dirs, new.skipped
        sub: list[tuple[str, int]] = []
        multi = racy = False
        for e in entries:
            name = e.name
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue  # removed meanwhile
            mode = st.st_mode
            key = (mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
            prev = old_files.get(name)
            if prev is not None and prev[0] == key:  # the common case first: unchanged
                files[name] = prev
                if st.st_nlink > 1 and mode & _S_IFMT == _S_IFREG:
                    multi = True
                    self._link(st.st_ino)
                continue
            kind = mode & _S_IFMT
            if name == SKIP and not (depth == 0 and self.keep_top_git):
                continue
            if kind == _S_IFDIR:
                sub.append((name, st.st_ino))
                continue
            if kind != _S_IFREG and kind != _S_IFLNK:
                skipped.append(Skipped(show(os.fsencode(rel + name)), f"a {kind_name(mode)}"))
                continue
            if kind == _S_IFREG and st.st_nlink > 1:
                multi = True
                self._link(st.st_ino)
            rec = seed.get(rel_b + os.fsencode(name)) if seed else None
            if rec is None or rec[0] != key:
                rec = self._read(fd, name, st, rel, skipped)
            if rec is None:
                diff = True
                continue
            files[name] = rec
            racy = racy or rec[0] is None
            if prev is None or prev[1:] != rec[1:]:
                diff = True
        if multi:
            self._multi_dirs.add(rel)
        if racy:  # listed again next time, when its racy files can be trusted
            self._racy_dirs.add(rel)
        diff = diff or len(files) != len(old_files)
        for name, cino in sub:
            crel = rel + name + "/"
            if depth + 1 > MAX_DEPTH:
                skipped.append(Skipped(show(os.fsencode(crel[:-1])),
                                       f"deeper than {MAX_DEPTH} folders"))
                continue
            child = old_dirs.get(name)
            if child is not None and child.ino != cino:
                child = None
            if child is not None and not full and crel not in self._ways \
                    and crel not in self._dirty and crel not in self._new:
                dirs[name] = child  # unchanged: no event in it or below
                continue
            cfd = _open_dir(fd, name, cino)
            if cfd is None:
                skipped.append(Skipped(show(os.fsencode(crel[:-1])), "changed or unreadable"))
                continue
            try:
                got = self._visit(cfd, crel, depth + 1, child, full, cino)
            finally:
                os.close(cfd)
            if got is None:
                skipped.append(Skipped(show(os.fsencode(crel[:-1])), "unreadable folder"))
                continue
            dirs[name] = got
        if not diff:
            trees = {n: c.tree for n, c in dirs.items() if c.tree is not None}
            diff = trees != {n: c.tree for n, c in old_dirs.items() if c.tree is not None}
        new.skipped_below = len(skipped) + sum(c.skipped_below for c in dirs.values())
        new.tree = self._tree(new) if diff or old is None else old.tree
        return new

    def _link(self, ino: int) -> None:
        """A regular file with other names: a new one means a full walk (its other names may
        be in folders that get no event when it is written)."""
        if ino not in self._multi_inos:
            self._multi_inos.add(ino)
            self._new_link = self._new_link or not self.last.full

    def _read(self, dir_fd: int, name: str, st: os.stat_result, rel: str,
              skipped: list[Skipped]) -> FileRec | None:
        """Read one file or link and store its blob; None when it is left out."""
        path = rel + name
        if stat.S_ISLNK(st.st_mode):
            try:
                data = os.readlink(os.fsencode(name), dir_fd=dir_fd)
            except OSError:
                skipped.append(Skipped(show(os.fsencode(path)), "link unreadable"))
                return None
            key: Key | None = stat_key(st)
            mode = MODE_LINK
        else:
            if st.st_size > self.max_file:
                skipped.append(Skipped(show(os.fsencode(path)), f"{fmt_size(st.st_size)}, "
                                       f"over the {fmt_size(self.max_file)} per-file cap"))
                return None
            got = _read_file(dir_fd, name, self.max_file)
            if got is None:
                skipped.append(Skipped(show(os.fsencode(path)),
                                       "changed while read, or unreadable"))
                return None
            data, fst = got
            if len(data) > self.max_file:
                skipped.append(Skipped(show(os.fsencode(path)), f"grew past the "
                                       f"{fmt_size(self.max_file)} per-file cap"))
                return None
            key = stat_key(fst)
            mode = MODE_EXEC if fst.st_mode & stat.S_IXUSR else MODE_FILE
        self.last.read += 1
        blob = EMPTY_BLOB if not data else object_id(b"blob", data)
        if not self.store.has(blob):
            if self.store.stored + len(data) > self.max_store:
                skipped.append(Skipped(show(os.fsencode(path)), "snapshots.git holds its cap "
                                       f"of {fmt_size(self.max_store)}"))
                return None
            self.store.add(b"blob", data, blob)
        if key is not None and max(key[2], key[3]) >= self._cut:
            key = None  # too recent to trust: read again next time
        return key, mode, blob

    def _tree(self, d: DirState) -> bytes | None:
        ents: list[tuple[bytes, bytes, bytes, bytes]] = []
        for name, (_key, mode, blob) in d.files.items():
            nb = os.fsencode(name)
            ents.append((nb, mode, blob, nb))
        for name, c in d.dirs.items():
            if c.tree is not None:
                nb = os.fsencode(name)
                ents.append((nb + b"/", MODE_DIR, c.tree, nb))
        if not ents:
            return None
        ents.sort()
        data = b"".join(b"%s %s\0%s" % (mode, nb, oid) for _s, mode, oid, nb in ents)
        return self.store.add(b"tree", data)

    # -- reporting -------------------------------------------------------------------------
    def skipped(self) -> list[Skipped]:
        """Everything the last scan left out, folder by folder."""
        out: list[Skipped] = []
        stack = [self.root] if self.root is not None else []
        while stack:
            d = stack.pop()
            out += d.skipped
            stack += [c for c in reversed(d.dirs.values()) if c.skipped_below]
        return out

    def records(self) -> dict[bytes, FileRec]:
        """Every trusted file record by workspace path (for the persistent cache)."""
        out: dict[bytes, FileRec] = {}
        stack: list[tuple[bytes, DirState]] = [(b"", self.root)] if self.root else []
        while stack:
            prefix, d = stack.pop()
            for name, rec in d.files.items():
                if rec[0] is not None:
                    out[prefix + os.fsencode(name)] = rec
            stack += [(prefix + os.fsencode(n) + b"/", c) for n, c in d.dirs.items()]
        return out

    def seed_with(self, records: dict[bytes, FileRec]) -> None:
        """Start from ``records`` (a restore, another process): each is still used only if its
        stat key matches at the next walk, which is a full one."""
        self.forget()
        self.seed = records


def _open_dir(dir_fd: int, name: str, ino: int) -> int | None:
    """Open sub-folder ``name`` for listing, never through a link; None unless it is the
    folder with inode ``ino`` (it was swapped meanwhile)."""
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if os.fstat(fd).st_ino == ino:
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _read_file(dir_fd: int, name: str, limit: int) -> tuple[bytes, os.stat_result] | None:
    """Up to ``limit + 1`` bytes of the regular file ``name`` and its ``fstat`` (O_PATH first:
    no special file is ever opened); None when it is not one (any more) or unreadable."""
    try:
        pfd = os.open(name, O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        st = os.fstat(pfd)
        if not stat.S_ISREG(st.st_mode):
            return None
        if st.st_size == 0:
            return b"", st
        fd = reopen(pfd)
    except OSError:
        return None
    finally:
        os.close(pfd)
    try:
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20) if chunks else min(left, st.st_size + 1))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks), st
    except OSError:
        return None
    finally:
        os.close(fd)
