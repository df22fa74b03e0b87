"""Running git on a run's own ``snapshots.git`` and on nothing else, with no outside config.

git reads configuration, hooks, attributes and helpers from many places; any of them could name
a program to run. The host therefore runs git only with ``GIT_DIR`` set to the run's bare
repository (never a work tree, never the agent's workspace), from inside that repository, with
no system, global or XDG config, no hooks, no fsmonitor, no attributes file, no replace refs,
no terminal prompts and no transport protocols; diffs add ``--no-ext-diff --no-textconv``
(see docs/security.md).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sandboxes.errors import HarnessError

# Settings that override anything the repository's own config could say.
LOCKDOWN = {
    "core.fsmonitor": "false",
    "core.hooksPath": "/dev/null",
    "core.attributesFile": "/dev/null",
    "core.excludesFile": "/dev/null",
    "core.untrackedCache": "false",
    "core.pager": "cat",
    "protocol.allow": "never",
    "gc.auto": "0",
    "maintenance.auto": "false",
}


class GitError(HarnessError):
    """git failed on snapshots.git; the message says which command and why."""


def git_env(git_dir: Path) -> dict[str, str]:
    """The environment every host-side git process runs with."""
    git_dir = Path(os.path.abspath(git_dir))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LC_ALL": "C",
        "HOME": "/nonexistent",
        "XDG_CONFIG_HOME": "/nonexistent",
        "GIT_DIR": str(git_dir),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_AUTHOR_NAME": "ultrarun", "GIT_AUTHOR_EMAIL": "ultrarun@localhost",
        "GIT_COMMITTER_NAME": "ultrarun", "GIT_COMMITTER_EMAIL": "ultrarun@localhost",
    }
    # The repository may belong to another user (a run folder written by root, read by you).
    settings = {**LOCKDOWN, "safe.directory": str(git_dir)}
    env["GIT_CONFIG_COUNT"] = str(len(settings))
    for i, (k, v) in enumerate(settings.items()):
        env[f"GIT_CONFIG_KEY_{i}"] = k
        env[f"GIT_CONFIG_VALUE_{i}"] = v
    return env


def git(git_dir: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run one git command on ``git_dir``; its stdout, or GitError with its stderr."""
    git_dir = Path(os.path.abspath(git_dir))
    try:
        r = subprocess.run(["git", *args], cwd=git_dir, env=git_env(git_dir), input=input,
                           capture_output=True, check=False)
    except OSError as e:
        raise GitError(f"cannot run git: {e}") from None
    if r.returncode != 0:
        err = r.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed on {git_dir}: {err[-1] if err else r.returncode}")
    return r.stdout


def popen(git_dir: Path, *args: str, stdin: bool = False) -> subprocess.Popen[bytes]:
    """A streaming git process on ``git_dir`` (stdout piped; stdin piped if asked)."""
    git_dir = Path(os.path.abspath(git_dir))
    return subprocess.Popen(["git", *args], cwd=git_dir, env=git_env(git_dir),
                            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def tree_entries(git_dir: Path, commit: str) -> Iterator[tuple[str, str, bytes]]:
    """(mode, sha, path) of every blob and link of ``commit``'s tree, streamed."""
    proc = popen(git_dir, "ls-tree", "-r", "-z", "--full-tree", commit)
    assert proc.stdout is not None
    buf = b""
    try:
        while True:
            chunk = proc.stdout.read(1 << 16)
            if not chunk:
                break
            buf += chunk
            *records, buf = buf.split(b"\0")
            for rec in records:
                meta, _, path = rec.partition(b"\t")
                mode, _kind, sha = meta.split(b" ")
                yield mode.decode(), sha.decode(), path
    finally:
        proc.stdout.close()
        if proc.wait() != 0:
            raise GitError(f"git ls-tree failed on {git_dir} for {commit}")


class BlobReader:
    """One ``git cat-file --batch`` process: stream objects one at a time, bounded memory."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self.proc = popen(git_dir, "cat-file", "--batch", stdin=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in: IO[bytes] = self.proc.stdin
        self._out: IO[bytes] = self.proc.stdout

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for f in (self._in, self._out):
            try:
                f.close()
            except OSError:
                pass
        self.proc.wait()

    def stream(self, sha: str, chunk: int = 1 << 20) -> Iterator[bytes]:
        """The content of object ``sha`` in chunks."""
        self._in.write(sha.encode() + b"\n")
        self._in.flush()
        header = self._out.readline()
        fields = header.split()
        if len(fields) != 3:
            raise GitError(f"{self.git_dir}: object {sha} is missing")
        left = int(fields[2])
        while left:
            data = self._out.read(min(left, chunk))
            if not data:
                raise GitError(f"{self.git_dir}: object {sha} is truncated")
            left -= len(data)
            yield data
        self._out.read(1)  # the newline after each object


_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


def is_sha(text: object) -> bool:
    """Whether ``text`` is a full object id: anything else read from a run folder (which could
    say ``--output=FILE``) never reaches a git command line."""
    return isinstance(text, str) and _SHA.fullmatch(text) is not None


def diff_text(git_dir: Path, before: str | None, after: str, limit: int = 1 << 20
              ) -> tuple[str, bool]:
    """The ``--stat --patch`` of ``before`` → ``after`` (``after``'s whole tree when there is no
    ``before``), at most ``limit`` bytes read; (text, whether it was cut)."""
    for sha in (before, after):
        if sha is not None and not is_sha(sha):
            raise GitError(f"not a commit id: {str(sha)[:60]!r}")
    args = ["-c", "core.quotepath=off"]
    if before:
        args += ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--stat", "--patch",
                 before, after]
    else:
        args += ["show", "--no-color", "--no-ext-diff", "--no-textconv", "--stat", "--patch",
                 "--format=(initial workspace)", after]
    try:
        proc = popen(git_dir, *args)
    except OSError as e:
        raise GitError(f"cannot run git: {e}") from None
    assert proc.stdout is not None
    try:
        data = proc.stdout.read(limit + 1)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    cut = len(data) > limit
    if not data and proc.returncode not in (0, -9):
        raise GitError(f"git {args[2]} failed on {git_dir} (exit {proc.returncode})")
    return data[:limit].decode("utf-8", "replace"), cut
