"""Per-step snapshot time as the workspace grows (issue 14), side by side in one run.

For each size (files spread 25 to a folder, folders 40 to a parent, like a source tree):

* ``git status --porcelain`` on the same tree (its own index, warmed): the floor;
* main's snapshotter (a full stat walk in Python every step), loaded from ``git show
  main:agent/trajectory/snapshots.py`` when the branch exists;
* this branch's snapshotter as a run uses it (inotify names the changed folders);
* this branch with no watcher (``watch=False``: the full stat walk every step, which is what
  runs when inotify is unavailable, lost events, or as the periodic check).

Each: the first snapshot, a step that changed nothing, and a step that rewrote one file (a
different file every step, the snapshot taken right after the write). Medians.

    python benchmarks/snapshot_scaling.py [--files 100,5000,30000,100000] [--steps 9] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.trajectory.snapshots import Snapshotter  # noqa: E402

PER_DIR, DIRS_PER_PARENT = 25, 40


def make_tree(root: Path, n: int) -> list[Path]:
    files = []
    for i in range(n):
        d = root / f"p{i // (PER_DIR * DIRS_PER_PARENT)}" / f"d{i // PER_DIR}"
        if i % PER_DIR == 0:
            d.mkdir(parents=True)
        f = d / f"f{i}.c"
        f.write_text(f"int v{i} = {i};\n" + "/* filler */\n" * 20)
        files.append(f)
    return files


def main_snapshotter() -> ModuleType | None:
    """main's snapshots.py as a module of its own, or None when main is not reachable."""
    try:
        src = subprocess.run(["git", "-C", str(ROOT), "show", "main:agent/trajectory/snapshots.py"],
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="snapmain-")) / "main_snapshots.py"
    path.write_bytes(src)
    spec = importlib.util.spec_from_file_location("main_snapshots", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["main_snapshots"] = mod
    try:
        spec.loader.exec_module(mod)
    except ImportError:
        return None
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return mod


def ms(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


class GitStatus:
    """The floor: ``git status --porcelain`` with the tree as work tree of a separate git dir."""

    def __init__(self, git_dir: Path, ws: Path) -> None:
        self.env = {**os.environ, "GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(ws),
                    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"}
        self.ws = ws
        self._git("init", "-q")
        self._git("add", "-A")
        self._git("-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "base")

    def _git(self, *args: str) -> bytes:
        return subprocess.run(["git", *args], cwd=self.ws, env=self.env, capture_output=True,
                              check=True).stdout

    def snapshot(self, _message: str) -> bytes:
        return self._git("status", "--porcelain")


def measure(make: Callable[[], Any], files: list[Path], steps: int) -> dict[str, float]:
    t = time.perf_counter()
    snap = make()
    snap.snapshot("first")
    first = time.perf_counter() - t
    time.sleep(0.15)  # past the racy window, as between two real steps
    snap.snapshot("settle")
    snap.snapshot("settle")
    same = [ms(lambda: snap.snapshot("same")) for _ in range(steps)]
    change = []
    for i in range(steps):
        f = files[(i * 7919) % len(files)]
        f.write_text(f.read_text() + f"// step {i}\n")
        change.append(ms(lambda: snap.snapshot("one")))
    if hasattr(snap, "close"):
        snap.close()
    return {"first_s": round(first, 3), "unchanged_ms": round(statistics.median(same), 2),
            "one_file_ms": round(statistics.median(change), 2)}


def run(sizes: list[int], steps: int) -> list[dict[str, Any]]:
    old = main_snapshotter()
    rows = []
    for n in sizes:
        base = Path(tempfile.mkdtemp(prefix="snapscale-"))
        try:
            ws = base / "ws"
            files = make_tree(ws, n)
            row: dict[str, Any] = {"files": n}
            row["git_status"] = measure(partial(GitStatus, base / "status.git", ws), files, steps)
            if old is not None:
                row["main"] = measure(partial(old.Snapshotter, base / "main.git", ws), files,
                                      steps)
            row["watch"] = measure(partial(Snapshotter, base / "watch.git", ws), files, steps)
            row["full_walk"] = measure(partial(Snapshotter, base / "walk.git", ws, watch=False),
                                       files, steps)
            rows.append(row)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return rows


NAMES = {"git_status": "git status --porcelain (floor)", "main": "main (stat walk)",
         "watch": "this branch (inotify hint)", "full_walk": "this branch, no watcher"}


def show(rows: list[dict[str, Any]], stderr: bool = False) -> None:
    t = Table(title="per-step snapshot (medians)")
    for col in ("files", "approach", "unchanged", "one file changed", "vs floor", "first"):
        t.add_column(col, justify="left" if col == "approach" else "right")
    for r in rows:
        floor = r["git_status"]
        for k, name in NAMES.items():
            m = r.get(k)
            if m is None:
                t.add_row(f"{r['files']:,}", name, "n/a", "n/a", "", "")
                continue
            ratio = "" if k == "git_status" else (
                f"{m['unchanged_ms'] / floor['unchanged_ms']:.2f}x / "
                f"{m['one_file_ms'] / floor['one_file_ms']:.2f}x")
            t.add_row(f"{r['files']:,}" if k == "git_status" else "", name,
                      f"{m['unchanged_ms']:.1f} ms", f"{m['one_file_ms']:.1f} ms", ratio,
                      f"{m['first_s']:.2f} s")
        t.add_section()
    Console(width=110, stderr=stderr).print(t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default="100,5000,30000,100000")
    ap.add_argument("--steps", type=int, default=9)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = run([int(x) for x in args.files.split(",")], args.steps)
    if args.json:  # the table goes to stderr: one run gives both
        show(rows, stderr=True)
        print(json.dumps({"load_average": os.getloadavg(), "rows": rows}, indent=2))
    else:
        show(rows)
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
