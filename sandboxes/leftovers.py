"""What a harness killed with -9 leaves on this host besides containers (``reaper.py``), and
how to tell a leftover from a live harness's file."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time


def pid_alive(pid: int) -> bool:
    """Whether a process of this host has this pid (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: Grader-file copies in the temporary folder: ``<prefix><pid>-<random>``, one per grading.
GRADER_FILES_PREFIX = "ultrarun-grader-files-"
#: A copy named without a pid (older versions) is a leftover once it is this old.
UNNAMED_AFTER_S = 86400.0


def grader_files_dir() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for one grading's copy of the grader's files, named for this
    process so that ``sweep_grader_files`` can tell a killed harness's leftover."""
    return tempfile.TemporaryDirectory(prefix=f"{GRADER_FILES_PREFIX}{os.getpid()}-")


def sweep_grader_files(folder: str | None = None) -> list[str]:
    """Remove the grader-file copies of this user's harnesses that died (a kill -9 skips
    their clean-up); return their names. Only real folders owned by this user are touched."""
    folder = folder or tempfile.gettempdir()
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(GRADER_FILES_PREFIX):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            continue
        pid, named, _ = entry.name[len(GRADER_FILES_PREFIX):].partition("-")
        if named and pid.isdigit():
            if pid_alive(int(pid)):
                continue
        elif time.time() - st.st_mtime < UNNAMED_AFTER_S:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)  # fd-based: never follows a link
        removed.append(entry.name)
    return removed
