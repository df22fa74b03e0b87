"""Reading the team's upstream repository on the host without git: loose objects and refs.

The host never runs git on the shared repository (``docs/security.md``). The upstream keeps
every object loose (its config sets ``receive.unpackLimit`` past any push, and nothing ever
repacks it: ``gc.auto=0``), so reading a commit, a tree or a blob is: open
``objects/xx/yyyy`` (never through a link), inflate at most ``max_object`` bytes, check that
the content hashes to its name. Everything read is agent data (fsck'ed by ``receive-pack``,
still bounded here): names, sizes and counts are capped.
"""

from __future__ import annotations

import hashlib
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sandboxes.errors import HarnessError

ZERO = "0" * 40
MAX_OBJECT = 64 << 20  # an object larger than this is not read (a blob is then "too large")
MAX_TREE_FILES = 200_000  # files listed from one tree at most
MAX_DEPTH = 128
_HEX = re.compile(r"[0-9a-f]{40}")


class GitObjectError(HarnessError):
    """An object of the upstream is missing, not loose, corrupt or too large."""


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: str  # "Name <email>"
    time: int
    message: str


@dataclass(frozen=True)
class FileEntry:
    mode: str  # 100644, 100755, 120000 (a link), 160000 (a gitlink)
    sha: str


class UpstreamObjects:
    """The read side of a bare repository whose objects are all loose (the team's upstream).

    Also an ``ObjectSource`` (``agent.trajectory.snapshots``): ``entries`` and ``stream``
    export a commit's files with the same writer as a snapshot."""

    def __init__(self, git_dir: Path, max_object: int = MAX_OBJECT) -> None:
        self.git_dir = Path(git_dir)
        self.max_object = max_object
        self._commits: dict[str, Commit] = {}

    def __enter__(self) -> UpstreamObjects:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    # -- objects ---------------------------------------------------------------------------
    def read(self, sha: str) -> tuple[str, bytes]:
        """(type, content) of an object, checked against its id."""
        if not _HEX.fullmatch(sha):
            raise GitObjectError(f"not an object id: {sha[:60]!r}")
        path = self.git_dir / "objects" / sha[:2] / sha[2:]
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            raise GitObjectError(f"{self.git_dir}: object {sha} is missing (or packed: the "
                                 "upstream keeps objects loose)") from None
        except OSError as e:
            raise GitObjectError(f"{self.git_dir}: object {sha}: {e.strerror}") from None
        inflate = zlib.decompressobj()
        raw = b""
        limit = self.max_object + 64  # the content and its header
        try:
            with os.fdopen(fd, "rb") as f:
                while chunk := f.read(1 << 16):
                    raw += inflate.decompress(chunk, max(1, limit - len(raw)))
                    if inflate.unconsumed_tail or len(raw) >= limit:
                        raise GitObjectError(f"object {sha} is larger than "
                                             f"{self.max_object} bytes")
        except zlib.error as e:
            raise GitObjectError(f"object {sha} is corrupt: {e}") from None
        head, sep, data = raw.partition(b"\0")
        kind, _, size = head.partition(b" ")
        if not sep or not size.isdigit() or int(size) != len(data) or \
                hashlib.sha1(raw).hexdigest() != sha:
            raise GitObjectError(f"object {sha} is corrupt (its content does not match it)")
        return kind.decode("ascii", "replace"), data

    def commit(self, sha: str) -> Commit:
        got = self._commits.get(sha)
        if got is not None:
            return got
        kind, data = self.read(sha)
        if kind != "commit":
            raise GitObjectError(f"{sha} is a {kind}, not a commit")
        head, _, message = data.partition(b"\n\n")
        tree, parents, author, when = "", [], "", 0
        for line in head.split(b"\n"):
            key, _, value = line.partition(b" ")
            if key == b"tree":
                tree = value.decode("ascii", "replace")
            elif key == b"parent":
                parents.append(value.decode("ascii", "replace"))
            elif key == b"author":
                ident, _, stamp = value.rpartition(b">")
                author = (ident + b">").decode("utf-8", "replace")
                fields = stamp.split()
                when = int(fields[0]) if fields and fields[0].isdigit() else 0
        got = Commit(sha, tree, tuple(parents), author, when,
                     message[:4096].decode("utf-8", "replace"))
        if len(self._commits) < 100_000:
            self._commits[sha] = got
        return got

    def tree(self, sha: str) -> list[tuple[str, bytes, str]]:
        """(mode, name, id) of a tree's entries."""
        kind, data = self.read(sha)
        if kind != "tree":
            raise GitObjectError(f"{sha} is a {kind}, not a tree")
        out: list[tuple[str, bytes, str]] = []
        i = 0
        while i < len(data):
            sp = data.index(b" ", i)
            nul = data.index(b"\0", sp)
            mode = data[i:sp].decode("ascii", "replace").rjust(6, "0")
            out.append((mode, data[sp + 1:nul], data[nul + 1:nul + 21].hex()))
            i = nul + 21
        return out

    def files(self, tree: str, max_files: int = MAX_TREE_FILES) -> dict[bytes, FileEntry]:
        """Every file, link and gitlink of a tree, by path (at most ``max_files``)."""
        out: dict[bytes, FileEntry] = {}
        stack: list[tuple[bytes, str, int]] = [(b"", tree, 0)]
        while stack:
            prefix, sha, depth = stack.pop()
            for mode, name, child in self.tree(sha):
                if name in (b"", b".", b"..") or b"/" in name:
                    continue
                path = prefix + name
                if mode == "040000":
                    if depth < MAX_DEPTH:
                        stack.append((path + b"/", child, depth + 1))
                elif len(out) < max_files:
                    out[path] = FileEntry(mode, child)
        return out

    def blob(self, sha: str) -> bytes:
        kind, data = self.read(sha)
        if kind != "blob":
            raise GitObjectError(f"{sha} is a {kind}, not a blob")
        return data

    # -- ObjectSource ------------------------------------------------------------------------
    def entries(self, commit: str) -> Iterator[tuple[str, str, bytes]]:
        for path, entry in sorted(self.files(self.commit(commit).tree).items()):
            yield entry.mode, entry.sha, path

    def stream(self, sha: str) -> Iterator[bytes]:
        yield self.blob(sha)

    # -- refs ------------------------------------------------------------------------------
    def ref(self, name: str) -> str | None:
        """The id a ref points to (a loose ref file, else ``packed-refs``), or None."""
        if not re.fullmatch(r"refs/[A-Za-z0-9._/-]{1,200}", name) or ".." in name:
            raise GitObjectError(f"not a ref name: {name[:60]!r}")
        try:
            fd = os.open(self.git_dir / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            with os.fdopen(fd, "rb") as f:
                value = f.read(128).strip().decode("ascii", "replace")
            return value if _HEX.fullmatch(value) else None
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            pass
        except OSError:
            return None
        try:
            fd = os.open(self.git_dir / "packed-refs", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            for line in f.read(16 << 20).decode("utf-8", "replace").splitlines():
                sha, _, ref = line.partition(" ")
                if ref == name and _HEX.fullmatch(sha):
                    return sha
        return None

    # -- history ---------------------------------------------------------------------------
    def new_commits(self, new: str, known: set[str], limit: int = 10_000) -> list[Commit]:
        """Commits reachable from ``new`` and not from ``known`` (nor from what was already
        listed), newest first, at most ``limit``."""
        out: list[Commit] = []
        seen = set(known)
        stack = [new]
        while stack and len(out) < limit:
            sha = stack.pop()
            if sha in seen or sha == ZERO:
                continue
            seen.add(sha)
            try:
                c = self.commit(sha)
            except GitObjectError:
                continue
            out.append(c)
            stack.extend(c.parents)
        return out

    def ancestors(self, sha: str, limit: int = 200_000) -> set[str]:
        """Every commit reachable from ``sha`` (itself included), at most ``limit``."""
        out: set[str] = set()
        stack = [sha]
        while stack and len(out) < limit:
            s = stack.pop()
            if s in out or s == ZERO:
                continue
            out.add(s)
            try:
                stack.extend(self.commit(s).parents)
            except GitObjectError:
                continue
        return out
