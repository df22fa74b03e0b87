#!/usr/bin/env python3
"""Run the visible tests against ./compile.

Usage: python3 run_tests.py [STAGE_PREFIX ...] [-j N] [-v]

  python3 run_tests.py                 # tiers 1-4 (every visible C program)
  python3 run_tests.py t1 t2/03        # tier 1, and the stages of tier 2 starting with 03
  python3 run_tests.py t2/11 -v        # verbose: the build commands and compiler stderr
  python3 run_tests.py t5              # tier 5: build the real programs, run their tests
  python3 run_tests.py t5/01-zlib      # one of them (takes minutes with a slow compiler)

Tiers 1-4: each tests/<tier>/<stage>/<name>.c (or folder <name>/ of several files) is built
with ./compile in a temp folder as its <name>.expected.json says, run, and its exit code and
stdout compared with gcc's. Tier 5 uses /opt/c-programs (see its programs.py). The exit
status is 0 iff every selected test passes.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIB = Path(os.environ.get("CCOMPILER_PROGRAMS", "/opt/c-programs"))
if not (LIB / "suite.py").is_file():
    sys.exit(f"run_tests.py: {LIB}/suite.py is missing: run this in the scenario's image")
sys.dont_write_bytecode = True
sys.path.insert(0, str(LIB))

import programs  # noqa: E402
import suite  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description="run the visible c-compiler tests")
    ap.add_argument("prefixes", nargs="*", help="stage id prefixes, e.g. t1 t2/03 t5/01-zlib")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    prefixes = args.prefixes or list(suite.TIERS)

    def wanted(stage_id: str) -> bool:
        return any(stage_id.startswith(p) or p.startswith(stage_id + "/") for p in prefixes)

    compiler = HERE / "compile"
    cc = str(compiler) if compiler.is_file() and os.access(compiler, os.X_OK) else None
    if cc is None:
        print(f"note: {compiler} is missing or not executable; every test will fail")
    tests = [t for t in suite.list_suite(HERE / "tests") if wanted(f"{t[0]}/{t[1]}")]
    ctx = suite.Context(cc, suite.PlainCells(), programs.simple_run)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda it: suite.check_program(ctx, it[0], it[1][3]),
                                enumerate(tests)))

    summary: dict[str, list[int]] = {}
    for (tier, stage, name, _), (verdict, info) in zip(tests, results, strict=True):
        stage_id = f"{tier}/{stage}"
        counts = summary.setdefault(stage_id, [0, 0])
        counts[1] += 1
        counts[0] += verdict == "pass"
        if verdict == "pass":
            print(f"PASS {stage_id}/{name}")
            continue
        print(f"FAIL {stage_id}/{name}  -- {verdict}: {info.get('reason', '')}")
        if "expected_stdout" in info:
            print(f"      expected exit {info['expected_exit_code']}, stdout "
                  f"{info['expected_stdout']!r}\n      got      exit {info['got_exit_code']}, "
                  f"stdout {info['got_stdout']!r}")
        steps = [v for k, v in info.items() if k.startswith("step")]
        if steps and (args.verbose or verdict == "error"):
            last = steps[-1]
            print(f"      $ {last['cmd']}")
            err = last["stderr"].strip()
            if err:
                shown = err if args.verbose else err.splitlines()[-1][:200]
                print("      " + shown.replace("\n", "\n      "))
    print()
    for stage_id, (passed, total) in summary.items():
        print(f"{stage_id:32s} {passed:3d}/{total}")
    passed = sum(v[0] for v in summary.values())
    total = sum(v[1] for v in summary.values())
    rc = 0 if passed == total else 1
    names = [p.name for p in programs.PROJECTS
             if any(f"t5/{p.stage}".startswith(x) or x.startswith(f"t5/{p.stage}")
                    for x in prefixes)]
    if names:
        if not programs.available(LIB):
            print("tier 5 needs the prepared sources in /opt/c-programs (the scenario's image)")
            return 1
        if total:
            print(f"{'TOTAL (tiers 1-4)':32s} {passed:3d}/{total}\n")
        rc |= programs.test_cli(LIB, names, str(compiler), args.jobs, None)
        return rc
    print(f"{'TOTAL':32s} {passed:3d}/{total}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
