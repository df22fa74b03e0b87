"""`snapshots.git`: a bare git repository of the workspace, one commit per changed step.

git is never pointed at the workspace. The harness walks the workspace itself, beneath a
descriptor and without following any link (``sandboxes/fsafe.py``), reads only regular files,
and writes git objects (blobs, trees, a commit) straight into the repository as loose objects,
then moves the branch. Whatever the agent plants — nested repositories, ``.git`` files, hooks,
``fsmonitor`` or filter configs, attributes, symlinks, FIFOs — is either data or left out; no
git config of the workspace is ever read and no program of it ever runs.

Per step the cost is a stat walk plus reading the files whose stat changed (a cache keyed by
size, mtime, ctime and inode; entries modified too recently to trust are re-read). Every
``.git`` entry at any depth is left out, as are FIFOs, sockets and devices; regular files over
``max_file`` bytes are left out too, and every such entry is recorded (``last_skipped``, the
commit message, and the ``snapshot`` event). Reading back (``export``, ``restore``) streams
objects through one ``git cat-file --batch`` run with a locked-down environment and writes
files beneath a descriptor, never through a link.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from agent.trajectory.gitsafe import BlobReader, GitError, git, tree_entries
from sandboxes.errors import HarnessError
from sandboxes.fsafe import (
    Entry,
    Walker,
    WorkspaceDir,
    fmt_size,
    kind_name,
    open_child_file,
    show,
)

MAX_FILE = 32 << 20  # a file over this is left out of snapshots (and recorded as such)
MAX_STORE = 4 << 30  # what one run's snapshots may add to snapshots.git
MAX_DEPTH = 128
RACY_NS = 100_000_000
SMALL_BLOB = 4096  # files changed this close to a walk are re-read at the next one
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
EMPTY_BLOB = bytes.fromhex("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
SKIP_NAMES = frozenset({b".git"})


class SnapshotError(HarnessError):
    """snapshots.git is missing, unreadable, or has no such commit; the message says which."""


@dataclass
class Skipped:
    """An entry of the workspace that a snapshot left out, and why."""

    path: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass
class ExportReport:
    files: int = 0
    bytes: int = 0
    # path -> (mode, sha, stat key) of what was written: a restored workspace needs no re-read
    written: dict[bytes, tuple[bytes, bytes, tuple[int, ...]]] = field(default_factory=dict)


def _key(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


class SnapshotStore:
    """The read side of a run's ``snapshots.git``: head, export, changed files. Never writes
    the repository (the run may be live)."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = Path(os.path.abspath(git_dir))

    def _check(self) -> None:
        if not (self.git_dir / "HEAD").is_file() or not (self.git_dir / "objects").is_dir():
            raise SnapshotError(f"{self.git_dir}: missing or not a git repository (the run's "
                                "workspace history)")

    def _branch(self) -> str:
        try:
            head = (self.git_dir / "HEAD").read_text().strip()
        except OSError as e:
            raise SnapshotError(f"{self.git_dir}/HEAD unreadable: {e.strerror}") from None
        return head[5:].strip() if head.startswith("ref:") else "HEAD"

    def head(self) -> str | None:
        """The last snapshot's commit, or None before the first."""
        self._check()
        ref = self._branch()
        try:
            sha = (self.git_dir / ref).read_text().strip()
            return sha or None
        except FileNotFoundError:
            pass
        except OSError as e:
            raise SnapshotError(f"{self.git_dir}/{ref} unreadable: {e.strerror}") from None
        packed = self.git_dir / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
        return None

    def resolve(self, commit: str) -> str:
        """The full id of a commit (``HEAD`` or a prefix accepted)."""
        self._check()
        if commit == "HEAD":
            head = self.head()
            if head is None:
                raise SnapshotError(f"{self.git_dir}: no snapshot yet")
            return head
        try:
            return git(self.git_dir, "rev-parse", "--verify", "--quiet",
                       f"{commit}^{{commit}}").decode().strip()
        except GitError:
            raise SnapshotError(f"{self.git_dir}: no snapshot {commit[:12]!r}") from None

    def export(self, commit: str, dest: Path | WorkspaceDir,
               owner: int | None = None) -> ExportReport:
        """Write the workspace as it was at ``commit`` into ``dest`` (an empty folder, or a
        WorkspaceDir), streaming each file; links are created as links, never followed.
        ``owner`` (a uid) is given everything written."""
        sha = self.resolve(commit)
        if isinstance(dest, WorkspaceDir):
            return self._export(sha, dest)
        Path(dest).mkdir(parents=True, exist_ok=True)
        with WorkspaceDir(Path(dest), "/", owner=owner) as out:
            return self._export(sha, out)

    def _export(self, commit: str, out: WorkspaceDir) -> ExportReport:
        rep = ExportReport()
        small: dict[str, bytes] = {}
        parent: tuple[bytes, ...] | None = None
        pfd = -1
        try:
            with BlobReader(self.git_dir) as blobs:
                for mode, sha, path in tree_entries(self.git_dir, commit):
                    parts = tuple(path.split(b"/"))
                    if any(p in (b"", b".", b"..") or p in SKIP_NAMES for p in parts):
                        continue  # never produced by our writer; refused if crafted
                    if parts[:-1] != parent:
                        if pfd >= 0:
                            os.close(pfd)
                            pfd = -1
                        pfd = out.makedirs(parts[:-1])
                        parent = parts[:-1]
                    name = parts[-1]
                    if mode == "120000":
                        target = small.get(sha) or b"".join(blobs.stream(sha))
                        small[sha] = target
                        os.symlink(target, name, dir_fd=pfd)
                        if out.owner is not None:
                            os.chown(name, out.owner, out.owner, dir_fd=pfd,
                                     follow_symlinks=False)
                        st = os.lstat(name, dir_fd=pfd)
                    elif mode in ("100644", "100755"):
                        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                                     | os.O_CLOEXEC, 0o600, dir_fd=pfd)
                        try:
                            # Small blobs are fetched once per export (many files often
                            # share a content: empty files, copies).
                            cached = small.get(sha)
                            chunks = [cached] if cached is not None else blobs.stream(sha)
                            held = b""
                            for chunk in chunks:
                                os.write(fd, chunk)
                                rep.bytes += len(chunk)
                                if len(held) + len(chunk) <= SMALL_BLOB:
                                    held += chunk
                                else:
                                    held = b"\x00" * (SMALL_BLOB + 1)
                            if cached is None and len(held) <= SMALL_BLOB and len(small) < 4096:
                                small[sha] = held
                            if out.owner is not None:
                                os.fchown(fd, out.owner, out.owner)
                            os.fchmod(fd, 0o755 if mode == "100755" else 0o644)
                            st = os.fstat(fd)
                        finally:
                            os.close(fd)
                    else:
                        continue  # gitlinks and the like: nothing to write
                    rep.files += 1
                    rep.written[path] = (mode.encode(), bytes.fromhex(sha), _key(st))
        except GitError as e:
            raise SnapshotError(str(e)) from None
        finally:
            if pfd >= 0:
                os.close(pfd)
        return rep

    def changed_files(self, commit: str) -> list[str]:
        """Paths changed by ``commit`` relative to its parent."""
        out = git(self.git_dir, "diff-tree", "--root", "--no-commit-id", "--name-only", "-r",
                  "-z", "--no-ext-diff", "--no-textconv", self.resolve(commit))
        return [os.fsdecode(p) for p in out.split(b"\0") if p]


class Snapshotter(SnapshotStore):
    """Commits the workspace into ``<run>/snapshots.git`` (the caller holds the run's lock).

    ``owner`` (a uid) is given to the files ``restore`` writes into the workspace.
    """

    def __init__(self, git_dir: Path, workspace: Path, *, max_file: int = MAX_FILE,
                 max_store: int = MAX_STORE, owner: int | None = None) -> None:
        super().__init__(git_dir)
        self.workspace = Path(workspace)
        self.max_file = max_file
        self.max_store = max_store
        self.owner = owner
        if not (self.git_dir / "HEAD").exists():
            self.git_dir.parent.mkdir(parents=True, exist_ok=True)
            git(self.git_dir.parent, "-c", "init.defaultBranch=master", "init", "--bare", "-q",
                "--template=", str(self.git_dir))
        self._check()
        self._objects = self.git_dir / "objects"
        self._stored_bytes: int | None = None  # measured when first needed
        # path -> (stat key, mode, sha): files that need no re-read while their stat holds
        self._cache: dict[bytes, tuple[tuple[int, ...], bytes, bytes]] = {}
        # folder -> (its entries, its tree id): trees that need no re-hash
        self._trees: dict[bytes, tuple[tuple[tuple[bytes, bytes, bytes], ...], bytes]] = {}
        self._head_tree: str | None = None
        self._have: set[bytes] = set()  # blob ids known to be stored (no stat per file)
        self.last_skipped: list[Skipped] = []

    def export(self, commit: str, dest: Path | WorkspaceDir,
               owner: int | None = None) -> ExportReport:
        """As ``SnapshotStore.export``; files are given to this run's workspace owner."""
        return super().export(commit, dest, self.owner if owner is None else owner)

    # -- writing objects -------------------------------------------------------------------
    def _write(self, kind: bytes, data: bytes) -> bytes:
        """Store one object (loose, zlib) unless present; return its binary id."""
        header = b"%s %d\0" % (kind, len(data))
        h = hashlib.sha1(header)
        h.update(data)
        sha = h.hexdigest()
        folder = self._objects / sha[:2]
        path = folder / sha[2:]
        if not path.exists():
            folder.mkdir(exist_ok=True)
            z = zlib.compressobj(1)
            packed = z.compress(header) + z.compress(data) + z.flush()
            tmp = folder / f"tmp_obj_{secrets.token_hex(6)}"
            with open(tmp, "wb") as f:
                f.write(packed)
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
            self._stored_bytes = self.stored + len(packed)
        return h.digest()

    @property
    def stored(self) -> int:
        """Bytes in the object store (for its cap)."""
        if self._stored_bytes is None:
            self._stored_bytes = _tree_bytes(self._objects)
        return self._stored_bytes

    @staticmethod
    def _blob_id(data: bytes) -> bytes:
        h = hashlib.sha1(b"blob %d\0" % len(data))
        h.update(data)
        return h.digest()

    def _head_tree_id(self, head: str) -> str:
        if self._head_tree is None:
            out = git(self.git_dir, "cat-file", "commit", head)
            self._head_tree = out.split(b"\n", 1)[0].split()[1].decode()
        return self._head_tree

    # -- snapshot --------------------------------------------------------------------------
    def snapshot(self, message: str) -> str | None:
        """Commit the workspace if it changed since the last snapshot; return the new commit."""
        start = time.time_ns()
        skipped: list[Skipped] = []
        tree = self._tree(start, skipped)
        self.last_skipped = skipped
        head = self.head()
        if head is not None and tree.hex() == self._head_tree_id(head):
            return None
        now = int(time.time())
        who = b"ultrarun <ultrarun@localhost> %d +0000" % now
        body = message.encode("utf-8", "replace")
        if skipped:
            lines = [f"{s.path}: {s.reason}" for s in skipped[:50]]
            if len(skipped) > 50:
                lines.append(f"... and {len(skipped) - 50} more")
            body += ("\n\nLeft out of this snapshot:\n" + "\n".join(lines)).encode(
                "utf-8", "replace")
        commit = b"tree %s\n" % tree.hex().encode()
        if head is not None:
            commit += b"parent %s\n" % head.encode()
        commit += b"author %s\ncommitter %s\n\n%s\n" % (who, who, body)
        sha = self._write(b"commit", commit).hex()
        self._set_head(sha, tree.hex())
        return sha

    def _set_head(self, sha: str, tree: str) -> None:
        ref = self.git_dir / self._branch()
        ref.parent.mkdir(parents=True, exist_ok=True)
        tmp = ref.parent / f".{ref.name}.{secrets.token_hex(4)}.tmp"
        tmp.write_text(sha + "\n")
        os.replace(tmp, ref)
        self._head_tree = tree

    def _tree(self, start: int, skipped: list[Skipped]) -> bytes:
        """Walk the workspace; store changed blobs and trees; return the root tree id."""
        walker = Walker(skip=SKIP_NAMES, max_depth=MAX_DEPTH)
        listing: list[tuple[bytes, list[tuple[bytes, bytes, bytes]]]] = []
        subdirs: dict[bytes, list[bytes]] = {}
        seen: set[bytes] = set()
        with WorkspaceDir(self.workspace, "/") as ws:
            for d in walker.walk(ws.fd):
                items: list[tuple[bytes, bytes, bytes]] = []
                kids: list[bytes] = []
                for e in d.entries:
                    if e.name in SKIP_NAMES:
                        continue
                    rel = d.rel + e.name
                    if e.is_dir:
                        kids.append(e.name)
                        continue
                    got = self._entry(d.fd, e, rel, start, skipped)
                    if got is not None:
                        seen.add(rel)
                        items.append((got[0], e.name, got[1]))
                listing.append((d.rel, items))
                subdirs[d.rel] = kids
        for s in walker.skipped:
            skipped.append(Skipped(show(s.path), s.reason))
        for gone in set(self._cache) - seen:
            del self._cache[gone]
        # Trees bottom-up: a pre-order walk reversed visits every folder after its children.
        ids: dict[bytes, bytes | None] = {}
        for rel, items in reversed(listing):
            entries = list(items)
            for kid in subdirs[rel]:
                kid_id = ids.get(rel + kid + b"/")
                if kid_id is not None:
                    entries.append((b"40000", kid, kid_id))
            if not entries and rel:
                ids[rel] = None  # git keeps no empty folder
                continue
            entries.sort(key=lambda t: t[1] + b"/" if t[0] == b"40000" else t[1])
            key = tuple(entries)
            cached = self._trees.get(rel)
            if cached is not None and cached[0] == key:
                ids[rel] = cached[1]
                continue
            data = b"".join(b"%s %s\0%s" % (m, n, s) for m, n, s in entries)
            ids[rel] = self._write(b"tree", data)
            self._trees[rel] = (key, ids[rel])  # type: ignore[assignment]
        for gone in set(self._trees) - set(ids):
            del self._trees[gone]
        root = ids.get(b"")
        return root if root is not None else bytes.fromhex(EMPTY_TREE)

    def _entry(self, dir_fd: int, e: Entry, rel: bytes, start: int,
               skipped: list[Skipped]) -> tuple[bytes, bytes] | None:
        """(mode, blob id) of a file or link, stored if new; None when left out."""
        key = (e.mode, e.size, e.mtime_ns, e.ctime_ns, e.ino)
        hit = self._cache.get(rel)
        if hit is not None and hit[0] == key:
            return hit[1], hit[2]
        if e.is_link:
            try:
                data = os.readlink(e.name, dir_fd=dir_fd)
            except OSError:
                skipped.append(Skipped(show(rel), "link unreadable"))
                return None
            mode = b"120000"
        elif e.is_file and e.size == 0:  # nothing to read (thousands of empty files)
            data, mode = b"", b"100755" if e.mode & stat.S_IXUSR else b"100644"
        elif e.is_file:
            if e.size > self.max_file:
                skipped.append(Skipped(show(rel), f"{fmt_size(e.size)}, over the "
                                       f"{fmt_size(self.max_file)} per-file cap"))
                return None
            fd = open_child_file(dir_fd, e.name)
            if fd is None:
                skipped.append(Skipped(show(rel), "changed while read, or unreadable"))
                return None
            with open(fd, "rb") as f:
                data = f.read(self.max_file + 1)
            if len(data) > self.max_file:
                skipped.append(Skipped(show(rel), f"grew past the {fmt_size(self.max_file)} "
                                       "per-file cap"))
                return None
            mode = b"100755" if e.mode & stat.S_IXUSR else b"100644"
        else:
            skipped.append(Skipped(show(rel), f"a {kind_name(e.mode)}"))
            return None
        blob = EMPTY_BLOB if not data else self._blob_id(data)
        if blob not in self._have:
            if not (self._objects / blob.hex()[:2] / blob.hex()[2:]).exists():
                if self.stored + len(data) > self.max_store:
                    skipped.append(Skipped(show(rel), f"snapshots.git holds its cap of "
                                           f"{fmt_size(self.max_store)}"))
                    return None
                self._write(b"blob", data)
            self._have.add(blob)
        if max(e.mtime_ns, e.ctime_ns) < start - RACY_NS:
            self._cache[rel] = (key, mode, blob)
        else:
            self._cache.pop(rel, None)
        return mode, blob

    # -- restore ---------------------------------------------------------------------------
    def restore(self, commit: str) -> None:
        """Make the workspace equal to ``commit`` (the agent's own top-level .git is kept).

        Everything else is removed (links unlinked, never followed) and the snapshot's files
        are written anew, so nothing is written through an existing link or hardlink."""
        sha = self.resolve(commit)
        self.workspace.mkdir(parents=True, exist_ok=True)
        with WorkspaceDir(self.workspace, "/", owner=self.owner) as ws:
            ws.remove_children(keep=SKIP_NAMES)
            rep = self._export(sha, ws)
        # Nothing else writes the workspace while it is restored (no sandbox runs): what was
        # just written needs no re-read at the next snapshot.
        self._cache = {path: (key, mode, blob) for path, (mode, blob, key) in
                       rep.written.items()}
        self._trees.clear()
        tree = git(self.git_dir, "cat-file", "commit", sha).split(b"\n", 1)[0].split()[1]
        self._set_head(sha, tree.decode())


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
