#!/usr/bin/env python3
"""Regenerate ``*.expected.json`` for the hidden and visible toy-c-compiler tests.

Usage: regen_expected.py [--check] [--ubsan] [--jobs N] [DIR ...]

Each valid program is compiled with host gcc and run; its exit code and stdout
are stored.  Programs of a ``*-invalid`` stage must be rejected by gcc and get
``{"reject": true}``.  With ``--check`` nothing is written: mismatching or
missing expected files are listed and the exit status is 1.  ``--ubsan``
additionally builds with ``-fsanitize=undefined,address`` and fails on any
sanitizer report (used while authoring tests).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.dont_write_bytecode = True  # keep the tree free of __pycache__
SCENARIO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCENARIO / "grader"))

from runner import expected_path, gcc_expected, is_invalid_stage, list_tests  # noqa: E402

DEFAULT_DIRS = [SCENARIO / "grader" / "tests", SCENARIO / "workspace" / "tests"]
SANITIZE = ("-fsanitize=undefined,address", "-fno-sanitize-recover=all", "-g")


def render(expected: dict) -> str:
    return json.dumps(expected, indent=1, sort_keys=True) + "\n"


def process(stage: str, c_path: Path, check: bool, ubsan: bool) -> str | None:
    """Return an error/mismatch message or None."""
    invalid = is_invalid_stage(stage)
    try:
        expected = gcc_expected(c_path, invalid)
        if ubsan and not invalid:
            sanitized = gcc_expected(c_path, invalid, extra_flags=SANITIZE)
            if sanitized != expected:
                return f"{c_path}: sanitizer build differs: {sanitized} vs {expected}"
    except RuntimeError as exc:
        return str(exc)
    text = render(expected)
    target = expected_path(c_path)
    if check:
        try:
            current = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return f"{target}: missing or unreadable"
        if current != expected:
            return f"{target}: stale (gcc gives {expected}, file has {current})"
        return None
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--ubsan", action="store_true")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("dirs", nargs="*", type=Path, default=DEFAULT_DIRS)
    args = ap.parse_args()
    if args.ubsan:
        os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=0")  # leaks are fine in tests

    work = [(stage, c_path) for d in args.dirs for stage, _, c_path in list_tests(d)]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        problems = [
            p for p in pool.map(lambda w: process(w[0], w[1], args.check, args.ubsan), work) if p
        ]
    # Orphaned expected files (no matching .c) are problems too.
    for d in args.dirs:
        for exp in sorted(Path(d).glob("*/*.expected.json")):
            if not exp.with_name(exp.name[: -len(".expected.json")] + ".c").exists():
                problems.append(f"{exp}: no matching .c file")
    for p in problems:
        print(p)
    print(f"{len(work)} tests, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
