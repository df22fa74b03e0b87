"""`snapshots.git`: a bare git repository of the workspace, one commit per changed step.

git is never pointed at the workspace. The harness walks the workspace itself, beneath a
descriptor and without following any link (``scan.py``), reads only regular files, and writes
git objects (blobs, trees, a commit) straight into the repository (``objstore.py``: loose
objects, or one pack for a large batch), then moves the branch. Whatever the agent plants —
nested repositories, ``.git`` files, hooks, ``fsmonitor`` or filter configs, attributes,
symlinks, FIFOs — is either data or left out; no git config of the workspace is ever read and
no program of it ever runs.

Per step the cost follows what changed, not the workspace's size: inotify (``watcher.py``)
names the folders that changed, only those are listed again and only files whose stat key
changed are read; a full stat walk (every file ``lstat``-ed, none re-read unless changed) runs
when that is not possible and from time to time as a check. Every ``.git`` entry at any depth
is left out, as are FIFOs, sockets and devices; regular files over ``max_file`` bytes are left
out too, and every such entry is recorded (``last_skipped``, the commit message, and the
``snapshot`` event). Reading back (``export``, ``restore``) streams objects through one
``git cat-file --batch`` run with a locked-down environment and writes files beneath a
descriptor, never through a link.
"""

from __future__ import annotations

import builtins
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from agent.trajectory import statcache
from agent.trajectory.gitsafe import BlobReader, GitError, git, tree_entries
from agent.trajectory.objstore import ObjectWriter
from agent.trajectory.scan import (
    MAX_DEPTH,
    RACY_NS,
    FileRec,
    Key,
    ScanStats,
    Skipped,
    TreeScanner,
    stat_key,
)
from sandboxes.errors import HarnessError
from sandboxes.fsafe import WorkspaceDir

__all__ = ["MAX_DEPTH", "MAX_FILE", "MAX_STORE", "ExportReport", "ObjectSource", "Skipped",
           "SnapshotError", "SnapshotStore", "Snapshotter", "write_tree"]

MAX_FILE = 32 << 20  # a file over this is left out of snapshots (and recorded as such)
MAX_STORE = 4 << 30  # what one run's snapshots may add to snapshots.git
VERIFY_S = 60.0  # a full stat walk at least this often (more rarely when walks are slow)
SMALL_BLOB = 4096  # blobs up to this size are fetched once per export
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
SKIP_NAMES = frozenset({b".git"})


class SnapshotError(HarnessError):
    """snapshots.git is missing, unreadable, or has no such commit; the message says which."""


@dataclass
class ExportReport:
    files: int = 0
    bytes: int = 0
    # path -> (mode, blob id, stat key) of what was written, when asked for (``restore``)
    written: dict[builtins.bytes, tuple[builtins.bytes, builtins.bytes, Key]] = field(
        default_factory=dict)


class ObjectSource(Protocol):
    """Where ``write_tree`` reads a commit's files from (``snapshots.git`` through git, or a
    team's upstream through ultrarun's own object reader)."""

    def entries(self, commit: str) -> Iterator[tuple[str, str, bytes]]:
        """(mode, blob id, path) of every file and link of ``commit``'s tree."""
        ...

    def stream(self, sha: str) -> Iterator[bytes]:
        """A blob's content, in chunks."""
        ...


class GitObjects:
    """``snapshots.git`` as an ObjectSource: one locked-down ``git cat-file --batch``."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self._blobs = BlobReader(git_dir)

    def __enter__(self) -> GitObjects:
        return self

    def __exit__(self, *exc: object) -> None:
        self._blobs.close()

    def entries(self, commit: str) -> Iterator[tuple[str, str, bytes]]:
        return tree_entries(self.git_dir, commit)

    def stream(self, sha: str) -> Iterator[bytes]:
        return self._blobs.stream(sha)


def write_tree(source: ObjectSource, commit: str, out: WorkspaceDir, *, record: bool = False,
               keep_top_git: bool = False) -> ExportReport:
    """Write ``commit``'s files beneath ``out``, streaming each; links are created as links,
    never followed, and every ``.git`` is left out (but the top-level one with
    ``keep_top_git``). ``record``: remember what was written (``restore``)."""
    rep = ExportReport()
    small: dict[str, bytes] = {}
    parent: tuple[bytes, ...] | None = None
    pfd = -1
    try:
        for mode, sha, path in source.entries(commit):
            parts = tuple(path.split(b"/"))
            if any(p in (b"", b".", b"..") for p in parts) or any(
                    p in SKIP_NAMES for p in (parts[1:] if keep_top_git else parts)):
                continue  # never produced by our writer; refused if crafted
            if parts[:-1] != parent:
                if pfd >= 0:
                    os.close(pfd)
                    pfd = -1
                pfd = out.makedirs(parts[:-1])
                parent = parts[:-1]
            name = parts[-1]
            if mode == "120000":
                target = small.get(sha) or b"".join(source.stream(sha))
                small[sha] = target
                os.symlink(target, name, dir_fd=pfd)
                if out.owner is not None:
                    os.chown(name, out.owner, out.owner, dir_fd=pfd, follow_symlinks=False)
                st = os.lstat(name, dir_fd=pfd)
            elif mode in ("100644", "100755"):
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                             | os.O_CLOEXEC, 0o600, dir_fd=pfd)
                try:
                    # Small blobs are fetched once per export (many files often share a
                    # content: empty files, copies).
                    cached = small.get(sha)
                    chunks = [cached] if cached is not None else source.stream(sha)
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
            if record:
                rep.written[path] = (mode.encode(), bytes.fromhex(sha), stat_key(st))
    finally:
        if pfd >= 0:
            os.close(pfd)
    return rep


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

    def _export(self, commit: str, out: WorkspaceDir, record: bool = False,
                keep_top_git: bool = False) -> ExportReport:
        try:
            with GitObjects(self.git_dir) as source:
                return write_tree(source, commit, out, record=record,
                                  keep_top_git=keep_top_git)
        except GitError as e:
            raise SnapshotError(str(e)) from None


class Snapshotter(SnapshotStore):
    """Commits the workspace into ``<run>/snapshots.git`` (the caller holds the run's lock).

    ``owner`` (a uid) is given to the files ``restore`` writes into the workspace. ``watch``
    lets inotify say which folders changed (False: a full stat walk every time). ``close``
    releases the watcher; a snapshotter is also a context manager.
    """

    def __init__(self, git_dir: Path, workspace: Path, *, max_file: int = MAX_FILE,
                 max_store: int = MAX_STORE, owner: int | None = None, watch: bool = True,
                 verify_s: float = VERIFY_S, include_git: bool = False) -> None:
        super().__init__(git_dir)
        self.workspace = Path(workspace)
        # The workspace's top-level .git is part of each snapshot (a team member's clone),
        # so a restore brings its history back in step with its files.
        self.include_git = include_git
        self.max_file = max_file
        self.max_store = max_store
        self.owner = owner
        if not (self.git_dir / "HEAD").exists():
            self.git_dir.parent.mkdir(parents=True, exist_ok=True)
            git(self.git_dir.parent, "-c", "init.defaultBranch=master", "init", "--bare", "-q",
                "--template=", str(self.git_dir))
        self._check()
        self._objects = ObjectWriter(self.git_dir / "objects")
        self._scanner = TreeScanner(self._objects, max_file=max_file, max_store=max_store,
                                    watch=watch, verify_s=verify_s, keep_top_git=include_git)
        self._head_tree: str | None = None
        self.last_skipped: list[Skipped] = []

    def close(self) -> None:
        """Release the watcher (the next snapshot, if any, walks everything)."""
        self._scanner.close()

    def __enter__(self) -> Snapshotter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def stored(self) -> int:
        """Bytes in the object store (for its cap)."""
        return self._objects.stored

    @property
    def last_scan(self) -> ScanStats:
        """How the last snapshot looked at the workspace (full walk or changed folders)."""
        return self._scanner.last

    def export(self, commit: str, dest: Path | WorkspaceDir,
               owner: int | None = None) -> ExportReport:
        """As ``SnapshotStore.export``; files are given to this run's workspace owner."""
        return super().export(commit, dest, self.owner if owner is None else owner)

    def _head_tree_id(self, head: str) -> str:
        if self._head_tree is None:
            out = git(self.git_dir, "cat-file", "commit", head)
            self._head_tree = out.split(b"\n", 1)[0].split()[1].decode()
        return self._head_tree

    # -- snapshot --------------------------------------------------------------------------
    def snapshot(self, message: str) -> str | None:
        """Commit the workspace if it changed since the last snapshot; return the new commit."""
        start = time.time_ns()
        scanner = self._scanner
        with WorkspaceDir(self.workspace, "/") as ws:
            fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=ws.fd)
        try:
            if scanner.root is None and scanner.seed is None:
                seed = statcache.load(self.git_dir, os.fstat(fd), self._objects)
                if seed:
                    scanner.seed_with(seed)
            root, skipped = scanner.scan(fd, start)
        finally:
            os.close(fd)
        try:
            self._objects.flush()
        except BaseException:
            scanner.forget()
            raise
        tree = root.hex() if root is not None else EMPTY_TREE
        self.last_skipped = skipped
        head = self.head()
        if head is not None and tree == self._head_tree_id(head):
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
        commit = b"tree %s\n" % tree.encode()
        if head is not None:
            commit += b"parent %s\n" % head.encode()
        commit += b"author %s\ncommitter %s\n\n%s\n" % (who, who, body)
        sha = self._objects.write(b"commit", commit).hex()
        self._set_head(sha, tree)
        return sha

    def _set_head(self, sha: str, tree: str) -> None:
        ref = self.git_dir / self._branch()
        ref.parent.mkdir(parents=True, exist_ok=True)
        tmp = ref.parent / f".{ref.name}.{secrets.token_hex(4)}.tmp"
        tmp.write_text(sha + "\n")
        os.replace(tmp, ref)
        self._head_tree = tree

    # -- restore ---------------------------------------------------------------------------
    def restore(self, commit: str) -> None:
        """Make the workspace equal to ``commit`` (the agent's own top-level .git is kept, or,
        with ``include_git``, restored with the rest).

        Everything else is removed (links unlinked, never followed) and the snapshot's files
        are written anew, so nothing is written through an existing link or hardlink. What was
        written is remembered (here, and for the next process in ``statcache``): the next
        snapshot reads none of it again unless its stat changed."""
        sha = self.resolve(commit)
        self._scanner.forget()
        self.workspace.mkdir(parents=True, exist_ok=True)
        with WorkspaceDir(self.workspace, "/", owner=self.owner) as ws:
            ws.remove_children(keep=frozenset() if self.include_git else SKIP_NAMES)
            rep = self._export(sha, ws, record=True, keep_top_git=self.include_git)
            root = os.fstat(ws.fd)
        tree = git(self.git_dir, "cat-file", "commit", sha).split(b"\n", 1)[0].split()[1]
        # A file written in the restore's last clock ticks could be rewritten unnoticed in
        # the same tick: only older ones are trusted.
        cut = time.time_ns() - RACY_NS
        records: dict[bytes, FileRec] = {
            path: (key, mode, blob) for path, (mode, blob, key) in rep.written.items()
            if max(key[2], key[3]) < cut}
        self._scanner.seed_with(records)
        statcache.save(self.git_dir, root, bytes.fromhex(tree.decode()), records)
        self._set_head(sha, tree.decode())
