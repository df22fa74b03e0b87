"""Bringing `snapshots.git` back to the last recorded snapshot after a whole-group kill.

A terminal closed, `systemctl stop` or an OOM kill of the job takes the harness down together
with its children, in the middle of whatever it was writing. What that can leave in the run's
repository, and what happens to it here:

- temporary files: objects being written (``objects/**/tmp_obj_*``), a branch being moved
  (``refs/**/.<name>.<random>.tmp``), git's own lock files (``*.lock``: ``index.lock``,
  ``HEAD.lock``, ``refs/heads/<branch>.lock``, left by a git process killed mid-write, which
  block every later git write): removed. The caller holds the run folder's lock, so nothing
  else can be writing this repository;
- a snapshot half-written (objects stored, branch not moved) or written but never recorded
  (its ``snapshot`` event, which marks the step complete, did not reach events.jsonl): rolled
  back, the branch is set to the last *recorded* snapshot, which the trajectory refers to and
  resume restores the workspace from (the step is then re-run);
- a repository whose very first snapshot was cut short (none recorded): removed, so the next
  snapshot starts it afresh.

Objects and refs are written through a temporary file and a rename, so after a process kill
(the page cache survives it) every object the repository names is whole.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from agent.trajectory.gitsafe import GitError, git
from sandboxes.errors import HarnessError


@dataclass
class Recovery:
    """What ``recover_snapshots`` changed (recorded in the `resume` event's details)."""

    removed: list[str] = field(default_factory=list)  # stale temporary and lock files
    rolled_back_from: str | None = None  # the branch's commit before it was reset
    reinitialised: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"removed": self.removed, "rolled_back_from": self.rolled_back_from,
                "reinitialised": self.reinitialised}


def _stale(name: str, in_objects: bool) -> bool:
    if name.endswith(".lock") or (name.startswith(".") and name.endswith(".tmp")):
        return True
    return in_objects and name.startswith(("tmp_obj_", "tmp_pack_", "tmp_idx_"))


def _stale_files(git_dir: Path) -> list[Path]:
    objects = git_dir / "objects"
    found: list[Path] = []
    for root, dirs, files in os.walk(git_dir, followlinks=False):
        here = Path(root)
        in_objects = here == objects or objects in here.parents
        found += [here / n for n in files if _stale(n, in_objects)]
        dirs.sort()
    return sorted(found)


def recover_snapshots(git_dir: Path, recorded: str | None) -> Recovery:
    """Clear what a killed writer left in ``git_dir`` and reset its branch to ``recorded``.

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
    try:
        git(git_dir, "cat-file", "-e", f"{recorded}^{{commit}}")
    except GitError:
        raise HarnessError(f"{git_dir}: the recorded snapshot {recorded[:10]} is missing from "
                           "the repository; the run cannot be resumed from it (fork it from "
                           "an earlier step)") from None
    try:
        head = git(git_dir, "rev-parse", "-q", "--verify", "HEAD^{commit}").decode().strip()
    except GitError:
        head = ""  # an empty or missing branch file
    if head != recorded:
        git(git_dir, "update-ref", "HEAD", recorded)
        out.rolled_back_from = head or None
    return out
