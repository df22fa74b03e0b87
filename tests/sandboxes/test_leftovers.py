"""What a harness killed with -9 leaves of its gradings is removed by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sandboxes.leftovers import GRADER_FILES_PREFIX, UNNAMED_AFTER_S, sweep_grader_files

ROOT = Path(__file__).resolve().parents[2]


def test_a_killed_harness_copy_goes_a_live_ones_stays(tmp_path: Path) -> None:
    # A harness that dies without its clean-up (os._exit: what kill -9 does to it).
    code = ("import os, tempfile, pathlib; tempfile.tempdir = os.environ['T']; "
            "from sandboxes.leftovers import grader_files_dir; d = grader_files_dir(); "
            "(pathlib.Path(d.name) / 'grader').mkdir(); "
            "(pathlib.Path(d.name) / 'grader' / 'hidden.c').write_text('x'); "
            "print(d.name, flush=True); os._exit(0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={**os.environ, "T": str(tmp_path)}).stdout.strip()
    dead = Path(out)
    assert dead.parent == tmp_path and dead.name.startswith(GRADER_FILES_PREFIX)
    assert (dead / "grader" / "hidden.c").exists()
    live = tmp_path / f"{GRADER_FILES_PREFIX}{os.getpid()}-abc"
    live.mkdir()
    old = tmp_path / f"{GRADER_FILES_PREFIX}k2j4h5"  # an older version's name: no pid
    old.mkdir()
    ago = time.time() - UNNAMED_AFTER_S - 60
    os.utime(old, (ago, ago))
    recent = tmp_path / f"{GRADER_FILES_PREFIX}zz9y8x"
    recent.mkdir()
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep").write_text("k")
    link = tmp_path / f"{GRADER_FILES_PREFIX}999999998-link"  # a dead pid, but a link
    link.symlink_to(target)
    planted = tmp_path / f"{GRADER_FILES_PREFIX}999999999-file"
    planted.write_text("not a folder")

    assert sorted(sweep_grader_files(str(tmp_path))) == sorted([dead.name, old.name])
    assert not dead.exists() and not old.exists()
    assert live.is_dir() and recent.is_dir() and planted.is_file()
    assert link.is_symlink() and (target / "keep").exists()
