#!/usr/bin/env python3
"""Run the visible tests against ./compile.

Usage: python3 run_tests.py [STAGE_PREFIX ...] [-j N] [-v]

  python3 run_tests.py            # all stages
  python3 run_tests.py 01 02      # only stages whose name starts with 01 or 02
  python3 run_tests.py 09-func -v # verbose: also show compiler stderr on failure

For each tests/<stage>/<name>.c: runs `./compile <name>.c -o <binary>` in a temp
dir, runs the binary, and compares its exit code and stdout with
<name>.expected.json.  A test in a `*-invalid` stage passes iff ./compile exits
non-zero on it AND compiles its valid twin (tests/<stage>/twins/<name>.c, the
same program corrected) into a binary that passes: rejecting everything earns
nothing.  Exit status is 0 iff every selected test passes.
"""

import argparse
import difflib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPILER = HERE / "compile"
TESTS = HERE / "tests"
COMPILE_TIMEOUT = 10
RUN_TIMEOUT = 5
OUTPUT_CAP = 1 << 20


def run(cmd, cwd, timeout):
    """Return (returncode or None on timeout, stdout bytes, stderr bytes)."""
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return -1, b"", str(exc).encode()
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out[:OUTPUT_CAP], err[:OUTPUT_CAP]
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            proc.communicate(timeout=2)
        except subprocess.TimeoutExpired:  # a detached child still holds the pipes
            pass
        return None, b"", b""


def short_diff(want: str, got: str) -> str:
    lines = list(
        difflib.unified_diff(
            want.splitlines(), got.splitlines(), "expected", "got", lineterm="", n=1
        )
    )
    if len(lines) > 12:
        lines = [*lines[:12], f"... ({len(lines) - 12} more diff lines)"]
    return "\n".join("      " + line for line in lines)


def check_valid(c_file: Path, expected: dict, verbose: bool):
    """Compile and run a valid program; return (ok, message)."""
    with tempfile.TemporaryDirectory(prefix="toyc-test-") as tmp:
        shutil.copyfile(c_file, Path(tmp) / c_file.name)
        rc, _, err = run([str(COMPILER), c_file.name, "-o", "prog"], tmp, COMPILE_TIMEOUT)
        err_text = err.decode(errors="replace").strip()
        if rc is None:
            return False, f"compiler timed out after {COMPILE_TIMEOUT}s"
        if rc != 0:
            msg = f"compiler exited {rc}"
            if err_text:
                shown = err_text if verbose else err_text.splitlines()[-1][:200]
                msg += f": {shown}"
            return False, msg
        if not (Path(tmp) / "prog").is_file():
            return False, "compiler exited 0 but wrote no binary"
        rc, out, _ = run(["./prog"], tmp, RUN_TIMEOUT)
        if rc is None:
            return False, f"binary timed out after {RUN_TIMEOUT}s"
        problems = []
        if rc != expected["exit_code"]:
            problems.append(f"exit code {rc}, expected {expected['exit_code']}")
        got = out.decode(errors="replace")
        if got != expected["stdout"]:
            problems.append("stdout differs:\n" + short_diff(expected["stdout"], got))
        return not problems, "; ".join(problems)


def check_invalid(c_file: Path, verbose: bool):
    """An invalid program passes when rejected AND its valid twin (twins/<name>.c) passes."""
    with tempfile.TemporaryDirectory(prefix="toyc-test-") as tmp:
        shutil.copyfile(c_file, Path(tmp) / c_file.name)
        rc, _, _ = run([str(COMPILER), c_file.name, "-o", "prog"], tmp, COMPILE_TIMEOUT)
    if rc is None:
        return False, "compiler timed out"
    if rc == 0:
        return False, "invalid program was accepted (compiler exited 0)"
    if rc < 0:
        return False, f"compiler crashed (signal {-rc}), which is not a rejection"
    twin = c_file.parent / "twins" / c_file.name
    ok, msg = check_valid(twin, json.loads(twin.with_suffix(".expected.json").read_text()),
                          verbose)
    if not ok:
        return False, f"rejected, but its valid twin twins/{twin.name} fails: {msg}"
    return True, ""


def check(stage: str, c_file: Path, verbose: bool):
    """Return (ok, message)."""
    expected = json.loads(c_file.with_name(c_file.stem + ".expected.json").read_text())
    if expected.get("reject"):
        return check_invalid(c_file, verbose)
    return check_valid(c_file, expected, verbose)


def workspace_files() -> dict:
    """{relative path: (mtime, size)} of the workspace, tests, .git and caches left out."""
    files = {}
    for dirpath, dirs, names in os.walk(HERE):
        dirs[:] = [d for d in dirs if d not in (".git", "__pycache__", "tests")]
        for name in names:
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            files[os.path.relpath(path, HERE)] = (st.st_mtime_ns, st.st_size)
    return files


def main() -> int:
    ap = argparse.ArgumentParser(description="run the visible toy-c-compiler tests")
    ap.add_argument("prefixes", nargs="*", help="stage name prefixes (default: all)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    if not (COMPILER.is_file() and os.access(COMPILER, os.X_OK)):
        print(f"note: {COMPILER} is missing or not executable; every test will fail")
    stages = sorted(p.name for p in TESTS.iterdir() if p.is_dir())
    if args.prefixes:
        stages = [s for s in stages if any(s.startswith(p) for p in args.prefixes)]
    work = [(s, c) for s in stages for c in sorted((TESTS / s).glob("*.c"))]
    before = workspace_files()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda w: check(w[0], w[1], args.verbose), work))
    written = sorted(p for p, stamp in workspace_files().items() if before.get(p) != stamp)

    summary = {s: [0, 0] for s in stages}
    for (stage, c_file), (ok, msg) in zip(work, results, strict=True):
        summary[stage][1] += 1
        summary[stage][0] += ok
        print(f"{'PASS' if ok else 'FAIL'} {stage}/{c_file.stem}" + ("" if ok else f"  -- {msg}"))
    print()
    for stage, (passed, total) in summary.items():
        print(f"{stage:28s} {passed:3d}/{total}")
    passed = sum(v[0] for v in summary.values())
    total = sum(v[1] for v in summary.values())
    print(f"{'TOTAL':28s} {passed:3d}/{total}")
    if written:
        shown = ", ".join(written[:5]) + (f" and {len(written) - 5} more" if len(written) > 5
                                          else "")
        print(f"\nWARNING: ./compile wrote into the workspace ({shown}). On the grading "
              "machine /workspace is read-only: write temporary files to the current "
              "folder or $TMPDIR.")
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
