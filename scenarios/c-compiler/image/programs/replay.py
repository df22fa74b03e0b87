"""Replaying a tier-5 recipe with a candidate compiler (python3 stdlib only): salting the
sources, running the steps, checking that the objects and programs were compiled from the
salted sources (salt.py).

``Run`` runs a command in the build's cell (the grader's jail, or a plain folder); ``Sealed``
runs a program the candidate built, as the grader runs built programs (see suite.py).
"""

from __future__ import annotations

import concurrent.futures
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recipes import Step
from salt import (
    ENTRY,
    SaltFunction,
    comment,
    expected_output,
    salt_function,
    wrong_results,
)

BUILD_TIMEOUT = 900.0  # seconds for one candidate compile step (sqlite3.c is 8 MB)
LINK_TIMEOUT = 120.0
CHECK_TIMEOUT = 60.0
CHECKER = "ultrarun-saltcheck"

Run = Callable[[list[str], Path, float], Any]  # (cmd, cwd, timeout) -> a RunResult-like
Sealed = Callable[[str, float], Any]  # (path of a built program, timeout) -> a RunResult-like


@dataclass
class Build:
    ok: bool
    reason: str = ""
    steps: list[dict[str, Any]] = field(default_factory=list)  # what each step did
    seconds: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)
    step_failed: bool = False  # the last of ``steps`` is why (else a check after the build)


def source_of(root: Path, s: Step) -> str:
    """The path of a compile step's C file, relative to the project root."""
    return str((root / s.cwd / s.source).resolve().relative_to(root.resolve()))


def apply_salt(root: Path, steps: list[Step], seed: str) -> dict[str, SaltFunction]:
    """Append each C file's salt function (``seed``: this grading's) to it: {file: salt}."""
    salts: dict[str, SaltFunction] = {}
    for s in steps:
        if s.kind != "cc":
            continue
        rel = source_of(root, s)
        if rel in salts:
            continue
        salts[rel] = salt_function(seed, rel)
        with open(root / rel, "a", encoding="utf-8") as fh:
            fh.write(salts[rel].source)
    return salts


def build(root: Path, steps: list[Step], compiler: str, run: Run, jobs: int,
          deadline: float | None = None) -> Build:
    """Replay a recipe with ``compiler`` in ``root``; stop at the first failing step."""
    t0 = time.monotonic()
    log: list[dict[str, Any]] = []
    real_root = str(root.resolve())

    def do(s: Step) -> tuple[Step, Any]:
        cwd = root / s.cwd
        args = [a.replace("@ROOT@", real_root) for a in s.args]
        left = BUILD_TIMEOUT if deadline is None else max(1.0, deadline - time.monotonic())
        if s.kind == "cc":
            cmd = [compiler, "-c", *args, s.source, "-o", s.output]
            return s, run(cmd, cwd, min(BUILD_TIMEOUT, left))
        if s.kind == "ar":
            return s, run(["ar", "rcs", s.output, *args], cwd, min(LINK_TIMEOUT, left))
        return s, run([compiler, *args, "-o", s.output], cwd, min(LINK_TIMEOUT, left))

    def check(s: Step, r: Any) -> str | None:
        log.append({"kind": s.kind, "cwd": s.cwd, "output": s.output, "source": s.source,
                    "rc": r.returncode, "seconds": round(r.duration, 2),
                    "stderr": r.stderr[-600:].decode("utf-8", "replace")})
        if r.start_error:
            return f"{s.kind} {s.source or s.output}: could not start: {r.start_error}"
        if r.timed_out:
            return f"{s.kind} {s.source or s.output}: timed out"
        if r.returncode != 0:
            return f"{s.kind} {s.source or s.output}: exit {r.returncode}"
        out = root / s.cwd / s.output
        if out.is_symlink() or not out.is_file():
            return f"{s.kind} {s.source or s.output}: no {s.output} written"
        return None

    i = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        while i < len(steps):
            batch = [steps[i]]
            if steps[i].kind == "cc":  # consecutive compiles are independent
                while i + len(batch) < len(steps) and steps[i + len(batch)].kind == "cc":
                    batch.append(steps[i + len(batch)])
            i += len(batch)
            for s, r in pool.map(do, batch):
                problem = check(s, r)
                if problem:
                    return Build(False, problem, log, time.monotonic() - t0, step_failed=True)
    return Build(True, "", log, time.monotonic() - t0)


def objects(root: Path, steps: list[Step]) -> dict[str, str]:
    """{object (relative to the root): the C file it was compiled from}."""
    return {os.path.normpath(os.path.join(s.cwd, s.output)): source_of(root, s)
            for s in steps if s.kind == "cc"}


def check_salt(check_dir: Path, names: list[str], functions: list[SaltFunction], run: Run,
               sealed: Sealed, salt_of: dict[str, SaltFunction]) -> str | None:
    """Why the build was not made from the salted sources (None: it was).

    ``check_dir`` holds copies of the objects (``names``, in the order of ``functions``, the
    salt of each) and ``check.s`` (salt.checker_asm): the checker is assembled and linked
    with them (``ld``; unresolved symbols, which the salt functions never use, are ignored),
    run sealed, and must print what the grader computed (``salt_of``: the salt of each object
    by its path from the root, to name the wrong ones)."""
    r = run(["as", "-o", "check.o", "check.s"], check_dir, CHECK_TIMEOUT)
    if r.returncode != 0:
        return f"the salt check could not be assembled: {r.stderr[-300:]!r}"
    r = run(["ld", "-static", "-e", ENTRY, "-o", f"../{CHECKER}", "check.o", *names,
             "--unresolved-symbols=ignore-all", "-z", "muldefs"], check_dir, CHECK_TIMEOUT)
    if r.returncode != 0:
        return ("the objects could not be linked with the grader's salt check: "
                + r.stderr[-400:].decode("utf-8", "replace"))
    r = sealed(CHECKER, CHECK_TIMEOUT)
    if r.returncode != 0 or r.stdout != expected_output(functions):
        wrong = set(wrong_results(functions, r.stdout))
        files = [obj for obj, f in salt_of.items() if f.name in wrong]
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5
                                        else "")
        return (f"the objects ({shown or 'all'}) do not compute what the salt appended to "
                f"their sources computes (checker exit {r.returncode}): they were not "
                "compiled from the salted sources")
    return None


def gcc_marked(read: Callable[[str], bytes], steps: list[Step], root: Path) -> list[str]:
    """Objects whose ``.comment`` names GCC (reported, not refused: see the README)."""
    out = []
    for obj in objects(root, steps):
        try:
            if "GCC:" in comment(read(obj)):
                out.append(obj)
        except (OSError, RuntimeError):
            continue
    return out
