"""`snapshots.git`: a bare git repository of the workspace, one commit per changed step.

The workspace is used as the work tree of a separate git dir, so the agent's own `.git` inside
the workspace is never touched nor recorded (git ignores any path named `.git`).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import git


class Snapshotter:
    """Commits the workspace into ``<run>/snapshots.git``."""

    def __init__(self, git_dir: Path, workspace: Path) -> None:
        self.git_dir = git_dir
        self.workspace = workspace
        if not (git_dir / "HEAD").exists():
            git.Repo.init(git_dir, bare=True)
        # A harness killed mid-commit leaves its lock behind; the run folder's own lock
        # (held by whoever opens this) guarantees no other git process is at work here.
        (git_dir / "index.lock").unlink(missing_ok=True)
        self.repo = git.Repo(git_dir)
        # The workspace may belong to the sandbox's user; we only read it.
        self._env = {"GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(workspace),
                     "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory",
                     "GIT_CONFIG_VALUE_0": "*", "GIT_AUTHOR_NAME": "ultrarun",
                     "GIT_AUTHOR_EMAIL": "ultrarun@localhost",
                     "GIT_COMMITTER_NAME": "ultrarun", "GIT_COMMITTER_EMAIL": "ultrarun@localhost"}
        self.git = self.repo.git
        self.git.update_environment(**self._env)

    def head(self) -> str | None:
        """The last snapshot's commit, or None before the first."""
        try:
            return self.repo.head.commit.hexsha
        except ValueError:
            return None

    def snapshot(self, message: str) -> str | None:
        """Commit the workspace if it changed since the last snapshot; return the new commit."""
        if self.head() is not None and not self.git.status("--porcelain", "-uall",
                                                           "--ignore-submodules=none"):
            return None
        self.git.add("-A", "--force", ".")
        if self.head() is not None and not self.git.diff("--cached", "--name-only"):
            return None
        self.git.commit("-q", "--allow-empty", "--no-verify", "-m", message)
        return self.head()

    def export(self, commit: str, dest: Path) -> None:
        """Write the workspace as it was at ``commit`` into the empty folder ``dest``."""
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "--git-dir", str(self.git_dir), "archive", commit],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)

    def restore(self, commit: str) -> None:
        """Make the workspace equal to ``commit`` (the agent's own .git is kept)."""
        with tempfile.TemporaryDirectory() as tmp:
            self.export(commit, Path(tmp))
            for child in self.workspace.iterdir():
                if child.name == ".git":
                    continue
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
            for child in Path(tmp).iterdir():
                shutil.move(str(child), self.workspace / child.name)
        self.git.read_tree(commit)  # the index matches the restored tree again
        self.git.update_ref("HEAD", commit)  # later snapshots descend from what was restored

    def changed_files(self, commit: str) -> list[str]:
        """Paths changed by ``commit`` relative to its parent."""
        out = self.git.show("--name-only", "--format=", commit)
        return [line for line in out.splitlines() if line]


