#!/usr/bin/env python3
"""Regenerate ``*.expected.json`` for the hidden and visible toy-c-compiler tests.

Usage: regen_expected.py [--check] [--ways W,W] [--jobs N] [DIR ...]
(with the project's Python, e.g. ``.venv/bin/python``: the reference compiler is rendered from
its staged source through ``ultrarun.policy``)

Each valid program (the twins of invalid ones included, ``<stage>/twins/*.c``)
is built and run several ways, and every way must agree: gcc -O0 (whose result
is stored), gcc -O2, gcc with ``-fsanitize=undefined,address``, Debian's tcc (an
independent compiler that defines no ``__GNUC__``), and the reference compiler
with its three evaluation orders (default; operands and call arguments left to
right; both right to left).  A program whose output depends on
what C leaves unspecified or undefined (which operand or argument is evaluated
first, overflow, reading out of bounds...) is reported.  Programs of a
``*-invalid`` stage must be rejected by gcc and get ``{"reject": true}``; each
needs a twin.  With ``--check`` nothing is written: stale or missing expected
files are listed too.  The exit status is 1 when anything is reported.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.dont_write_bytecode = True  # keep the tree free of __pycache__
SCENARIO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCENARIO / "grader"))
REFERENCE = tempfile.mkdtemp(prefix="toyc-reference-")  # the last stage, rendered
atexit.register(shutil.rmtree, REFERENCE, True)
sys.path.insert(0, REFERENCE)

from ultrarun.policy import write_stage  # noqa: E402

write_stage(SCENARIO / "reference" / "staged", Path(REFERENCE))

from runner import (  # noqa: E402
    build_and_run,
    expected_path,
    gcc_command,
    is_invalid_stage,
    list_stages,
    twin_path,
)
from toyc.driver import compile_to_asm  # noqa: E402
from toyc.lexer import CompileError  # noqa: E402

DEFAULT_DIRS = [SCENARIO / "grader" / "tests", SCENARIO / "workspace" / "tests"]
SANITIZE = ("-fsanitize=undefined,address", "-fno-sanitize-recover=all", "-g")
SANITIZER_ENV = {**os.environ, "ASAN_OPTIONS": "detect_leaks=0"}  # leaks are fine in tests


def _gcc(flags: tuple[str, ...], env: dict | None = None) -> Callable[[Path], dict]:
    return lambda c: build_and_run(c, False, gcc_command(flags), env=env, label="gcc")


def _tcc(c_path: Path) -> dict:
    tcc = shutil.which("tcc")
    if tcc is None:
        raise RuntimeError("tcc not found: install it (Debian: apt-get install tcc), or leave "
                           "its way out with --ways")
    return build_and_run(c_path, False, [tcc, "-w"], label="tcc")


def _reference(order: str) -> Callable[[Path], dict]:
    """The reference compiler in this process (no interpreter start per program)."""

    def build(c_path: Path) -> dict:
        label = f"reference ({order})"
        try:
            asm = compile_to_asm(c_path.read_text(encoding="utf-8"), order)
        except (CompileError, RecursionError) as exc:
            raise RuntimeError(f"{c_path}: {label} rejected it: {exc}") from None
        with tempfile.TemporaryDirectory(prefix="toyc-ref-") as tmp:
            s_path = Path(tmp) / "t.s"
            s_path.write_text(asm, encoding="utf-8")
            return build_and_run(s_path, False, [*gcc_command(), "-x", "assembler"],
                                 label=label, source_name="t.s")

    return build


WAYS: dict[str, Callable[[Path], dict]] = {
    "gcc-O0": _gcc(()),  # the first way is the one stored
    "gcc-O2": _gcc(("-O2",)),
    "gcc-sanitize": _gcc(SANITIZE, SANITIZER_ENV),
    "tcc": _tcc,
    "reference": _reference("default"),
    "reference-ltr": _reference("ltr"),
    "reference-rtl": _reference("rtl"),
}


def render(expected: dict) -> str:
    return json.dumps(expected, indent=1, sort_keys=True) + "\n"


def programs(root: Path) -> list[tuple[Path, bool]]:
    """``[(c_path, invalid)]``: the tests of every stage and the twins of invalid ones."""
    out = []
    for stage in list_stages(root):
        invalid = is_invalid_stage(stage)
        out += [(c, invalid) for c in sorted((root / stage).glob("*.c"))]
        out += [(c, False) for c in sorted((root / stage / "twins").glob("*.c"))]
    return out


def process(c_path: Path, invalid: bool, check: bool, ways: list[str]) -> list[str]:
    """Problems with one program (empty when it is fine and its file is up to date)."""
    problems = []
    try:
        if invalid:
            expected = build_and_run(c_path, True, gcc_command())
            if not twin_path(c_path).is_file():
                problems.append(f"{c_path}: no valid twin {twin_path(c_path)}")
        else:
            results = {}
            for way in ways:
                try:
                    results[way] = WAYS[way](c_path)
                except RuntimeError as exc:
                    problems.append(f"{c_path}: {way}: {exc}")
            if problems:
                return problems
            expected = results[ways[0]]
            for way, got in results.items():
                if got != expected:
                    problems.append(f"{c_path}: depends on unspecified behaviour: "
                                    f"{ways[0]} gives {expected}, {way} gives {got}")
    except RuntimeError as exc:
        return [str(exc)]
    target = expected_path(c_path)
    if check:
        try:
            current = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return [*problems, f"{target}: missing or unreadable"]
        if current != expected:
            problems.append(f"{target}: stale ({ways[0]} gives {expected}, file has {current})")
    elif not problems and (not target.exists()
                           or target.read_text(encoding="utf-8") != render(expected)):
        target.write_text(render(expected), encoding="utf-8")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="write nothing, report stale files")
    ap.add_argument("--ways", default=",".join(WAYS),
                    help=f"comma-separated builds to compare, the first is stored "
                         f"(default: {','.join(WAYS)})")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("dirs", nargs="*", type=Path, default=DEFAULT_DIRS)
    args = ap.parse_args()
    ways = [w.strip() for w in args.ways.split(",") if w.strip()]
    unknown = sorted(set(ways) - set(WAYS))
    if unknown or not ways:
        print(f"--ways: unknown {unknown}; choose among {', '.join(WAYS)}", file=sys.stderr)
        return 2

    work = [w for d in args.dirs for w in programs(d)]
    sys.setrecursionlimit(20000)  # as reference/compile does, for deeply nested programs
    threading.stack_size(256 << 20)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        problems = [p for ps in pool.map(lambda w: process(w[0], w[1], args.check, ways), work)
                    for p in ps]
    for d in args.dirs:  # orphaned expected files (no matching .c) are problems too
        for exp in sorted([*d.glob("*/*.expected.json"), *d.glob("*/twins/*.expected.json")]):
            if not exp.with_name(exp.name[: -len(".expected.json")] + ".c").exists():
                problems.append(f"{exp}: no matching .c file")
    for p in problems:
        print(p)
    print(f"{len(work)} programs, {len(ways)} ways, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
