#!/usr/bin/env python3
"""Hidden grader for the toy-c-compiler scenario (python3 stdlib only).

Usage: python3 grade.py WORKSPACE [--jobs N] [--stages a,b] [--details FILE]
                        [--compile-timeout S] [--run-timeout S] [--tests-dir DIR]
                        [--jail auto|on|off] [--front-ends DIR] [--ablate LIST]

For every test ``<stage>/<name>.c`` it runs ``WORKSPACE/compile t.c -o t`` in a
fresh cell, runs ``t`` and compares exit code and stdout with
``<name>.expected.json``.  A test of a ``*-invalid`` stage passes iff the
compiler exits non-zero (death by a signal counts as a crash, not a rejection)
AND compiles its valid twin ``twins/<name>.c`` (the same program, corrected)
into a binary that passes: refusing programs earns nothing by itself.

With ``--jail on`` (``auto``: when ``$ULTRARUN_RUN_AS`` says the grader runs as
root in its own container) every test runs confined by ``jail.py`` and the
workspace is first searched for the code of the compiler front ends found in
``--front-ends``; a workspace carrying one scores nothing.  Only an x86-64
executable of machine code counts as the built program, and it runs sealed (no
other program, no interpreter library): see ``sealed.py`` and the scenario's
README, "Anti-cheat".  ``--ablate`` switches a defence off, to measure it.
The last line of stdout is a single JSON object:
``{"tests": {"stage/name": "pass|fail|error|timeout"}, "stages": {"stage": [passed, total]}}``.
Test sources and expected outputs are never printed to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.dont_write_bytecode = True  # keep the tree free of __pycache__
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import options  # noqa: E402
from fuzz import add_options as add_fuzz_options  # noqa: E402
from fuzz import gcc_command, make_table, plan_from, run_fuzz  # noqa: E402
from jail import (  # noqa: E402
    Cell,
    Jail,
    JailError,
    Unconfined,
)
from reduce import reduce_all, request_from  # noqa: E402
from runner import (  # noqa: E402
    RunResult,
    list_stages,
    list_tests,
    load_expected,
    run_limited,
    twin_path,
)
from sealed import killed_for_exec  # noqa: E402
from toygen import ToyPrograms  # noqa: E402

OUTPUT_CAP = 1 << 20


def _short(data: bytes | str, limit: int = 400) -> str:
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    return data if len(data) <= limit else data[:limit] + f"...[{len(data) - limit} more chars]"


@dataclass
class Context:
    """What every test needs: the compiler, the limits, and where programs run."""

    compiler: Path | None
    cells: Jail | Unconfined
    compile_timeout: float
    run_timeout: float
    refused: str | None = None  # why the whole workspace scores nothing


def _run(ctx: Context, cell: Cell, cmd: list[str], timeout: float) -> RunResult:
    argv, env = ctx.cells.command(cell, cmd)
    return run_limited(argv, cell.workdir, timeout, OUTPUT_CAP, env=env)


def _compile(ctx: Context, cell: Cell, c_path: Path, details: dict) -> tuple[str, dict] | None:
    """Compile ``c_path`` in ``cell``; a verdict when the compiler could not say yes or no."""
    ctx.cells.put(cell, "t.c", c_path.read_bytes())
    comp = _run(ctx, cell, [str(ctx.compiler), "t.c", "-o", "t"], ctx.compile_timeout)
    details["compile_rc"] = comp.returncode
    details["compile_seconds"] = round(comp.duration, 3)
    details["compile_stderr"] = _short(comp.stderr)
    if comp.start_error:
        return "error", {**details, "reason": f"could not start compiler: {comp.start_error}"}
    if comp.timed_out:
        return "timeout", {**details, "reason": f"compiler exceeded {ctx.compile_timeout}s"}
    if comp.returncode < 0:  # killed by a signal: a crash, not a rejection
        return "error", {**details, "reason": f"compiler crashed (signal {-comp.returncode})"}
    return None


def grade_valid(ctx: Context, index: int, c_path: Path, expected: dict) -> tuple[str, dict]:
    """Compile and run a valid program in cell ``index``; (verdict, details)."""
    details: dict = {}
    with ctx.cells.cell(index) as cell:
        verdict = _compile(ctx, cell, c_path, details)
        if verdict:
            return verdict
        if details["compile_rc"] != 0:
            return "error", {**details, "reason": "compiler exited non-zero on a valid program"}
        try:
            program = ctx.cells.install(cell, "t")
        except JailError as exc:
            return "error", {**details, "reason": f"compiler exited 0 but {exc}"}
        with ctx.cells.program(cell, program) as launch:
            run = run_limited(launch.argv, cell.workdir, ctx.run_timeout, OUTPUT_CAP,
                              env=launch.env, pass_fds=launch.fds)
    details["run_rc"] = run.returncode
    if run.start_error:
        return "fail", {**details, "reason": f"binary could not be started: {run.start_error}"}
    if killed_for_exec(run.returncode):
        return "fail", {**details, "reason": "the binary tried to run another program "
                        "(execve) and was stopped: only machine code the compiler emitted "
                        "may run"}
    if run.timed_out:
        return "timeout", {**details, "reason": f"binary exceeded {ctx.run_timeout}s"}
    want_out = expected.get("stdout", "").encode("utf-8")
    want_rc = expected.get("exit_code")
    if run.returncode == want_rc and run.stdout == want_out and not run.stdout_truncated:
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


def grade_invalid(ctx: Context, index: int, c_path: Path) -> tuple[str, dict]:
    """An invalid program passes when rejected AND its valid twin passes."""
    details: dict = {}
    with ctx.cells.cell(index) as cell:
        verdict = _compile(ctx, cell, c_path, details)
    if verdict:
        return verdict
    if details["compile_rc"] == 0:
        return "fail", {**details, "reason": "invalid program was accepted (exit 0)"}
    twin = twin_path(c_path)
    try:
        twin_expected = load_expected(twin)
    except (OSError, ValueError) as exc:
        return "error", {**details, "reason": f"grader: no valid twin for this test: {exc}"}
    result, twin_details = grade_valid(ctx, index + 1, twin, twin_expected)
    if result == "pass":
        return "pass", details
    return "fail", {**details, "twin": twin_details,
                    "reason": f"rejected, but its valid twin twins/{twin.name} did not pass "
                              f"({result}: {twin_details.get('reason')})"}


def grade_one(ctx: Context, index: int, c_path: Path) -> tuple[str, dict]:
    """Return (result, details) for test number ``index``; never raises."""
    try:
        expected = load_expected(c_path)
    except (OSError, ValueError) as exc:
        return "error", {"reason": f"grader: bad expected file: {exc}"}
    if ctx.refused:
        return "error", {"reason": ctx.refused}
    if ctx.compiler is None:
        return "error", {"reason": "compiler missing or not executable"}
    try:  # two cells per test: the program and, for an invalid one, its twin
        if expected.get("reject"):
            return grade_invalid(ctx, 2 * index, c_path)
        return grade_valid(ctx, 2 * index, c_path, expected)
    except Exception:  # a grader bug must cost one test, not the run
        return "error", {"reason": "grader exception", "traceback": traceback.format_exc()}


def find_compiler(workspace: Path) -> Path | None:
    compiler = workspace / "compile"
    if compiler.is_file() and os.access(compiler, os.X_OK):
        return compiler.resolve()
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace")
    ap.add_argument("--stages", default=None, help="comma-separated stage names (default: all)")
    ap.add_argument("--tests-dir", default=str(HERE / "tests"))
    options.add_options(ap, options.ABLATIONS)
    add_fuzz_options(ap, "toygen.py")
    args = ap.parse_args(argv)
    plan = plan_from(args.fuzz, args.fuzz_seed, args.fuzz_only, args.fuzz_oracle)
    shrink = request_from(args.reduce)
    ablate = options.ablations_of(args, options.ABLATIONS)
    if ablate is None:
        return 2

    all_stages = list_stages(args.tests_dir)
    if args.stages:
        wanted = [s.strip() for s in args.stages.split(",") if s.strip()]
        stages = [s for s in all_stages if s in wanted]
        unknown = sorted(set(wanted) - set(all_stages))
        if unknown:
            print(f"unknown stages ignored: {', '.join(unknown)}", file=sys.stderr)
    else:
        stages = all_stages
    if shrink is not None or (plan is not None and plan.no_suite):  # reduce.py, fuzz.py
        stages = []
    tests = list_tests(args.tests_dir, stages)
    workspace = Path(args.workspace)
    cells = options.cells_for(args, workspace, options.defences_of(ablate), "toy-c-compiler")
    if cells is None:
        return 2
    details_fh = options.open_details(args)
    try:
        refused = options.refusal(args, workspace, ablate, cells)
        ctx = Context(find_compiler(workspace), cells, args.compile_timeout, args.run_timeout,
                      refused)
        cells.lock_down([HERE, Path(args.tests_dir)])  # before the pool starts its threads
        if shrink is not None:  # the first few miscompiles of an evaluation, after it
            reduced = reduce_all(shrink, ToyPrograms(), cells,
                                 lambda i, path, want: grade_valid(ctx, i, path, want),
                                 gcc_command(), 0, max(1, args.jobs))
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(grade_one, ctx, i, c_path)
                       for i, (_stage, _name, c_path) in enumerate(tests)]
            outcomes = [f.result() for f in futures]
            if plan is not None and plan.make_oracle:  # gcc's part, before the seal
                table = make_table(plan, ToyPrograms(), cells, pool, 0)
            elif plan is not None:  # its own series, never part of the tests' score
                fuzzed = run_fuzz(plan, ToyPrograms(), cells,
                                  lambda i, path, want: grade_valid(ctx, i, path, want), pool,
                                  2 * len(tests), ctx.refused or (
                                      None if ctx.compiler else "compiler missing"))
    finally:
        cells.close()

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

    if details_fh is not None:  # opened before the grader confined itself
        with details_fh:
            json.dump(details, details_fh, indent=1, sort_keys=True)

    passed = sum(v[0] for v in per_stage.values())
    total = sum(v[1] for v in per_stage.values())
    print(f"toy-c-compiler: {passed}/{total} tests passed", file=sys.stderr)
    result: dict = {"tests": results, "stages": per_stage}
    if shrink is not None:
        result["reduced"] = reduced
    if plan is not None and plan.make_oracle:
        result["oracle"] = table
    elif plan is not None:
        result["fuzz"] = fuzzed
        print(f"fuzz: {fuzzed['agreed']}/{fuzzed['tried']} programs agreed with gcc (seed "
              f"{plan.seed})", file=sys.stderr)
    sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
