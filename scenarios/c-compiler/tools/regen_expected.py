#!/usr/bin/env python3
"""Regenerate (or ``--check``) the expected results of the c-compiler tests, tiers 2-4.

Usage: regen_expected.py [--check] [--also CC ...] [--jobs N] [DIR ...]

Each test is built the way the grader builds it (see image/programs/suite.py) with gcc in
several ways — ``-O0``, ``-O2``, and ``-O0 -fsanitize=undefined,address`` — and run. The
expected result (exit code and stdout, from ``-O0``) is only accepted when every build gives
the same result and the sanitizers report nothing: an expected output must not depend on
unspecified or undefined behaviour (evaluation order, uninitialised memory, overflow...).
``--also tcc`` adds another compiler that must agree too (useful while writing tests).
With ``--check`` nothing is written: stale or missing files and disagreements are listed and
the exit status is 1. Tier 1 is the toy-c-compiler suite: see that scenario's own tool.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.dont_write_bytecode = True
SCENARIO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCENARIO / "image" / "programs"))

from programs import simple_run  # noqa: E402
from suite import build_steps, expected_of, list_suite, sources_of  # noqa: E402

TIERS = ("t2", "t3", "t4")
DEFAULT_DIRS = [SCENARIO / "grader" / "tests", SCENARIO / "workspace" / "tests"]
VARIANTS = {
    "O0": ["-O0"],
    "O2": ["-O2"],
    "sanitize": ["-O0", "-fsanitize=undefined,address", "-fno-sanitize-recover=all", "-g"],
}
SAN_ENV = {**os.environ, "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0",
           "UBSAN_OPTIONS": "print_stacktrace=1"}


def run_variant(path: Path, expected: dict, cc: list[str], env: dict | None
                ) -> tuple[dict | None, str]:
    """Build ``path`` with ``cc`` (a command prefix) and run it: (result, problem)."""
    with tempfile.TemporaryDirectory(prefix="ccregen-") as tmp_name:
        tmp = Path(tmp_name)
        if path.is_file():
            shutil.copyfile(path, tmp / path.name)
        else:
            shutil.copytree(path, tmp, dirs_exist_ok=True)
        for cmd in build_steps(expected, sources_of(path), "@CC@"):
            cmd = [*cc, "-w", *cmd[1:]] if cmd[0] in ("@CC@", "gcc") else cmd
            r = simple_run(cmd, tmp, 120, env=env)
            if r.returncode != 0:
                return None, f"`{' '.join(cmd)}` failed: {r.stderr.decode(errors='replace')[-800:]}"
        r = simple_run(["./t"], tmp, 20, env=env)
        if r.timed_out:
            return None, "timed out"
        if r.returncode is None or (r.returncode < 0 and r.returncode != -6):
            return None, f"crashed ({r.returncode})"  # only abort() (-6) is a valid ending
        err = r.stderr.decode(errors="replace")
        if "runtime error:" in err or "Sanitizer" in err:
            return None, f"sanitizer report: {err[-800:]}"
        try:
            return {"exit_code": r.returncode, "stdout": r.stdout.decode("utf-8")}, ""
        except UnicodeDecodeError:
            return None, "stdout is not UTF-8"


def process(path: Path, check: bool, also: list[str]) -> str | None:
    """None, or what is wrong with this test."""
    try:
        expected = expected_of(path)
    except (OSError, ValueError) as exc:
        return f"{path}: no readable expected file: {exc}"
    results = {}
    for name, flags in VARIANTS.items():
        res, problem = run_variant(path, expected, ["gcc", *flags],
                                   SAN_ENV if name == "sanitize" else None)
        if res is None:
            return f"{path}: gcc {name}: {problem}"
        results[name] = res
    for cc in also:
        res, problem = run_variant(path, expected, [cc], None)
        results[cc] = res if res is not None else {"problem": problem}
    base = results["O0"]
    differ = {k: v for k, v in results.items() if v != base}
    if differ:
        return f"{path}: builds disagree (unspecified or undefined behaviour?): O0={base} " + \
            "; ".join(f"{k}={v}" for k, v in differ.items())
    new = {**{k: v for k, v in expected.items() if k == "build"}, **base}
    if check:
        if {k: expected.get(k) for k in base} != base:
            return f"{path}: stale expected file (gcc gives {base})"
        return None
    target = path.parent / f"{path.stem}.expected.json"
    text = json.dumps(new, indent=1, sort_keys=True) + "\n"
    if target.read_text() != text:
        target.write_text(text)
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--also", action="append", default=[], help="another compiler to agree")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--tiers", default=",".join(TIERS))
    ap.add_argument("dirs", nargs="*", type=Path, default=DEFAULT_DIRS)
    args = ap.parse_args()
    tiers = tuple(t for t in args.tiers.split(",") if t)
    work = [path for d in args.dirs for _, _, _, path in list_suite(d, tiers)]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        problems = [p for p in pool.map(lambda w: process(w, args.check, args.also), work) if p]
    for d in args.dirs:
        for tier in tiers:
            for src in sorted((d / tier).glob("*/*.c")):
                if not (src.parent / f"{src.stem}.expected.json").is_file():
                    problems.append(f"{src}: no expected file")
    for p in problems:
        print(p)
    print(f"{len(work)} tests, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
