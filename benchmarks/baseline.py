"""The code to compare against, run side by side with this checkout's in one benchmark run.

``checkout(ref)`` makes a temporary ``git worktree`` of ``ref`` (main's commit by default) and
removes it afterwards; ``run_worker(tree, code, arg)`` runs a snippet of Python with that
tree's packages first on the path (the same interpreter, so the same dependencies) and returns
the JSON the snippet prints as its last line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def checkout(ref: str) -> Iterator[Path | None]:
    """A worktree of ``ref`` (None when it cannot be made: the table then says n/a)."""
    where = Path(tempfile.mkdtemp(prefix="ultrarun-baseline-")) / "tree"
    made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                           str(where), ref], capture_output=True)
    if made.returncode != 0:
        print(f"no baseline: git worktree add {ref} failed: {made.stderr.decode()[-300:]}",
              file=sys.stderr)
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)],
                       capture_output=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True)


def run_worker(tree: Path, code: str, arg: Any, timeout: float = 3600) -> Any:
    """Run ``code`` (which reads ``ARG``, a JSON value, and prints a JSON line last) with
    ``tree``'s packages imported first."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    script = (f"from __future__ import annotations\nimport json, sys\n"
              f"ARG = json.loads({json.dumps(json.dumps(arg))})\n{code}")
    out = subprocess.run([sys.executable, "-c", script], cwd=tree, env=env, capture_output=True,
                         text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"baseline worker failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
