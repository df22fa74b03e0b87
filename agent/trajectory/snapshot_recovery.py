"""Bringing `snapshots.git` back to the last recorded snapshot after a whole-group kill.

A terminal closed, `systemctl stop` or an OOM kill of the job takes the harness *and* its git
child down together, mid-commit. What that can leave, and what happens to it here:

- lock files (``index.lock``, ``HEAD.lock``, ``refs/heads/<branch>.lock``, ...): removed. The
  caller holds the run folder's lock, so no other process can be writing this repository;
- git's temporary object files (``objects/**/tmp_obj_*``, ``objects/pack/tmp_*``): removed;
- a snapshot half-written (objects written, ref not yet moved) or written but never recorded
  (the ``snapshot`` event, which marks a step complete, did not make it to events.jsonl):
  rolled back, HEAD and the index are set to the last *recorded* snapshot, which the
  trajectory refers to and which resume restores the workspace from;
- a repository whose very first commit was interrupted (no snapshot recorded at all): removed,
  so the next snapshot starts it afresh.

Git writes objects and refs through a temporary file and a rename, so after a process kill
(the page cache survives it) the objects themselves are whole.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sandboxes.errors import HarnessError


@dataclass
class Recovery:
    """What ``recover_snapshots`` changed (recorded in the `resume` event's details)."""

    removed: list[str] = field(default_factory=list)  # stale locks and temporary objects
    rolled_back_from: str | None = None  # HEAD before it was reset to the recorded snapshot
    reinitialised: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"removed": self.removed, "rolled_back_from": self.rolled_back_from,
                "reinitialised": self.reinitialised}


def _stale_files(git_dir: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(git_dir, followlinks=False):
        here = Path(root)
        in_objects = here == git_dir / "objects" or (git_dir / "objects") in here.parents
        for name in files:
            if name.endswith(".lock") or (in_objects and name.startswith(("tmp_obj_",
                                                                           "tmp_pack_",
                                                                           "tmp_idx_"))):
                found.append(here / name)
        dirs.sort()
    return sorted(found)


def _git(git_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Only the git dir is named: nothing here reads the workspace (the agent's files).
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], capture_output=True,
                          text=True, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1"})


def recover_snapshots(git_dir: Path, recorded: str | None) -> Recovery:
    """Clear what a killed git left in ``git_dir`` and reset it to ``recorded``.

    ``recorded`` is the commit of the last ``snapshot`` event (None when there is none).
    Call it only while holding the run folder's lock.
    """
    out = Recovery()
    git_dir = Path(os.path.abspath(git_dir))
    if not git_dir.is_dir():
        return out
    for path in _stale_files(git_dir):
        path.unlink(missing_ok=True)
        out.removed.append(str(path.relative_to(git_dir)))
    if recorded is None:  # nothing of it is referenced by the trajectory
        shutil.rmtree(git_dir)
        out.reinitialised = True
        return out
    if _git(git_dir, "cat-file", "-e", f"{recorded}^{{commit}}").returncode != 0:
        raise HarnessError(f"{git_dir}: the recorded snapshot {recorded[:10]} is missing from "
                           "the repository; the run cannot be resumed from it (fork it from "
                           "an earlier step)")
    head = _git(git_dir, "rev-parse", "-q", "--verify", "HEAD^{commit}").stdout.strip()
    if head != recorded:
        done = _git(git_dir, "update-ref", "HEAD", recorded)
        if done.returncode != 0:
            raise HarnessError(f"{git_dir}: cannot reset HEAD to {recorded[:10]}: "
                               f"{done.stderr.strip()}")
        out.rolled_back_from = head or None
    index = _git(git_dir, "read-tree", recorded)
    if index.returncode != 0:
        raise HarnessError(f"{git_dir}: cannot reset the index to {recorded[:10]}: "
                           f"{index.stderr.strip()}")
    return out
