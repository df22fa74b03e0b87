#!/usr/bin/env python3
"""Run the visible tests of ./interp.

Usage: python3 run_tests.py [-v] [STAGE ...]   e.g.  python3 run_tests.py 1 2-vars

A test is tests/<stage>/<name>.calc with the expected stdout in <name>.out and, when the
program must fail, the expected exit code in <name>.code (no .code file: exit code 0).
Each test runs with a 10 s timeout. The exit code is 0 when every selected test passes.
"""

import difflib
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMEOUT_S = 10


def run(test: Path) -> tuple[bool, str]:
    want_out = test.with_suffix(".out").read_text()
    code_file = test.with_suffix(".code")
    want_code = int(code_file.read_text()) if code_file.exists() else 0
    try:
        r = subprocess.run([str(HERE / "interp"), str(test)], capture_output=True, text=True,
                           errors="replace", timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return False, f"  timed out after {TIMEOUT_S} s"
    except OSError as e:
        return False, f"  cannot run ./interp: {e}"
    problems = []
    if r.returncode != want_code:
        problems.append(f"  exit code {r.returncode}, expected {want_code}")
    if r.stdout != want_out:
        diff = difflib.unified_diff(want_out.splitlines(), r.stdout.splitlines(),
                                    "expected", "got", lineterm="", n=1)
        problems += ["  " + line for line in list(diff)[:20]]
    if problems and r.stderr.strip():
        problems.append("  stderr: " + r.stderr.strip().splitlines()[-1][:200])
    return not problems, "\n".join(problems)


def main(args: list[str]) -> int:
    verbose = "-v" in args
    wanted = [a for a in args if a != "-v"]
    stages = sorted(p for p in (HERE / "tests").iterdir() if p.is_dir())
    if wanted:
        stages = [s for s in stages if any(s.name.startswith(w) for w in wanted)]
    passed = total = 0
    summary = []
    for stage in stages:
        ok_here = 0
        tests = sorted(stage.glob("*.calc"))
        for test in tests:
            ok, detail = run(test)
            ok_here += ok
            if not ok:
                print(f"FAIL {stage.name}/{test.stem}\n{detail}")
            elif verbose:
                print(f"PASS {stage.name}/{test.stem}")
        summary.append(f"{stage.name}: {ok_here}/{len(tests)}")
        passed += ok_here
        total += len(tests)
    print("  ".join(summary))
    print(f"passed {passed}/{total}")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
