"""The toy C compiler's fuzz measure on a host (no Docker): the generator (determinism, no
undefined behaviour under gcc's sanitizers, the reference compiler agreeing with gcc), the
oracle's discard-and-replace, the outcomes a candidate can have, and C-Reduce's time bound.
The grader runs with ``--jail off`` here; tests/scenarios/test_fuzz_run.py runs it sealed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.scenarios.conftest import compiler, toy_reference

REPO = Path(__file__).resolve().parents[2]
GRADER = REPO / "scenarios" / "toy-c-compiler" / "grader"

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="host gcc required")


@pytest.fixture(scope="module")
def grader() -> Iterator[dict[str, ModuleType]]:
    """The grader's modules (python3 stdlib files of the scenario), imported as it does."""
    sys.path.insert(0, str(GRADER))
    try:
        import fuzz
        import grade
        import reduce
        import toygen

        yield {"fuzz": fuzz, "grade": grade, "reduce": reduce, "toygen": toygen}
    finally:
        sys.path.remove(str(GRADER))


def run(cmd: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout, check=False)


def test_the_generator_is_deterministic(grader: dict[str, ModuleType]) -> None:
    gen = grader["toygen"].generate
    a, b = gen(12345), gen(12345)
    assert a == b and a.source.startswith("int printf(char *fmt, ...);")
    sources = {gen(s).source for s in range(20)}
    assert len(sources) == 20
    assert set().union(*(gen(s).features for s in range(20))) <= set(grader["toygen"].FEATURES)
    fuzz = grader["fuzz"]
    seeds = {fuzz.derive(7, i, a) for i in range(8) for a in range(3)} | \
        {fuzz.derive(8, i, 0) for i in range(8)}
    assert len(seeds) == 32  # every program of every evaluation its own


SAMPLE = range(900, 912)


def test_generated_programs_have_no_undefined_behaviour(grader: dict[str, ModuleType],
                                                        tmp_path: Path) -> None:
    """Each program built plain at -O0 and -O2, and under ASan and UBSan (in two builds, as
    the reductions check variants): one output, no sanitizer report."""
    ubsan = grader["reduce"].SANITIZE
    builds = [["-O0"], ["-O2"], ["-O1", "-fsanitize=address"],
              *(["-O0", *flags] for flags in ubsan)]
    for seed in SAMPLE:
        (tmp_path / "t.c").write_text(grader["toygen"].generate(seed).source)
        seen = set()
        for k, flags in enumerate(builds):
            comp = run(["gcc", "-std=gnu11", "-w", *flags, "-fno-sanitize-recover=all", "t.c",
                        "-o", f"b{k}"], tmp_path, 180)
            assert comp.returncode == 0, (seed, flags, comp.stderr[-500:])
            out = run([f"./b{k}"], tmp_path, 30)
            assert out.stderr == b"", (seed, flags, out.stderr[-800:])
            seen.add((out.returncode, out.stdout))
        assert len(seen) == 1, (seed, seen)


def test_the_reference_compiler_agrees_with_gcc(grader: dict[str, ModuleType],
                                                 tmp_path: Path) -> None:
    ref = toy_reference(tmp_path / "ref")
    for seed in SAMPLE:
        (tmp_path / "t.c").write_text(grader["toygen"].generate(seed).source)
        assert run(["gcc", "-w", "t.c", "-o", "g"], tmp_path).returncode == 0
        built = run([str(ref / "compile"), "t.c", "-o", "r"], tmp_path, 120)
        assert built.returncode == 0, (seed, built.stderr[-500:])
        want, got = run(["./g"], tmp_path), run(["./r"], tmp_path)
        assert (got.returncode, got.stdout) == (want.returncode, want.stdout), seed


# ------------------------------------------------------------ the oracle and the outcomes

GOOD = 'int printf(char *f, ...);\nint main(void) { printf("%d\\n", 6 * 7); return 3; }\n'
OPTIMIZED = ('int printf(const char *f, ...);\nint main(void) {\n#ifdef __OPTIMIZE__\n'
             '  printf("2\\n");\n#else\n  printf("0\\n");\n#endif\n  return 0;\n}\n')
FOREVER = "int main(void) { for (;;) { } }\n"


class Planted:
    """A ``fuzz.Source`` whose program 0 disagrees between -O0 and -O2 at attempt 0 and
    loops forever at attempt 1; attempt 2 (and every other program) is fine."""

    def __init__(self, fuzz: ModuleType, seed: int) -> None:
        self.fuzz = fuzz
        self.seeds = {fuzz.derive(seed, 0, 0): OPTIMIZED, fuzz.derive(seed, 0, 1): FOREVER}

    def make(self, seed: int, index: int) -> Any:
        return self.fuzz.Case(index, seed, "toy", self.seeds.get(seed, GOOD), ("planted",))


def test_discarded_programs_are_replaced(grader: dict[str, ModuleType], tmp_path: Path) -> None:
    fuzz, grade = grader["fuzz"], grader["grade"]
    jail = sys.modules["jail"]
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "compile").write_text('#!/bin/sh\nexec gcc -w "$@"\n')
    (ws / "compile").chmod(0o755)
    cells = jail.Unconfined(ws)
    ctx = grade.Context(grade.find_compiler(ws), cells, 30.0, 5.0)
    plan = fuzz.Plan(3, seed=41, oracle_timeout=1.0)
    with ThreadPoolExecutor(2) as pool:
        out = fuzz.run_fuzz(plan, Planted(fuzz, 41), cells,
                            lambda i, p, want: grade.grade_valid(ctx, i, p, want), pool, 0)
    assert out["discards"] == {"gcc -O0 and -O2 disagree": 1, "ran past 1 s (gcc -O0)": 1}
    assert (out["tried"], out["agreed"], out["discarded"], out["unusable"]) == (3, 3, 2, 0)

    class Broken:
        def make(self, seed: int, index: int) -> Any:
            raise RuntimeError("no program today")

    with ThreadPoolExecutor(2) as pool:
        out = fuzz.run_fuzz(fuzz.Plan(2, seed=1, attempts=2), Broken(), cells,
                            lambda i, p, want: ("pass", {}), pool, 0)
    assert (out["tried"], out["unusable"]) == (0, 2)
    assert out["discards"] == {"generator failed: no program today": 4}


def toy_grade(ws: Path, *args: str, timeout: float = 600) -> dict[str, Any]:
    r = subprocess.run([sys.executable, str(GRADER / "grade.py"), str(ws), "--jail", "off",
                        "--jobs", "2", *args], capture_output=True, text=True, timeout=timeout,
                       check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


# gcc, except that `a % b` is computed as `a / b` (the generator writes binary operators
# between spaces; printf's formats have none)
PERCENT_AS_DIV = ('src=""; for a in "$@"; do case "$a" in *.c) src="$a";; esac; done\n'
                  'sed "s| % | / |g" "$src" > "$src.x.c" && mv "$src.x.c" "$src"\n'
                  'exec gcc -w "$@"\n')


@pytest.fixture(scope="module")
def candidates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("candidates")
    return {"gcc": compiler(root, "gcc", 'exec gcc -w "$@"\n'),
            "reject": compiler(root, "reject", "echo no >&2; exit 1\n"),
            "crash": compiler(root, "crash", "kill -SEGV $$\n"),
            "percent": compiler(root, "percent", PERCENT_AS_DIV)}


def test_each_outcome_of_a_candidate(candidates: dict[str, Path]) -> None:
    """Programs tried, agreed, miscompiled, crashed, rejected, by feature: the stage score is
    the suite's alone (a compiler that is gcc passes 01-return either way)."""
    seen = {}
    for name, ws in candidates.items():
        out = toy_grade(ws, "--stages", "01-return", "--fuzz", "8", "--fuzz-seed", "5")
        seen[name] = out["fuzz"]
        assert out["fuzz"]["seed"] == 5 and out["fuzz"]["tried"] == 8
    assert seen["gcc"]["agreed"] == 8
    assert seen["reject"]["rejected"] == 8 and seen["crash"]["crashed"] == 8
    pct = seen["percent"]
    assert pct["miscompiled"] >= 1 and pct["agreed"] + pct["miscompiled"] == 8
    assert all("mod" in f["features"] for f in pct["failures"])
    tried, agreed = pct["by_feature"]["mod"]
    assert agreed < tried  # what went wrong shows by feature
    assert all(f["expected"] and f["got"] for f in pct["failures"])


def test_a_reduction_is_bounded_in_time(candidates: dict[str, Path]) -> None:
    """C-Reduce stopped at its bound keeps the smallest miscompile it had: still one, still
    naming `%`, and it says it was stopped."""
    out = toy_grade(candidates["percent"], "--stages", "01-return", "--fuzz", "8",
                    "--fuzz-seed", "5")
    fail = out["fuzz"]["failures"][0]
    bound = 6.0
    ask = json.dumps({"cases": [{"index": fail["index"], "seed": fail["seed"]}],
                      "seconds": bound})
    t0 = time.monotonic()
    red = toy_grade(candidates["percent"], "--reduce", ask)
    took = time.monotonic() - t0
    assert red["tests"] == {} and len(red["reduced"]) == 1
    r = red["reduced"][0]
    assert r["status"] in ("reduced", f"partly reduced (stopped at {bound:g} s)"), r["status"]
    # the bound, then one last check of what C-Reduce left (a few seconds on a loaded host)
    assert r["seconds"] <= bound + 60 and took <= bound + 90
    assert " % " in r["reduced"] and r["lines_after"] <= r["lines_before"]
    assert r["expected"]["stdout"] != r["got"]["stdout"] or \
        r["expected"]["exit_code"] != r["got"]["exit_code"]


@pytest.mark.slow  # five gradings of a stage on this host
def test_gccs_part_made_before_gives_the_same_measure(grader: dict[str, ModuleType],
                                                      candidates: dict[str, Path],
                                                      tmp_path: Path) -> None:
    """What ultrarun asks: gcc's part alone on an empty workspace ($ULTRARUN_FUZZ_ORACLE),
    then the grading with that table ($ULTRARUN_FUZZ_EXPECTED): the same outcomes as gcc run in
    the grading. The table is what counts (an output changed in it makes a miscompile of gcc
    itself); a table of another seed is not used."""
    fuzz = grader["fuzz"]

    def graded(ws: Path, seed: int, table: str) -> dict[str, Any]:
        r = subprocess.run([sys.executable, str(GRADER / "grade.py"), str(ws), "--stages",
                            "01-return", "--jail", "off", "--jobs", "2"],
                           capture_output=True, text=True, timeout=600, check=False,
                           env={"PATH": "/usr/bin:/bin", "ULTRARUN_FUZZ": f"6:{seed}",
                                "ULTRARUN_FUZZ_EXPECTED": table})
        assert r.returncode == 0, r.stderr[-2000:]
        return json.loads(r.stdout.strip().splitlines()[-1])

    both = toy_grade(candidates["percent"], "--stages", "01-return", "--fuzz", "6",
                     "--fuzz-seed", "11")
    empty = tmp_path / "empty"
    empty.mkdir()
    made = toy_grade(empty, "--fuzz", "6", "--fuzz-seed", "11", "--fuzz-oracle")
    assert (made["tests"], made["stages"], "fuzz" in made) == ({}, {}, False)
    out = graded(candidates["percent"], 11, made["oracle"])
    assert out["tests"] == both["tests"] and out["fuzz"] == both["fuzz"]
    plan = fuzz.Plan(6, 11)
    rows = fuzz.read_table(made["oracle"], plan)
    usable = min(i for i, r in rows.items() if r["seed"] is not None)
    rows[usable]["expected"][1] = "forged\n"
    forged = fuzz.encode_table(plan, [rows[i] for i in sorted(rows)])
    gcc = graded(candidates["gcc"], 11, forged)["fuzz"]
    assert gcc["miscompiled"] == 1 and gcc["failures"][0]["index"] == usable
    assert gcc["failures"][0]["expected"]["stdout"] == "forged\n"
    assert graded(candidates["gcc"], 12, forged)["fuzz"]["agreed"] == 6  # another seed's


@pytest.mark.slow  # the CLI, and two gradings of a stage on this host
def test_ultrarun_grade_fuzzes_any_workspace(candidates: dict[str, Path]) -> None:
    """`ultrarun grade SCENARIO --workspace DIR --fuzz N --seed S`: gcc's part first, then the
    suite and the candidate on the programs of that seed (as the grader draws them alone)."""
    scenario = REPO / "tests" / "data" / "scenarios" / "toy-fuzz"
    r = subprocess.run([sys.executable, "-m", "agent.cli.main", "grade", str(scenario),
                        "--workspace", str(candidates["percent"]), "--sandbox", "local",
                        "--fuzz", "6", "--seed", "11", "--reduce", "0", "--json"],
                       capture_output=True, text=True, timeout=900, cwd=REPO, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["total"] == 20 and set(out["stages"]) == {"03-binary"}
    direct = toy_grade(candidates["percent"], "--stages", "03-binary", "--fuzz", "6",
                       "--fuzz-seed", "11", "--fuzz-only")["fuzz"]
    assert {k: out["fuzz"][k] for k in direct} == direct
    assert out["fuzz"]["miscompiled"] >= 1
