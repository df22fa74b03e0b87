#!/usr/bin/env python3
"""Copy what tier 1 shares with toy-c-compiler into this scenario, or ``--check`` the copies.

Tier 1 *is* the toy suite: its hidden tests (with the valid twins of the invalid ones), its
visible tests, and the grader modules this grader uses (``runner.py``, ``jail.py`` with
``confine.py`` and ``sealed.py``). A scenario
is a self-contained folder (ultrarun copies its grader folder without following links), so
these are copies, kept identical by this tool and checked by a test.

    python3 tools/sync_toy.py            # copy toy-c-compiler's files over
    python3 tools/sync_toy.py --check    # exit 1 and list what differs
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent
TOY = SCENARIO.parent / "toy-c-compiler"
# (toy's path, ours): folders are copied whole.
SHARED = [
    ("grader/tests", "grader/tests/t1"),
    ("workspace/tests", "workspace/tests/t1"),
    ("grader/runner.py", "grader/runner.py"),
    ("grader/jail.py", "grader/jail.py"),
    ("grader/confine.py", "grader/confine.py"),
    ("grader/sealed.py", "grader/sealed.py"),
]


def differences() -> list[str]:
    """What is missing, extra or different in our copies."""
    out = []
    for theirs, ours in SHARED:
        src, dst = TOY / theirs, SCENARIO / ours
        if not src.exists():
            if dst.exists():
                out.append(f"{ours}: toy-c-compiler has no {theirs}")
            continue
        if src.is_file():
            if not dst.is_file() or not filecmp.cmp(src, dst, shallow=False):
                out.append(f"{ours}: differs from toy-c-compiler's {theirs}")
            continue
        stack = [filecmp.dircmp(src, dst)] if dst.is_dir() else []
        if not stack:
            out.append(f"{ours}: missing")
        while stack:
            d = stack.pop()
            rel = Path(d.right).relative_to(SCENARIO)
            out += [f"{rel}/{n}: only in toy-c-compiler" for n in d.left_only]
            out += [f"{rel}/{n}: not in toy-c-compiler" for n in d.right_only]
            _, mismatch, errors = filecmp.cmpfiles(d.left, d.right, d.common_files,
                                                   shallow=False)
            out += [f"{rel}/{n}: differs" for n in mismatch + errors]
            stack += d.subdirs.values()
    return out


def sync() -> None:
    for theirs, ours in SHARED:
        src, dst = TOY / theirs, SCENARIO / ours
        if dst.is_dir():
            shutil.rmtree(dst)
        elif dst.exists() or dst.is_symlink():
            dst.unlink()
        if not src.exists():
            continue
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dst)


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    if not args.check:
        sync()
    problems = differences()
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
