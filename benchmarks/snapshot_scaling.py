"""Per-step snapshot time as the workspace grows (issues 14, 20), side by side in one run.

For each size (files spread 25 to a folder, folders 40 to a parent, like a source tree):

* ``git status --porcelain`` on the same tree (its own index, warmed): the floor;
* the baseline's snapshotter (``--baseline REF``, main by default), run from a temporary
  ``git worktree`` of that commit in a process of its own, on the same tree;
* this checkout's snapshotter as a run uses it (inotify names the changed folders);
* this checkout with no watcher (``watch=False``: the full stat walk every step, which is what
  runs when inotify is unavailable, lost events, or as the periodic check).

Each: the first snapshot, a step that changed nothing, and a step that rewrote one file (a
different file every step, the snapshot taken right after the write). Medians.

Then (``--procs``, needs Docker) the cost of looking for files mapped shared and writable
(issue 20): a container with N extra processes and a workspace of ``--mmap-files`` files; the
maps scan alone, and a one-file step with and without it.

    python benchmarks/snapshot_scaling.py [--files 100,5000,30000,100000] [--steps 9]
        [--procs 10,1000] [--mmap-files 30000] [--baseline main] [--json]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.trajectory.snapshots import Snapshotter  # noqa: E402
from benchmarks.baseline import checkout, run_worker  # noqa: E402

PER_DIR, DIRS_PER_PARENT = 25, 40


def tree_paths(root: Path, n: int) -> list[Path]:
    return [root / f"p{i // (PER_DIR * DIRS_PER_PARENT)}" / f"d{i // PER_DIR}" / f"f{i}.c"
            for i in range(n)]


def make_tree(root: Path, n: int) -> list[Path]:
    files = tree_paths(root, n)
    for i, f in enumerate(files):
        if i % PER_DIR == 0:
            f.parent.mkdir(parents=True)
        f.write_text(f"int v{i} = {i};\n" + "/* filler */\n" * 20)
    return files


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


# Run with the baseline's packages first on the path: its Snapshotter on the same tree.
WORKER = (f"import statistics, time\nfrom pathlib import Path\n"
          f"from agent.trajectory.snapshots import Snapshotter\nPER_DIR, DIRS_PER_PARENT = "
          f"{PER_DIR}, {DIRS_PER_PARENT}\n" + inspect.getsource(tree_paths)
          + inspect.getsource(ms) + inspect.getsource(measure) + """
ws, n, steps, git = Path(ARG["ws"]), ARG["n"], ARG["steps"], Path(ARG["git"])
print(json.dumps(measure(lambda: Snapshotter(git, ws), tree_paths(ws, n), steps)))
""")


def run(sizes: list[int], steps: int, baseline: Path | None) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        base = Path(tempfile.mkdtemp(prefix="snapscale-"))
        try:
            ws = base / "ws"
            files = make_tree(ws, n)
            row: dict[str, Any] = {"files": n}
            row["git_status"] = measure(partial(GitStatus, base / "status.git", ws), files, steps)
            if baseline is not None:
                row["main"] = run_worker(baseline, WORKER, {
                    "ws": str(ws), "n": n, "steps": steps, "git": str(base / "main.git")})
            row["watch"] = measure(partial(Snapshotter, base / "watch.git", ws), files, steps)
            row["full_walk"] = measure(partial(Snapshotter, base / "walk.git", ws, watch=False),
                                       files, steps)
            rows.append(row)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return rows


NAMES = {"git_status": "git status --porcelain (floor)", "main": "baseline (main)",
         "watch": "this checkout (inotify hint)", "full_walk": "this checkout, no watcher"}


def run_mmap(procs: list[int], n: int, steps: int) -> list[dict[str, Any]]:
    """The maps scan's cost per step in a container with ``procs`` extra processes."""
    from sandboxes import open_sandbox

    rows = []
    for k in procs:
        base = Path(tempfile.mkdtemp(prefix="snapmmap-"))
        try:
            ws = base / "ws"
            files = make_tree(ws, n)
            with open_sandbox("docker", workspace=ws, pids=max(512, 2 * k + 256),
                              memory="4g") as sb:
                sb.exec(f"for i in $(seq {k}); do sleep 3600 & done", timeout=600)
                scan = [ms(sb.mapped_files) for _ in range(max(steps, 9))]  # type: ignore[attr-defined]
                found = sb.mapped_files()  # type: ignore[attr-defined]
                row: dict[str, Any] = {
                    "procs": k, "files": n, "processes_seen": found.processes,
                    "scan_ms": round(statistics.median(scan), 2),
                    "without": measure(partial(Snapshotter, base / "a.git", ws), files, steps),
                    "with": measure(partial(Snapshotter, base / "b.git", ws,
                                            mapped=sb.mapped_files),  # type: ignore[attr-defined]
                                    files, steps)}
            rows.append(row)
        finally:
            shutil.rmtree(base, ignore_errors=True)
    return rows


def show_mmap(rows: list[dict[str, Any]], stderr: bool = False) -> None:
    t = Table(title="files mapped shared and writable: the maps scan per step (medians)")
    for col in ("extra processes", "processes read", "files", "maps scan",
                "one-file step without", "with", "unchanged step without", "with "):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(f"{r['procs']:,}", f"{r['processes_seen']:,}", f"{r['files']:,}",
                  f"{r['scan_ms']:.1f} ms", f"{r['without']['one_file_ms']:.1f} ms",
                  f"{r['with']['one_file_ms']:.1f} ms", f"{r['without']['unchanged_ms']:.1f} ms",
                  f"{r['with']['unchanged_ms']:.1f} ms")
    Console(width=120, stderr=stderr).print(t)


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
    ap.add_argument("--procs", default="10,1000", help="extra processes ('' to skip)")
    ap.add_argument("--mmap-files", type=int, default=30000)
    ap.add_argument("--baseline", default="main", help="git ref to compare with ('' to skip)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with checkout(args.baseline) if args.baseline else _none() as tree:
        rows = run([int(x) for x in args.files.split(",") if x], args.steps, tree)
    mmap = run_mmap([int(x) for x in args.procs.split(",") if x], args.mmap_files, args.steps)
    if args.json:  # the tables go to stderr: one run gives both
        show(rows, stderr=True)
        show_mmap(mmap, stderr=True)
        print(json.dumps({"load_average": os.getloadavg(), "rows": rows, "mmap": mmap},
                         indent=2))
    else:
        show(rows)
        show_mmap(mmap)
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


@contextmanager
def _none() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
