#!/usr/bin/env python3
"""Hidden grader for the c-compiler scenario (python3 stdlib only).

Usage: python3 grade.py WORKSPACE [--tiers t1,t2] [--stages PREFIX,...] [--jobs N]
                        [--details FILE] [--compile-timeout S] [--run-timeout S]
                        [--tests-dir DIR] [--programs-dir DIR] [--jail auto|on|off]
                        [--front-ends DIR] [--ablate LIST]

Tiers 1-4 are suites of C programs (``tests/<tier>/<stage>/<name>.c``, or a folder
``<name>/`` of several files, with ``<name>.expected.json``): each is built with
``WORKSPACE/compile`` in a private temp folder, run, and its exit code and stdout compared
with gcc's. ``expected["build"]`` may say how to build it: ``flags`` (e.g. ``-DN=3``,
``-Iinc``, ``-lm``) and ``mode``: ``together`` (``compile *.c -o t``, the default),
``separate`` (``compile -c`` each file, then ``compile *.o -o t``) or ``asm`` (``compile
-S`` each file; the grader assembles and links the ``.s`` files with the gcc driver).
Tier 5 builds real code bases with the candidate and runs their own tests (programs.py).
Every built program must be an x86-64 executable of machine code and runs sealed (the
toy-c-compiler grader's jail.py and sealed.py); ``--ablate`` switches a defence off to
measure what it stops.

Tiers listed in $ULTRARUN_GRADE_SKIP (set by ultrarun from ``grader.parts``) are left out.
The last stdout line is the only one: ``{"tests": {"t2/07-unions/x": "pass|fail|error|
timeout"}, "stages": {"t2/07-unions": [passed, total]}}``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.dont_write_bytecode = True  # keep the tree free of __pycache__
HERE = Path(__file__).resolve().parent
# The suite's and tier 5's modules live in the scenario's image (the grader's image is built
# from it, root-owned): /opt/c-programs; without it (the local backend) in the assembled
# grader folder (scenario.yaml `include:`), or beside this folder in the scenario.
DEFAULT_PROGRAMS = os.environ.get("CCOMPILER_PROGRAMS", "/opt/c-programs")
LIB = next((p for p in (Path(DEFAULT_PROGRAMS), HERE / "programs",
                        HERE.parent / "image" / "programs")
            if (p / "suite.py").is_file()), None)
if LIB is None:
    sys.exit(f"c-compiler grader: no suite.py in {DEFAULT_PROGRAMS} (the scenario's image) "
             f"nor in {HERE.parent / 'image' / 'programs'}")
sys.path[:0] = [str(HERE), str(LIB)]

import options  # noqa: E402
import programs  # noqa: E402
import suite  # noqa: E402
from csmithgen import CsmithPrograms  # noqa: E402
from fuzz import add_options as add_fuzz_options  # noqa: E402
from fuzz import gcc_command, make_table, plan_from, run_fuzz  # noqa: E402
from reduce import reduce_all, request_from  # noqa: E402
from runner import run_limited  # noqa: E402

SUITE_TIERS = suite.TIERS
PROGRAMS_TIER = "t5"
SKIP_ENV = "ULTRARUN_GRADE_SKIP"
# Defences --ablate can switch off (the toy grader's, and tier 5's salt and fresh test tree).
ABLATIONS = {**options.ABLATIONS,
             "salt": "tier 5: no salt appended to the sources, none checked",
             "test-tree": "tier 5: tests run in the tree the compile wrote, not a fresh copy"}


# ---------------------------------------------------------------- entry point


def find_compiler(workspace: Path) -> Path | None:
    compiler = workspace / "compile"
    if compiler.is_file() and os.access(compiler, os.X_OK):
        return compiler.resolve()
    return None


def select_tiers(arg: str | None, tests_dir: Path, programs_dir: Path) -> list[str]:
    present = [t for t in SUITE_TIERS if (tests_dir / t).is_dir()]
    if programs.available(programs_dir):
        present.append(PROGRAMS_TIER)
    wanted = [t.strip() for t in arg.split(",")] if arg else present
    skip = {t.strip() for t in os.environ.get(SKIP_ENV, "").split(",") if t.strip()}
    return [t for t in present if t in wanted and t not in skip]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("workspace")
    ap.add_argument("--tiers", default=None, help="comma-separated tiers (default: all)")
    ap.add_argument("--stages", default=None,
                    help="comma-separated stage id prefixes, e.g. t2/07,t5/01-zlib")
    ap.add_argument("--tests-dir", default=str(HERE / "tests"))
    ap.add_argument("--programs-dir", default=DEFAULT_PROGRAMS)
    ap.add_argument("--deadline", type=float, default=3300.0,
                    help="seconds after which tier-5 projects not yet built are timeouts")
    options.add_options(ap, ABLATIONS)
    add_fuzz_options(ap, "csmithgen.py")
    args = ap.parse_args(argv)
    started = time.monotonic()
    plan = plan_from(args.fuzz, args.fuzz_seed, args.fuzz_only, args.fuzz_oracle)
    shrink = request_from(args.reduce)
    ablate = options.ablations_of(args, ABLATIONS)
    if ablate is None:
        return 2

    tests_dir, programs_dir = Path(args.tests_dir), Path(args.programs_dir)
    no_suite = shrink is not None or (plan is not None and plan.no_suite)  # reduce.py, fuzz.py
    tiers = [] if no_suite else select_tiers(args.tiers, tests_dir, programs_dir)
    prefixes = [p.strip() for p in args.stages.split(",")] if args.stages else None

    def wanted(stage_id: str) -> bool:
        return prefixes is None or any(stage_id.startswith(p) for p in prefixes)

    workspace = Path(args.workspace)
    compiler = find_compiler(workspace)
    tests = [t for t in suite.list_suite(tests_dir, [t for t in tiers if t in SUITE_TIERS])
             if wanted(f"{t[0]}/{t[1]}")]
    jobs = max(1, args.jobs)
    cells = options.cells_for(args, workspace, options.defences_of(ablate), "c-compiler")
    if cells is None:
        return 2
    details_fh = options.open_details(args)
    results: dict[str, str] = {}
    details: dict[str, dict] = {}
    stages: dict[str, list[int]] = {}
    extra: dict = {}  # the fuzz measure's output, when asked for
    try:
        refused = options.refusal(args, workspace, ablate, cells)
        cells.lock_down([HERE, tests_dir, programs_dir, LIB])  # before any thread starts
        ctx = suite.Context(str(compiler) if compiler and not refused else None, cells,
                            run_limited, args.compile_timeout, args.run_timeout)
        def candidate(index: int, path: Path, want: dict) -> tuple[str, dict]:
            return suite.check_valid(ctx, index, path, want)

        first_fuzz_cell = 2 * len(tests) + 2 * len(programs.PROJECTS) + 2
        if shrink is not None:  # the first few miscompiles of an evaluation, after it
            extra["reduced"] = reduce_all(shrink, CsmithPrograms(), cells, candidate,
                                          gcc_command(), first_fuzz_cell, jobs)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            outcomes = list(pool.map(lambda it: suite.check_program(ctx, it[0], it[1][3]),
                                     enumerate(tests)))
            if plan is not None and plan.make_oracle:  # gcc's part, before the seal
                extra["oracle"] = make_table(plan, CsmithPrograms(), cells, pool,
                                             first_fuzz_cell)
            elif plan is not None:  # its own series, never part of the tests' score
                extra["fuzz"] = run_fuzz(plan, CsmithPrograms(), cells, candidate, pool,
                                         first_fuzz_cell, refused or (
                                             None if compiler else "compiler missing"))
        for (tier, stage, name, _), (verdict, info) in zip(tests, outcomes, strict=True):
            stage_id = f"{tier}/{stage}"
            results[f"{stage_id}/{name}"] = verdict
            details[f"{stage_id}/{name}"] = {"result": verdict, **info,
                                             **({"reason": refused} if refused else {})}
            counts = stages.setdefault(stage_id, [0, 0])
            counts[1] += 1
            counts[0] += verdict == "pass"
        suite.invalid_needs_valid(tests, results, stages)

        if PROGRAMS_TIER in tiers:
            seed = None if "salt" in ablate else secrets.token_hex(8)
            deadline = started + args.deadline
            for k, project in enumerate(programs.PROJECTS):
                stage_id = f"{PROGRAMS_TIER}/{project.stage}"
                if not wanted(stage_id):
                    continue
                verdicts, info = programs.grade(  # cells: one to build, one to test
                    project, None if refused else compiler, programs_dir, cells, run_limited,
                    2 * len(tests) + 2 * k, seed, jobs, deadline,
                    fresh_tests="test-tree" not in ablate)
                stages[stage_id] = [sum(v == "pass" for v in verdicts.values()), len(verdicts)]
                for name, verdict in verdicts.items():
                    results[f"{stage_id}/{name}"] = verdict
                details[stage_id] = {**info, **({"reason": refused} if refused else {})}
    finally:
        cells.close()

    if details_fh is not None:  # opened before the grader confined itself
        with details_fh:
            json.dump(details, details_fh, indent=1, sort_keys=True)
    passed = sum(v == "pass" for v in results.values())
    print(f"c-compiler: {passed}/{len(results)} tests passed ({', '.join(tiers)})",
          file=sys.stderr)
    if "fuzz" in extra:
        print(f"fuzz: {extra['fuzz']['agreed']}/{extra['fuzz']['tried']} programs agreed with "
              f"gcc (seed {extra['fuzz']['seed']})", file=sys.stderr)
    sys.stdout.write(json.dumps({"tests": results, "stages": stages, **extra}, sort_keys=True)
                     + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
