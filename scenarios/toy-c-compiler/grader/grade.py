#!/usr/bin/env python3
"""Hidden grader for the toy-c-compiler scenario (python3 stdlib only).

Usage: python3 grade.py WORKSPACE [--jobs N] [--stages a,b] [--details FILE]
                        [--compile-timeout S] [--run-timeout S] [--tests-dir DIR]

For every test ``<stage>/<name>.c`` it runs ``WORKSPACE/compile t.c -o t`` in a
fresh temp dir, runs ``./t`` and compares exit code and stdout with
``<name>.expected.json``.  Tests of a ``*-invalid`` stage pass iff the
compiler exits non-zero (death by a signal counts as a crash, not a
rejection).  The last line of stdout is a single JSON object:
``{"tests": {"stage/name": "pass|fail|error|timeout"}, "stages": {"stage": [passed, total]}}``.
Test sources and expected outputs are never printed to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.dont_write_bytecode = True  # keep the tree free of __pycache__
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from runner import (  # noqa: E402
    list_stages,
    list_tests,
    load_expected,
    run_limited,
)

OUTPUT_CAP = 1 << 20


def _short(data: bytes | str, limit: int = 400) -> str:
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    return data if len(data) <= limit else data[:limit] + f"...[{len(data) - limit} more chars]"


def grade_one(
    compiler: Path | None,
    stage: str,
    name: str,
    c_path: Path,
    compile_timeout: float,
    run_timeout: float,
) -> tuple[str, dict]:
    """Return (result, details) for one test; never raises."""
    details: dict = {}
    try:
        expected = load_expected(c_path)
    except (OSError, ValueError) as exc:
        return "error", {"reason": f"grader: bad expected file: {exc}"}
    if compiler is None:
        return "error", {"reason": "compiler missing or not executable"}
    try:
        with tempfile.TemporaryDirectory(prefix="toyc-grade-", ignore_cleanup_errors=True) as tmp:
            os.chmod(tmp, 0o777)  # the compiler may run as another (unprivileged) user
            shutil.copyfile(c_path, Path(tmp) / "t.c")
            os.chmod(Path(tmp) / "t.c", 0o644)
            comp = run_limited([str(compiler), "t.c", "-o", "t"], tmp, compile_timeout, OUTPUT_CAP)
            details["compile_rc"] = comp.returncode
            details["compile_seconds"] = round(comp.duration, 3)
            details["compile_stderr"] = _short(comp.stderr)
            if comp.start_error:
                return "error", {
                    **details,
                    "reason": f"could not start compiler: {comp.start_error}",
                }
            if comp.timed_out:
                return "timeout", {**details, "reason": f"compiler exceeded {compile_timeout}s"}
            if comp.returncode < 0:  # killed by a signal: a crash, not a rejection
                return "error", {
                    **details,
                    "reason": f"compiler crashed (signal {-comp.returncode})",
                }
            if expected.get("reject"):
                if comp.returncode != 0:
                    return "pass", details
                return "fail", {**details, "reason": "invalid program was accepted (exit 0)"}
            if comp.returncode != 0:
                return "error", {**details, "reason": "compiler exited non-zero on a valid program"}
            binary = Path(tmp) / "t"
            if not binary.is_file():
                return "error", {
                    **details,
                    "reason": "compiler exited 0 but produced no output binary",
                }
            run = run_limited(["./t"], tmp, run_timeout, OUTPUT_CAP)
            details["run_rc"] = run.returncode
            if run.start_error:
                return "fail", {
                    **details,
                    "reason": f"binary could not be started: {run.start_error}",
                }
            if run.timed_out:
                return "timeout", {**details, "reason": f"binary exceeded {run_timeout}s"}
            want_out = expected.get("stdout", "").encode("utf-8")
            want_rc = expected.get("exit_code")
            ok = run.returncode == want_rc and run.stdout == want_out and not run.stdout_truncated
            if ok:
                return "pass", details
            details.update(
                reason="exit code or stdout mismatch",
                expected_exit_code=want_rc,
                got_exit_code=run.returncode,
                expected_stdout=_short(want_out),
                got_stdout=_short(run.stdout),
                stdout_truncated=run.stdout_truncated,
            )
            return "fail", details
    except Exception:  # a grader bug must cost one test, not the run
        return "error", {
            **details,
            "reason": "grader exception",
            "traceback": traceback.format_exc(),
        }


def find_compiler(workspace: Path) -> Path | None:
    compiler = workspace / "compile"
    if compiler.is_file() and os.access(compiler, os.X_OK):
        return compiler.resolve()
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--stages", default=None, help="comma-separated stage names (default: all)")
    ap.add_argument(
        "--details", default=None, help="write per-test diagnostics (JSON) to this file"
    )
    ap.add_argument("--compile-timeout", type=float, default=10.0)
    ap.add_argument("--run-timeout", type=float, default=5.0)
    ap.add_argument("--tests-dir", default=str(HERE / "tests"))
    args = ap.parse_args(argv)

    all_stages = list_stages(args.tests_dir)
    if args.stages:
        wanted = [s.strip() for s in args.stages.split(",") if s.strip()]
        stages = [s for s in all_stages if s in wanted]
        unknown = sorted(set(wanted) - set(all_stages))
        if unknown:
            print(f"unknown stages ignored: {', '.join(unknown)}", file=sys.stderr)
    else:
        stages = all_stages
    tests = list_tests(args.tests_dir, stages)
    compiler = find_compiler(Path(args.workspace))

    jobs = max(1, args.jobs)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(
                grade_one, compiler, stage, name, c_path, args.compile_timeout, args.run_timeout
            )
            for stage, name, c_path in tests
        ]
        outcomes = [f.result() for f in futures]

    results: dict[str, str] = {}
    details: dict[str, dict] = {}
    per_stage: dict[str, list[int]] = {s: [0, 0] for s in stages}
    for (stage, name, _), (result, info) in zip(tests, outcomes, strict=True):
        key = f"{stage}/{name}"
        results[key] = result
        details[key] = {"result": result, **info}
        per_stage[stage][1] += 1
        if result == "pass":
            per_stage[stage][0] += 1

    if args.details:
        try:
            with open(args.details, "w", encoding="utf-8") as fh:
                json.dump(details, fh, indent=1, sort_keys=True)
        except OSError as exc:
            print(f"could not write details: {exc}", file=sys.stderr)

    passed = sum(v[0] for v in per_stage.values())
    total = sum(v[1] for v in per_stage.values())
    print(f"toy-c-compiler: {passed}/{total} tests passed", file=sys.stderr)
    sys.stdout.write(json.dumps({"tests": results, "stages": per_stage}, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
