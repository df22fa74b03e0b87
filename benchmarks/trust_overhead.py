"""The cost of the trust boundary (issue 10), before and after, side by side in one run.

* read_file / write_file: before = resolve the path on the host (``Path.resolve``), check it
  is inside, then open it by name (the old code, kept here only); after = the sandbox's
  methods (openat2 beneath a descriptor, O_PATH + fstat, in-place or renamed writes, the disk
  limit check).
* per-step snapshot: before = git pointed at the workspace (``git status`` + ``git add -A`` +
  ``git commit``, the old Snapshotter, kept here only); after = the descriptor walk writing
  git objects itself. One file changes per step; also a step that changes nothing; with
  ``git status --porcelain`` on the same tree as a floor.
* exec: DockerSandbox.exec of ``/bin/true`` against a host ``subprocess.run`` (target: within
  4x, as in benchmarks/exec_overhead.py).

    python benchmarks/trust_overhead.py [--files 1000,30000] [--steps 15] [--calls 2000] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import git
from rich.console import Console
from rich.table import Table

from agent.trajectory.snapshots import Snapshotter
from sandboxes import open_sandbox
from sandboxes.base import PathOutsideWorkspace


# -- the old implementations, kept only here for the "before" column -------------------------
def resolve_in_workspace(workspace: Path, path: str, workdir: str = "/workspace") -> Path:
    """The old confinement: symlinks resolved on the host (racy: what fsafe.py replaced)."""
    root = workspace.resolve()
    p = path.strip()
    if p == workdir or p.startswith(workdir.rstrip("/") + "/"):
        p = p[len(workdir):].lstrip("/")
    if os.path.isabs(p):
        raise PathOutsideWorkspace(f"path {path!r} is outside the workspace")
    target = (root / p).resolve()
    if target != root and root not in target.parents:
        raise PathOutsideWorkspace(f"path {path!r} resolves outside the workspace")
    return target


def old_read(workspace: Path, path: str) -> bytes:
    return resolve_in_workspace(workspace, path).read_bytes()


def old_write(workspace: Path, path: str, data: bytes) -> None:
    target = resolve_in_workspace(workspace, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


class OldSnapshotter:
    """The workspace as the work tree of a separate git dir (what issue 10 broke out of)."""

    def __init__(self, git_dir: Path, workspace: Path) -> None:
        if not (git_dir / "HEAD").exists():
            git.Repo.init(git_dir, bare=True)
        self.repo = git.Repo(git_dir)
        self.git = self.repo.git
        self.git.update_environment(
            GIT_DIR=str(git_dir), GIT_WORK_TREE=str(workspace), GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0="safe.directory", GIT_CONFIG_VALUE_0="*",
            GIT_AUTHOR_NAME="u", GIT_AUTHOR_EMAIL="u@l", GIT_COMMITTER_NAME="u",
            GIT_COMMITTER_EMAIL="u@l")

    def head(self) -> str | None:
        try:
            return self.repo.head.commit.hexsha
        except ValueError:
            return None

    def snapshot(self, message: str) -> str | None:
        if self.head() is not None and not self.git.status("--porcelain", "-uall",
                                                           "--ignore-submodules=none"):
            return None
        self.git.add("-A", "--force", ".")
        if self.head() is not None and not self.git.diff("--cached", "--name-only"):
            return None
        self.git.commit("-q", "--allow-empty", "--no-verify", "-m", message)
        return self.head()


# -- measuring ---------------------------------------------------------------------------------
def timed(fn: Callable[[int], object], n: int, warmup: int = 3) -> dict[str, float]:
    for i in range(warmup):
        fn(i)
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"median_ms": statistics.median(samples), "p90_ms": samples[int(0.9 * (n - 1))],
            "n": n}


def file_io(root: Path, calls: int) -> dict[str, dict[str, float]]:
    ws = root / "io"
    data = os.urandom(4096)
    with open_sandbox("local", workspace=ws, outputs_dir=root / "io-out") as sb:
        sb.write_file("src/pkg/mod.py", data)
        return {
            "read_file before": timed(lambda _i: old_read(ws, "src/pkg/mod.py"), calls),
            "read_file after": timed(lambda _i: sb.read_file("src/pkg/mod.py"), calls),
            "write_file before": timed(lambda i: old_write(ws, "src/pkg/w.py", data[: i % 4096]),
                                       calls),
            "write_file after": timed(lambda i: sb.write_file("src/pkg/w.py", data[: i % 4096]),
                                      calls),
        }


def make_tree(ws: Path, files: int) -> None:
    per = 100
    for i in range(files):
        d = ws / f"d{i // (per * per)}" / f"e{(i // per) % per}"
        if i % per == 0:
            d.mkdir(parents=True, exist_ok=True)
        (d / f"f{i}.c").write_text(f"int f{i}(void) {{ return {i}; }}\n")


def snapshots(root: Path, files: int, steps: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for kind, cls in (("before", OldSnapshotter), ("after", Snapshotter)):
        ws = root / f"ws-{kind}-{files}"
        make_tree(ws, files)
        snap = cls(root / f"{kind}-{files}.git", ws)
        t0 = time.perf_counter()
        assert snap.snapshot("initial")
        first = (time.perf_counter() - t0) * 1000
        target = ws / "d0" / "e0" / "f0.c"
        counter = itertools.count(1000)

        def step(_i: int, snap: object = snap, target: Path = target,
                 counter: itertools.count[int] = counter) -> None:
            target.write_text(f"int f0(void) {{ return {next(counter)}; }}\n")
            assert snap.snapshot("step")  # type: ignore[attr-defined]

        out[f"{kind}: one file changed"] = timed(step, steps, warmup=1)
        def unchanged(_i: int, snap: object = snap) -> None:
            snap.snapshot("none")  # type: ignore[attr-defined]

        out[f"{kind}: no change"] = timed(unchanged, steps, warmup=1)
        out[f"{kind}: first snapshot"] = {"median_ms": first, "p90_ms": first, "n": 1}
        if kind == "before":
            env = {**os.environ, "GIT_DIR": str(root / f"before-{files}.git"),
                   "GIT_WORK_TREE": str(ws)}
            def status(_i: int, env: dict[str, str] = env) -> None:
                subprocess.run(["git", "status", "--porcelain"], env=env, capture_output=True,
                               check=True)

            out["floor: git status --porcelain"] = timed(status, steps, warmup=1)
        shutil.rmtree(ws)
    return out


def exec_path(root: Path, calls: int) -> dict[str, dict[str, float]]:
    res = {"host subprocess.run (floor)":
           timed(lambda _i: subprocess.run(["/bin/true"]), calls)}
    with open_sandbox("docker", workspace=root / "exec-ws", outputs_dir=root / "exec-out") as sb:
        res["DockerSandbox.exec"] = timed(lambda _i: sb.exec("/bin/true"), calls)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default="1000,30000")
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--exec-calls", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-trust-"))
    try:
        results: dict[str, dict[str, dict[str, float]]] = {
            "file tools (4 KiB file, local backend)": file_io(root, args.calls)}
        for n in (int(x) for x in args.files.split(",")):
            results[f"snapshot per step, {n:,} files"] = snapshots(root, n, args.steps)
        results["exec fast path"] = exec_path(root, args.exec_calls)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    ex = results["exec fast path"]
    ratio = ex["DockerSandbox.exec"]["median_ms"] / \
        ex["host subprocess.run (floor)"]["median_ms"]
    summary = {"exec_ratio_to_floor": ratio, "exec_target_ratio": 4, "exec_ok": ratio <= 4}
    if args.json:
        print(json.dumps({"results": results, "summary": summary}, indent=2))
        return
    console = Console()
    for title, rows in results.items():
        table = Table(title=title, title_justify="left")
        for col in ("", "median ms", "p90 ms", "n"):
            table.add_column(col, justify="left" if not col else "right")
        for name, r in rows.items():
            table.add_row(name, f"{r['median_ms']:.3f}", f"{r['p90_ms']:.3f}", str(r["n"]))
        console.print(table)
    console.print(f"exec fast path vs host floor: {ratio:.2f}x (target <= 4x) -> "
                  + ("[green]met[/green]" if summary["exec_ok"] else "[red]missed[/red]"))


if __name__ == "__main__":
    main()
