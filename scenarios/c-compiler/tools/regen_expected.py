#!/usr/bin/env python3
"""Regenerate (or ``--check``) the expected results of the c-compiler tests, tiers 2-4.

Usage: regen_expected.py [--check] [--ways W,W] [--also CC ...] [--jobs N] [DIR ...]

Each test is built the way the grader builds it (see image/programs/suite.py) in several
ways — gcc ``-O0``, ``-O2``, ``-O0 -fsanitize=undefined,address``, and Debian's ``tcc``, an
independent compiler that defines no ``__GNUC__`` — and run. The expected result (exit code
and stdout, from gcc ``-O0``) is only accepted when every build gives the same result and the
sanitizers report nothing: an expected output must not depend on unspecified or undefined
behaviour (evaluation order, uninitialised memory, overflow...) or on GNU C. tcc's own gaps
(``TCC_LIMITS``) are not reported. Every source is also read for undefined uses the builds
may not expose (``lint``: ``setjmp`` outside the contexts C11 7.13.1.1 allows).
``--also CC`` adds another compiler that must agree too (clang, while writing tests).
With ``--check`` nothing is written: stale or missing files and disagreements are listed and
the exit status is 1. Tier 1 is the toy-c-compiler suite: see that scenario's own tool.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
VARIANTS = {  # the first is stored
    "O0": ["gcc", "-O0"],
    "O2": ["gcc", "-O2"],
    "sanitize": ["gcc", "-O0", "-fsanitize=undefined,address", "-fno-sanitize-recover=all",
                 "-g"],
    "tcc": ["tcc"],
}
# What tcc 0.9.27 cannot do (its gaps, not the tests'): these disagreements are expected.
TCC_LIMITS = {
    "t2/12-multi-file/asm_output": "tcc has no -S",
    "t3/03-conditionals/if_long_arith": "tcc evaluates #if in 32 bits, not intmax_t",
}
# setjmp may be called only as the whole controlling expression of if/switch/while/for (maybe
# compared with an integer constant, or negated), or as a whole expression statement.
SETJMP_CALL = re.compile(r"\b(?:_|sig)?setjmp\s*\(")
SETJMP_OK = re.compile(
    r"^\s*(?:(?:\}\s*)?(?:else\s+)?(?:if|while|switch)\s*\(\s*!?\s*(?:_|sig)?setjmp\s*\("
    r"[^;]*\)\s*(?:(?:==|!=|<=|>=|<|>)\s*-?\w+\s*)?\)"
    r"|(?:\(void\)\s*)?(?:_|sig)?setjmp\s*\([^;]*\)\s*;)")


def lint(path: Path) -> list[str]:
    """Undefined uses of the C library a build may not expose, in a test's sources."""
    problems = []
    files = [path] if path.is_file() else sorted(path.glob("*.c")) + sorted(path.glob("*.h"))
    for f in files:
        for n, line in enumerate(f.read_text().splitlines(), 1):
            if SETJMP_CALL.search(line) and not line.lstrip().startswith(("#", "/*", "*")) \
                    and "setjmp.h" not in line and not SETJMP_OK.match(line):
                problems.append(f"{f}:{n}: setjmp used where C11 7.13.1.1 leaves it undefined "
                                f"(use `if (setjmp(b) == 0)`, `switch (setjmp(b))`, or a whole "
                                f"statement): {line.strip()}")
    return problems
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


def test_id(path: Path) -> str:
    """``tier/stage/name`` of a test (its .c file or its folder)."""
    return f"{path.parent.parent.name}/{path.parent.name}/{path.stem}"


def process(path: Path, check: bool, ways: list[str], also: list[str]) -> str | None:
    """None, or what is wrong with this test."""
    try:
        expected = expected_of(path)
    except (OSError, ValueError) as exc:
        return f"{path}: no readable expected file: {exc}"
    problems = lint(path)
    if problems:
        return "; ".join(problems)
    results = {}
    for name in ways:
        res, problem = run_variant(path, expected, VARIANTS[name],
                                   SAN_ENV if name == "sanitize" else None)
        if name == "tcc" and test_id(path) in TCC_LIMITS:
            continue
        if res is None:
            return f"{path}: {name}: {problem}"
        results[name] = res
    for cc in also:
        res, problem = run_variant(path, expected, [cc], None)
        results[cc] = res if res is not None else {"problem": problem}
    base = results[ways[0]]
    differ = {k: v for k, v in results.items() if v != base}
    if differ:
        return (f"{path}: builds disagree (unspecified or undefined behaviour?): "
                f"{ways[0]}={base} " + "; ".join(f"{k}={v}" for k, v in differ.items()))
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
    ap.add_argument("--ways", default=",".join(VARIANTS),
                    help=f"builds to compare, the first is stored (default: {','.join(VARIANTS)})")
    ap.add_argument("--also", action="append", default=[], help="another compiler to agree")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--tiers", default=",".join(TIERS))
    ap.add_argument("dirs", nargs="*", type=Path, default=DEFAULT_DIRS)
    args = ap.parse_args()
    ways = [w.strip() for w in args.ways.split(",") if w.strip()]
    if not ways or set(ways) - set(VARIANTS):
        print(f"--ways: choose among {', '.join(VARIANTS)}", file=sys.stderr)
        return 2
    missing = sorted({VARIANTS[w][0] for w in ways} - {c for c in ("gcc", "tcc")
                                                        if shutil.which(c)})
    if missing:
        print(f"regen_expected: {', '.join(missing)} not found: install it (Debian: apt-get "
              f"install {' '.join(missing)}), or leave its ways out with --ways",
              file=sys.stderr)
        return 2
    tiers = tuple(t for t in args.tiers.split(",") if t)
    work = [path for d in args.dirs for _, _, _, path in list_suite(d, tiers)]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        problems = [p for p in pool.map(lambda w: process(w, args.check, ways, args.also), work)
                    if p]
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
