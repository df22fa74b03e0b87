#!/usr/bin/env python3
"""Tier 5 of the c-compiler scenario: real C code bases, built with the candidate compiler and
graded by their own tests (python3 stdlib only).

The sources are Debian source packages, fetched, prepared and recorded into recipes when the
scenario image is built (recipes.py). ``expect`` (as the unprivileged user: tests of file
permissions behave differently as root) replays the recipes with gcc and runs each project's
tests to store the expected results (``expected/<name>.json``).

Grading a project (``grade()``) copies its prepared tree into a private folder (a cell of the
grader's jail), appends a random *salt* function to every C file it compiles (salt.py),
replays the recipe with the candidate (each ``-c`` step alone, in parallel; a step compiling
several files without ``-c`` is split into one ``-c`` per file and a link), checks that the
objects compute their salt and the programs hold it (a compiler that returns objects or
programs made elsewhere fails: replay.py), then runs the project's tests in another cell,
from a fresh copy of the sources the compile never saw, each program the candidate built
sealed as in tiers 1-4 (vetted: an x86-64 executable of the C runtime and the project's
``libraries``; it may not run another program).

    python3 programs.py expect                        # image build: expected results (gcc)
    python3 programs.py test [NAME ...] --compiler /workspace/compile [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import replay  # noqa: E402
from recipes import CJSON_TESTS, SOURCES, Step, load_recipe  # noqa: E402
from replay import Build  # noqa: E402
from salt import SaltFunction, checker_asm  # noqa: E402

HOME = Path(os.environ.get("CCOMPILER_PROGRAMS", "/opt/c-programs"))
OUTPUT_CAP = 1 << 20

# ------------------------------------------------------------------ running commands


@dataclass
class Ran:
    """What a command did (the fields the grader's ``run_limited`` result also has)."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    start_error: str | None = None
    stdout_truncated: bool = False
    duration: float = 0.0


def simple_run(cmd: list[str], cwd: str | os.PathLike, timeout: float,
               output_cap: int = OUTPUT_CAP, env: dict | None = None,
               pass_fds: tuple[int, ...] = ()) -> Ran:
    """Run in a new session, kill the group on timeout (outside the grader)."""
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, cwd=str(cwd), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, env=env, pass_fds=pass_fds)
    except OSError as exc:
        return Ran(None, b"", b"", start_error=str(exc))
    try:
        out, err = proc.communicate(timeout=timeout)
        return Ran(proc.returncode, out[:output_cap], err[:output_cap],
                   stdout_truncated=len(out) > output_cap, duration=time.monotonic() - t0)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        return Ran(None, b"", b"", timed_out=True, duration=time.monotonic() - t0)


Run = Callable[..., Any]  # (cmd, cwd, timeout, output_cap=..., env=..., pass_fds=...) -> Ran
# A test command in the project's test cell: (cmd, cwd, timeout, stdin=file, stdout=file); a
# program the candidate built (one of the paths the tests get) runs sealed.
Exec = Callable[..., Any]


# ------------------------------------------------------------------ projects


@dataclass
class Project:
    """A code base of tier 5: its source (recipes.py) and how its own tests are run."""

    stage: str  # stage id within the tier, e.g. "01-zlib"
    source: str  # the name in recipes.SOURCES
    # (root, run a command there, {target: runnable path}) -> {test: what was observed}
    run_tests: Callable[[Path, Exec, dict[str, str]], dict[str, str]]
    test_timeout: float = 60.0
    notes: str = ""
    targets_: list[str] | None = None  # default: the source's
    libraries: tuple[str, ...] = ()  # what its programs link with, beyond the C runtime
    data: tuple[str, ...] = ()  # system folders its programs read (a Tcl library's scripts)
    exec_self: bool = False  # its tests run the program under test again (nothing else)

    @property
    def name(self) -> str:
        return self.stage.split("-", 1)[1]

    @property
    def targets(self) -> list[str]:
        return self.targets_ if self.targets_ is not None else SOURCES[self.source].targets


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "replace").splitlines()


# zlib: the checks of test/example.c (one per line), minigzip round trips, test/infcover.c.
ZLIB_GZ = [("minigzip-6", []), ("minigzip-1", ["-1"]), ("minigzip-9", ["-9"]),
           ("minigzip-huffman", ["-h"]), ("minigzip-rle", ["-R"]), ("minigzip-filtered", ["-f"])]


def zlib_tests(root: Path, run: Exec, bins: dict[str, str]) -> dict[str, str]:
    obs: dict[str, str] = {}
    ex = run([bins["example"]], root, 30)
    for i, line in enumerate(_lines(ex.stdout)):
        obs[f"example-{i + 1}"] = line
    if ex.returncode != 0:
        obs["example-exit"] = f"exit {ex.returncode}"
    cov = run([bins["infcover"]], root, 30)
    obs["infcover"] = (f"exit {cov.returncode} "
                       + hashlib.sha256(cov.stdout).hexdigest()[:16])
    # the input: files that are not compiled (so not salted), the same bytes as in gcc's run
    run(["sh", "-c", "cat zlib.h ChangeLog FAQ zlib.h > in.bin"], root, 30)
    gz = bins["minigzip"]
    for name, opts in ZLIB_GZ:
        r = run([gz, *opts], root, 30, stdin="in.bin", stdout=f"{name}.gz")
        if r.returncode == 0:
            r = run([gz, "-d"], root, 30, stdin=f"{name}.gz", stdout=f"{name}.back")
        if r.returncode == 0:
            r = run(["sh", "-c", f"cmp -s in.bin {name}.back && sha256sum < {name}.gz | "
                     "cut -c1-16"], root, 30)
        obs[name] = r.stdout.decode("utf-8", "replace").strip() if r.returncode == 0 else \
            f"failed (exit {r.returncode})"
    return obs


def cjson_tests(root: Path, run: Exec, bins: dict[str, str]) -> dict[str, str]:
    obs: dict[str, str] = {}
    for prog in CJSON_TESTS:
        r = run([bins[f"tests/{prog}"]], root / "tests", 30)
        for line in _lines(r.stdout):
            m = re.match(r"^[^:]+:\d+:(\w+):(PASS|FAIL|IGNORE)", line)
            if m:
                obs[f"{prog}/{m.group(1)}"] = m.group(2)
    return obs


# jimtcl: one test per file of its own suite (tests/*.test), with the counts gcc's build gets.
JIM_SLOW = {"timer.test", "event.test", "exec.test", "exec2.test", "signal.test",
            "socket.test", "ssl.test", "tty.test", "history.test", "interactive.test",
            "perf.test", "pid.test", "posix.test", "aio.test"}


def jim_tests(root: Path, run: Exec, bins: dict[str, str]) -> dict[str, str]:
    obs: dict[str, str] = {}
    for f in sorted((root / "tests").glob("*.test")):
        if f.name in JIM_SLOW:
            continue
        r = run([bins["jimsh"], f.name], root / "tests", 60)
        summary = [ln.strip() for ln in _lines(r.stdout) if f.name + ":" in ln]
        obs[f.name] = (summary[-1] if summary else "no summary") + f" (exit {r.returncode})"
    return obs


# jq: one test per case of tests/jq.test, onig.test and base64.test (`jq --run-tests`).
def jq_tests(root: Path, run: Exec, bins: dict[str, str]) -> dict[str, str]:
    obs: dict[str, str] = {}
    for suite_file in ("jq.test", "onig.test", "base64.test"):
        r = run([bins["jq"], "-L", "tests/modules", "--run-tests", f"tests/{suite_file}"],
                root, 120)
        for line in _lines(r.stdout):
            m = re.match(r"^Testing .* at line number (\d+)$", line)
            if m:
                obs[f"{suite_file}:{m.group(1)}"] = "ok"
                continue
            m = re.search(r"(?:at line number|at line|on line) (\d+)", line)
            if line.startswith("***") and m and f"{suite_file}:{m.group(1)}" in obs:
                obs[f"{suite_file}:{m.group(1)}"] = "failed"
    return obs


# SQLite: one test per file of a subset of its own Tcl suite, run by the testfixture built
# with the candidate (files that run in well under a second with gcc's build, no threads,
# no crash or fault-injection simulation).
SQLITE_TESTS = [
    "select1", "select2", "select3", "select4", "select5", "select6", "select7", "select8",
    "select9", "selectA", "selectB", "selectC", "insert", "insert2", "insert3", "insert4",
    "update", "delete", "expr", "func", "func2", "func3", "join", "join2", "join3", "join4",
    "join5", "where", "where2", "where3", "where4", "where5", "where6", "where7", "where8",
    "index", "index2", "index3", "index4", "index5", "subquery", "subquery2", "trigger1",
    "trigger2", "view", "with1", "with2", "window1", "window2", "window3", "collate1",
    "collate2", "collate3", "cast", "coalesce", "date", "printf", "like", "like2", "limit",
    "orderby1", "orderby2", "distinct", "types", "types2", "types3", "null", "upsert1",
    "upsert2", "alter", "alter2", "alter3", "autoinc", "rowid", "intpkey", "json101",
    "json102", "json103", "fkey1", "fkey2", "analyze", "vacuum", "attach", "blob",
    "conflict", "default", "e_select", "e_expr", "check", "between", "in", "in2", "tkt-b351d95f9c",
]


def sqlite_tests(root: Path, run: Exec, bins: dict[str, str]) -> dict[str, str]:
    obs: dict[str, str] = {}
    for name in SQLITE_TESTS:
        script = root / "test" / f"{name}.test"
        if not script.is_file():
            continue
        r = run([bins["testfixture"], f"test/{name}.test"], root, 120)
        summary = [ln for ln in _lines(r.stdout) if re.match(r"^\d+ errors out of \d+ tests", ln)]
        obs[name] = (summary[-1].split(" on ")[0] if summary else "no summary") + \
            f" (exit {r.returncode})"
    return obs


# Each `prepare` runs in the unpacked sources with CC/AR set to recording wrappers; it
# configures, then exports CCREC_LOG=$RECORD_LOG for the build whose commands are the recipe.
PROJECTS = [
    Project("01-zlib", "zlib", zlib_tests,
            notes="zlib 1.2.13: test/example.c (one test per check), minigzip round trips at "
                  "six settings (output must be gcc's byte for byte), test/infcover.c"),
    Project("02-cjson", "cjson", cjson_tests,
            notes="cJSON 1.7.15: its Unity test programs (tests/*.c), one test per case"),
    Project("03-jimtcl", "jimtcl", jim_tests, exec_self=True,
            notes="Jim Tcl 0.81 (a small Tcl interpreter): its own test files (tests/*.test) "
                  "that need no sockets, signals, timers or subprocesses but itself, one test "
                  "per file"),
    Project("04-jq", "jq", jq_tests, test_timeout=120, libraries=("libonig.so.5",),
            notes="jq 1.6: every case of tests/jq.test, onig.test and base64.test"),
    Project("05-sqlite", "sqlite", sqlite_tests, test_timeout=600,
            libraries=("libtcl8.6.so", "libz.so.1"), data=("/usr/share/tcltk", "/usr/lib/tcltk"),
            notes="SQLite 3.40.1: the testfixture (SQLite + its Tcl test harness) and a subset "
                  "of its Tcl test files (SQLITE_TESTS), one test per file"),
]


def project(name: str) -> Project:
    for p in PROJECTS:
        if name in (p.name, p.stage):
            return p
    raise KeyError(f"no project {name!r} (have {', '.join(p.name for p in PROJECTS)})")


def available(home: Path = HOME) -> bool:
    """Whether the prepared sources are here (the scenario image), so tier 5 can be graded."""
    return (home / "recipes").is_dir()


# ------------------------------------------------------------------ building and testing


def _tree_to_build(p: Project, home: Path, cell: Any, steps: list[Step], seed: str | None
                   ) -> tuple[Path, dict[str, SaltFunction]]:
    """The project's sources copied into the build cell, salted, handed to its uid."""
    import suite

    root = cell.workdir / "src"
    shutil.copytree(home / "src" / p.source, root, symlinks=True)
    salts = replay.apply_salt(root, steps, seed) if seed is not None else {}
    for s in steps:  # folders the build writes into (e.g. libtool's .libs/)
        (root / s.cwd / s.output).parent.mkdir(parents=True, exist_ok=True)
    suite.give_tree(cell, root)
    return root, salts


def _salt_check(cells: Any, bcell: Any, tcell: Any, run: Run, steps: list[Step],
                root: Path, salts: dict[str, SaltFunction]) -> str | None:
    """replay.check_salt, with the checker linked and run in the test cell from copies of the
    objects (the build cell's processes are gone; it cannot touch the check)."""
    import suite

    objs = replay.objects(root, steps)
    functions = [salts[src] for src in objs.values()]
    names = [f"o{k}.o" for k in range(len(objs))]
    try:
        for obj, name in zip(objs, names, strict=True):
            suite.place(cells, tcell, f"saltcheck/{name}", cells.read(bcell, f"src/{obj}"))
    except (OSError, RuntimeError) as exc:
        return f"an object of the build cannot be read: {exc}"
    suite.place(cells, tcell, "saltcheck/check.s", checker_asm(functions).encode())

    def in_cell(cmd: list[str], cwd: Path, timeout: float) -> Any:
        return suite.run_in(cells, tcell, run, cmd, timeout, cwd=cwd)

    def sealed(program: str, timeout: float) -> Any:
        installed = cells.install(tcell, program)
        return suite.run_program(cells, tcell, run, installed, [], timeout)

    return replay.check_salt(tcell.workdir / "saltcheck", names, functions, in_cell, sealed,
                             {obj: salts[src] for obj, src in objs.items()})


def run_project(p: Project, compiler: str, home: Path, cells: Any, run: Run, index: int,
                seed: str | None, jobs: int, keep: Path | None = None,
                deadline: float | None = None, fresh_tests: bool = True
                ) -> tuple[Build, dict[str, str]]:
    """Build ``p`` with ``compiler`` in cell ``index`` and run its tests in cell ``index + 1``:
    (build, observed).

    The build cell gets a salted copy of the sources (``seed``: this grading's; None: no
    salt). After the build its processes are stopped, the salt is checked, the programs the
    tests need are vetted and copied out, and the tests run in the other cell, from a fresh
    copy of the sources the compile never saw (``fresh_tests=False``: in the build tree, as
    before issue 18, to measure what that stops). ``cells``/``run``: where and how commands
    run (see suite.py: the grader's jail, or plain folders)."""
    import suite

    steps = load_recipe(home, p.source)
    with cells.cell(index) as bcell, cells.cell(index + 1) as tcell:
        root, salts = _tree_to_build(p, home, bcell, steps, seed)

        def in_build(cmd: list[str], cwd: Path, timeout: float) -> Any:
            return suite.run_in(cells, bcell, run, cmd, timeout, cwd=cwd, cap=1 << 20)

        b = replay.build(root, steps, compiler, in_build, jobs, deadline)
        observed: dict[str, str] = {}
        if b.ok:
            cells.stop(bcell)
            marked = replay.gcc_marked(lambda rel: cells.read(bcell, f"src/{rel}"), steps, root)
            b.notes["gcc_marked_objects"] = {"count": len(marked), "first": marked[:5]}
            if seed is not None:
                problem = _salt_check(cells, bcell, tcell, run, steps, root, salts)
                if problem:
                    b = Build(False, problem, b.steps, b.seconds, b.notes)
        if b.ok:
            tests_cell = tcell if fresh_tests else bcell
            bins: dict[str, str] = {}
            for target in p.targets:
                rel = f"src/{target}"
                folder = tests_cell.bindir
                for part in Path(rel).parts[:-1]:  # traversable by the cell, whatever the umask
                    folder = folder / part
                    folder.mkdir(exist_ok=True)
                    folder.chmod(0o711)
                try:
                    bins[target] = str(cells.install(bcell, rel, p.libraries, into=tests_cell))
                except (OSError, RuntimeError) as exc:
                    b = Build(False, f"{target}: {exc}", b.steps, b.seconds, b.notes)
                    break
            if b.ok:
                troot = root
                if fresh_tests:
                    troot = tcell.workdir / "tests"
                    suite.fresh_tree(tcell, home / "src" / p.source, troot)
                built = set(bins.values())

                def exec_(cmd: list[str], cwd: Path, timeout: float, stdin: str | None = None,
                          stdout: str | None = None) -> Any:
                    if cmd[0] not in built:  # a system program (sh, cmp, ...)
                        return suite.run_in(cells, tests_cell, run, cmd, timeout, cwd=cwd)
                    return suite.run_program(
                        cells, tests_cell, run, Path(cmd[0]), cmd[1:], timeout, cwd=cwd,
                        readable=[troot, *map(Path, p.data)], writable=[troot],
                        libraries=p.libraries, stdin=stdin, stdout=stdout,
                        exec_self=p.exec_self)

                observed = p.run_tests(troot, exec_, bins)
        if keep is not None:
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(root, keep, symlinks=True)
    return b, observed


def verdicts(expected: dict[str, str], observed: dict[str, str], built: bool
             ) -> dict[str, str]:
    """A verdict per expected test: pass when the candidate's build observed the same."""
    if not built:
        return {k: "error" for k in expected}
    return {k: "pass" if observed.get(k) == v else "fail" for k, v in expected.items()}


def load_expected(home: Path, p: Project) -> dict[str, str]:
    return json.loads((home / "expected" / f"{p.name}.json").read_text())["tests"]


def grade(p: Project, compiler: Path | None, home: Path, cells: Any, run: Run, index: int,
          seed: str | None, jobs: int, deadline: float | None = None, fresh_tests: bool = True
          ) -> tuple[dict[str, str], dict[str, Any]]:
    """The grader's entry: ({test: verdict}, details) for one project, built in cells
    ``index`` and ``index + 1`` (``seed``: the salt's, None without; see ``run_project``)."""
    try:
        expected = load_expected(home, p)
    except (OSError, ValueError) as exc:
        return {"build": "error"}, {"reason": f"grader: no expected results: {exc}"}
    if compiler is None:
        return {k: "error" for k in expected}, {"reason": "compiler missing"}
    if deadline is not None and time.monotonic() > deadline - 60:
        return {k: "timeout" for k in expected}, {"reason": "no time left in this grading"}
    b, observed = run_project(p, str(compiler), home, cells, run, index, seed, jobs,
                              deadline=deadline, fresh_tests=fresh_tests)
    result = verdicts(expected, observed, b.ok)
    wrong = [k for k, v in result.items() if v == "fail"][:50]
    details = {"built": b.ok, "reason": b.reason, "build_seconds": round(b.seconds, 1),
               "failed_step": b.steps[-1] if b.steps and b.step_failed else None, **b.notes,
               "mismatches": {k: {"expected": expected[k][:300],
                                  "observed": observed.get(k, "(nothing)")[:300]}
                              for k in wrong}}
    if not b.ok and "timed out" in b.reason:
        result = {k: "timeout" for k in expected}
    return result, details


# ------------------------------------------------------------------ image build


def expect(home: Path, names: list[str], jobs: int) -> int:
    """Build every project with gcc (salted, as the grader would) and store its results."""
    import suite

    (home / "expected").mkdir(exist_ok=True)
    failed = 0
    for p in [project(n) for n in names]:
        b, observed = run_project(p, "gcc", home, suite.PlainCells(), simple_run, 0,
                                  "gcc-check", jobs)
        if not b.ok or not observed:
            print(f"{p.name}: gcc's build failed: {b.reason}", file=sys.stderr)
            failed += 1
            continue
        # Results that differ between two gcc runs are not tests (timing, addresses, ...). A
        # run that saw other tests than the first was cut short (a time limit on a loaded
        # machine): run again rather than lose its tests, and refuse to guess after 3 runs.
        runs = [observed]
        for k in range(2, 4):
            _, again = run_project(p, "gcc", home, suite.PlainCells(), simple_run, 0,
                                   f"gcc-check{k}", jobs)
            runs.append(again)
            if set(again) == set(observed):
                break
        if set(runs[-1]) != set(observed):
            print(f"{p.name}: gcc's runs saw different tests ({len(observed)}, "
                  f"{', '.join(str(len(r)) for r in runs[1:])}): a run was cut short; "
                  "build again on a quieter machine", file=sys.stderr)
            failed += 1
            continue
        again = runs[-1]
        tests = {k: v for k, v in observed.items() if again.get(k) == v and v != "IGNORE"}
        unstable = sorted(set(observed) - set(tests))
        (home / "expected" / f"{p.name}.json").write_text(json.dumps(
            {"project": p.name, "tests": tests, "left_out": unstable,
             "gcc_build_seconds": round(b.seconds, 1)}, indent=1, sort_keys=True))
        print(f"{p.name}: {len(tests)} tests ({len(unstable)} unstable left out), "
              f"gcc build {b.seconds:.0f} s", flush=True)
    return 1 if failed else 0


def test_cli(home: Path, names: list[str], compiler: str, jobs: int, keep: Path | None) -> int:
    """The agent's way to run tier 5: build with its compiler, compare with gcc's results."""
    import suite

    total = passed = 0
    for p in [project(n) for n in names]:
        expected = load_expected(home, p)
        b, observed = run_project(p, compiler, home, suite.PlainCells(), simple_run, 0,
                                  "visible-run", jobs, keep / p.name if keep else None)
        result = verdicts(expected, observed, b.ok)
        good = sum(v == "pass" for v in result.values())
        total += len(result)
        passed += good
        if not b.ok:
            print(f"{p.name}: BUILD FAILED ({b.seconds:.0f} s): {b.reason}")
            if b.steps:
                print("  " + b.steps[-1]["stderr"].strip().replace("\n", "\n  ")[-1500:])
        for k, v in sorted(result.items()):
            if v != "pass" and b.ok:
                print(f"FAIL {p.name}/{k}: expected {expected[k]!r}, got "
                      f"{observed.get(k, '(nothing)')!r}")
        print(f"t5/{p.stage:24s} {good:4d}/{len(result)}")
    print(f"{'TOTAL':27s} {passed:4d}/{total}")
    return 0 if passed == total else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="tier 5 of the c-compiler scenario")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("expect", "test"):
        sp = sub.add_parser(name)
        sp.add_argument("names", nargs="*", help="projects (default: all)")
        sp.add_argument("--home", default=str(HOME))
        sp.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
        if name == "test":
            sp.add_argument("--compiler", default=str(Path.cwd() / "compile"))
            sp.add_argument("--keep", default=None, help="copy each built tree here")
    args = ap.parse_args(argv)
    home = Path(args.home)
    names = args.names or [p.name for p in PROJECTS]
    if args.cmd == "expect":
        return expect(home, names, args.jobs)
    compiler = str(Path(args.compiler).resolve())
    return test_cli(home, names, compiler, args.jobs, Path(args.keep) if args.keep else None)


if __name__ == "__main__":
    sys.exit(main())
