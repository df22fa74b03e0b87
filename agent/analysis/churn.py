"""Churn from `snapshots.git`: lines the agent added and later deleted, and files rewritten.

The history is read with one ``git log -p --unified=0`` and replayed line by line: each file is
kept as a list of the commit numbers that added its lines, so a deleted line knows its origin.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

#: A commit rewrites a file when it deletes at least this share of the file's lines...
REWRITE_SHARE = 0.8
#: ...and the file had at least this many lines (a 1-line file edit is not a rewrite).
REWRITE_MIN_LINES = 5
#: Files listed in ``Churn.top_files``.
TOP_FILES = 20

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class Churn(BaseModel):
    commits: int  # snapshot commits after the initial one
    lines_added: int
    lines_deleted: int
    churned_lines: int  # lines added by a snapshot commit and deleted by a later one
    churn_ratio: float | None  # churned_lines / lines_added
    rewrites: int  # commits that replaced >= REWRITE_SHARE of a file's lines
    rewrites_by_file: dict[str, int]
    top_files: dict[str, int]  # most churned files: path -> churned lines


@dataclass
class FileChange:
    commit: str
    path: str
    created: bool
    deleted: bool


@dataclass
class History:
    churn: Churn
    changes: list[FileChange] = field(default_factory=list)  # creations and deletions, in order


def git_env() -> dict[str, str]:
    """Environment that lets us read a repository another user owns (the sandbox's)."""
    env = dict(os.environ)
    env.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory",
                "GIT_CONFIG_VALUE_0": "*", "GIT_PAGER": "cat", "LC_ALL": "C"})
    return env


def git(git_dir: Path, *args: str) -> bytes:
    """Run a read-only git command against ``git_dir``; raise OSError with git's message."""
    proc = subprocess.run(["git", "--git-dir", str(git_dir), "-c", "core.quotepath=off", *args],
                          capture_output=True, env=git_env(), check=False)
    if proc.returncode != 0:
        raise OSError(f"git {args[0]} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def has_history(git_dir: Path) -> bool:
    """Whether ``git_dir`` is a repository with at least one commit."""
    if not (git_dir / "HEAD").exists():
        return False
    try:
        git(git_dir, "rev-parse", "--verify", "-q", "HEAD")
    except OSError:
        return False
    return True


def _path(line: bytes, prefix: bytes) -> str | None:
    rest = line[4:].rstrip(b"\n")
    if rest == b"/dev/null":
        return None
    if rest.startswith(prefix):
        rest = rest[len(prefix):]
    return rest.decode(errors="replace")


class _Replay:
    def __init__(self) -> None:
        self.files: dict[str, list[int]] = {}
        self.added = self.deleted = self.churned = self.rewrites = 0
        self.churn_by_file: Counter[str] = Counter()
        self.rewrites_by_file: Counter[str] = Counter()
        self.changes: list[FileChange] = []

    def file_done(self, commit_no: int, sha: str, path: str | None, old_len: int,
                  removed: int, created: bool, deleted: bool) -> None:
        if path is None:
            return
        if created or deleted:
            self.changes.append(FileChange(sha, path, created, deleted))
        if deleted:
            self.files.pop(path, None)
        elif (commit_no > 0 and old_len >= REWRITE_MIN_LINES
              and removed >= REWRITE_SHARE * old_len):
            self.rewrites += 1
            self.rewrites_by_file[path] += 1

    def hunk(self, commit_no: int, path: str, old_n: int, new_start: int, new_n: int) -> None:
        lines = self.files.setdefault(path, [])
        pos = new_start - 1 if new_n > 0 else new_start
        pos = min(max(pos, 0), len(lines))
        gone = lines[pos:pos + old_n]
        lines[pos:pos + old_n] = [commit_no] * new_n
        if commit_no > 0:  # the initial commit is the seed workspace, not the agent's work
            self.added += new_n
            self.deleted += len(gone)
            late = sum(1 for origin in gone if origin > 0)
            self.churned += late
            if late:
                self.churn_by_file[path] += late


def read_history(git_dir: Path) -> History:
    """Replay every snapshot commit, oldest first."""
    out = git(git_dir, "log", "--reverse", "--no-renames", "--no-color", "--no-ext-diff",
              "--unified=0", "--format=%x00%H", "-p", "HEAD")
    r = _Replay()
    commit_no = -1
    sha = ""
    path: str | None = None
    old_path: str | None = None
    old_len = removed = 0
    created = deleted = False
    skip = 0  # hunk body lines still to pass over

    def close_file() -> None:
        r.file_done(commit_no, sha, path if not deleted else old_path, old_len, removed,
                    created, deleted)

    for line in out.split(b"\n"):
        if skip:
            if line.startswith((b"-", b"+")):
                skip -= 1
            continue
        if line.startswith(b"\x00"):
            if path or old_path:
                close_file()
            path = old_path = None
            commit_no += 1
            sha = line[1:].decode()
        elif line.startswith(b"diff --git "):
            if path or old_path:
                close_file()
            path = old_path = None
            old_len = removed = 0
            created = deleted = False
        elif line.startswith(b"--- "):
            old_path = _path(line, b"a/")
            created = old_path is None
        elif line.startswith(b"+++ "):
            path = _path(line, b"b/")
            deleted = path is None
            key = path or old_path
            if key is not None:
                old_len = len(r.files.get(key, []))
        elif line.startswith(b"@@"):
            m = _HUNK.match(line)
            key = path or old_path
            if m is None or key is None:
                continue
            old_n = int(m.group(2)) if m.group(2) is not None else 1
            new_start = int(m.group(3))
            new_n = int(m.group(4)) if m.group(4) is not None else 1
            r.hunk(commit_no, key, old_n, new_start, new_n)
            removed += old_n
            skip = old_n + new_n
    if path or old_path:
        close_file()
    commits = max(commit_no, 0)
    churn = Churn(
        commits=commits, lines_added=r.added, lines_deleted=r.deleted, churned_lines=r.churned,
        churn_ratio=r.churned / r.added if r.added else None, rewrites=r.rewrites,
        rewrites_by_file=dict(sorted(r.rewrites_by_file.items())),
        top_files=dict(r.churn_by_file.most_common(TOP_FILES)))
    return History(churn, r.changes)


def commit_diffs(git_dir: Path, shas: list[str], max_chars: int) -> dict[str, str]:
    """The patch of each commit against its parent, each cut to ``max_chars`` characters."""
    if not shas:
        return {}
    out = git(git_dir, "show", "--no-color", "--no-ext-diff", "--no-renames",
              "--format=%x00%H", "--stat", "-p", *shas)
    diffs: dict[str, str] = {}
    for chunk in out.split(b"\x00")[1:]:
        sha, _, body = chunk.partition(b"\n")
        text = body[:max_chars * 4].decode(errors="replace").strip("\n")
        if len(text) > max_chars:
            text = text[:max_chars] + f"\n… (diff cut at {max_chars} characters)"
        diffs[sha.decode()] = text
    return diffs
