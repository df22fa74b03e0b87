"""The c-compiler scenario on the host (no Docker): suite shape, expected results, the grader
against honest and dishonest compilers, tier selection, and tier 5's build replay."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from agent.scenario.loader import load_scenario
from tests.scenarios.conftest import toy_reference

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "c-compiler"
TOY = REPO / "scenarios" / "toy-c-compiler"
HIDDEN = SCENARIO / "grader" / "tests"  # tiers 2-4; tier 1 is toy-c-compiler's (included)
VISIBLE = SCENARIO / "workspace" / "tests"
LIB = SCENARIO / "image" / "programs"
sys.path.insert(0, str(LIB))

import programs  # noqa: E402
import recipes  # noqa: E402
import salt  # noqa: E402
import suite  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="host gcc required")
NEW_TIERS = ("t2", "t3", "t4")


def _exe(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture(scope="module")
def grade(c_compiler_grader: Path) -> Callable[..., dict]:
    """grade.py of the assembled /grader, on the host (the suite's modules from image/)."""
    def run(workspace: Path, *args: str, env: dict | None = None, timeout: float = 900) -> dict:
        env = {**(env or os.environ), "CCOMPILER_PROGRAMS": str(LIB)}
        return _grade(c_compiler_grader / "grade.py", workspace, *args, env=env,
                      timeout=timeout)
    return run


def _grade(grader: Path, workspace: Path, *args: str, env: dict, timeout: float) -> dict:
    proc = subprocess.run([sys.executable, str(grader), str(workspace), *args],
                          capture_output=True, text=True, env=env, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, "grade.py prints nothing but the result on stdout"
    result = json.loads(lines[0])
    assert set(result) == {"tests", "stages"}
    return result


def _by_tier(result: dict) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = {}
    for key, verdict in result["tests"].items():
        counts = out.setdefault(key.split("/")[0], [0, 0])
        counts[0] += verdict == "pass"
        counts[1] += 1
    return {k: (p, t) for k, (p, t) in out.items()}


# ------------------------------------------------------------------ the scenario and suite


def test_scenario_loads_with_a_schedule_per_tier() -> None:
    s = load_scenario("c-compiler")
    assert s.grader is not None and s.grader.isolate
    assert set(s.grader.parts) == {"t1", "t2", "t3", "t4", "t5"}
    assert s.grader.parts["t5"] > s.grader.parts["t1"]
    assert s.budgets.max_steps == 20000 and s.budgets.max_time_s == 72 * 3600
    assert s.image_context == (SCENARIO / "image", "Dockerfile")
    text = s.prompt_text
    for stage in ("t1/17-invalid", "11-struct-by-value", "06-system-headers",
                  "06-setjmp", "t5/05-sqlite", "-c a.c", "-S a.c"):
        assert stage in text, stage


def test_tier_1_is_the_toy_suite(c_compiler_grader: Path, tmp_path: Path) -> None:
    """Tier 1's tests and the grader's jail (with confine and sealed) and runner are
    toy-c-compiler's, included: one copy, in that scenario's folder, assembled into /grader
    and the seed workspace (a scenario folder holds no link out of itself, and no copy of
    another's files)."""
    assert not (HIDDEN / "t1").exists() and not (VISIBLE / "t1").exists()
    assert not (SCENARIO / "grader" / "jail.py").exists()
    assert len(list((c_compiler_grader / "tests" / "t1").glob("*/*.expected.json"))) == 380
    for name in ("jail.py", "confine.py", "sealed.py", "runner.py"):
        assert (c_compiler_grader / name).read_bytes() == \
            (TOY / "grader" / name).read_bytes()
    workspace = load_scenario("c-compiler").workspace_tree
    assert workspace is not None
    seed = workspace.assemble(tmp_path / "ws")
    def listing(root: Path) -> list[Path]:
        return sorted(p.relative_to(root) for p in root.rglob("*"))

    assert listing(seed / "tests" / "t1") == listing(TOY / "workspace" / "tests")
    links = [p for p in SCENARIO.rglob("*") if p.is_symlink()]
    assert not links, links


def test_new_tiers_shape() -> None:
    hidden = suite.list_suite(HIDDEN, NEW_TIERS)
    visible = suite.list_suite(VISIBLE, NEW_TIERS)
    assert len(hidden) >= 180
    stages = {(t, s) for t, s, _, _ in hidden}
    assert stages == {(t, s) for t, s, _, _ in visible}, "every stage has visible samples"
    for tier, stage in stages:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+", stage), stage
        n_hidden = sum(1 for t, s, _, _ in hidden if (t, s) == (tier, stage))
        n_visible = sum(1 for t, s, _, _ in visible if (t, s) == (tier, stage))
        assert n_hidden >= 3 and 2 <= n_visible <= 3, (tier, stage, n_hidden, n_visible)
    names = {(t, s, n) for t, s, n, _ in hidden}
    assert not names & {(t, s, n) for t, s, n, _ in visible}
    for tier, _, name, path in hidden + visible:
        exp = suite.expected_of(path)
        assert set(exp) - {"build"} == {"exit_code", "stdout"}, (tier, name)
        assert suite.sources_of(path), (tier, name)
        if tier == "t2":  # no preprocessor yet, but <stdarg.h>
            for src in ([path] if path.is_file() else list(path.glob("*.c"))):
                lines = [ln for ln in src.read_text().splitlines() if ln.startswith("#")]
                assert lines in ([], ["#include <stdarg.h>"]), (name, lines)
    modes = {suite.expected_of(p).get("build", {}).get("mode", "together")
             for _, _, _, p in hidden}
    assert modes == {"together", "separate", "asm"}


@pytest.mark.slow
def test_expected_results_match_gcc_at_O0_O2_and_with_sanitizers() -> None:
    """Every expected output is gcc's and independent of unspecified behaviour: gcc at -O0,
    -O2 and with sanitizers and tcc (no __GNUC__) agree; setjmp only where C11 defines it."""
    proc = subprocess.run([sys.executable, str(SCENARIO / "tools" / "regen_expected.py"),
                           "--check"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]


def test_lint_flags_setjmp_where_c11_leaves_it_undefined(tmp_path: Path) -> None:
    regen = _tool("regen_expected")
    bad = tmp_path / "bad.c"
    bad.write_text("int f(void) {\n    int x = setjmp(b);\n    y = sigsetjmp(e, 1) + 1;\n"
                   "    return x;\n}\n")
    problems = regen.lint(bad)
    assert [p.split(":")[1] for p in problems] == ["2", "3"], problems
    good = tmp_path / "good.c"
    good.write_text("#include <setjmp.h>\nvoid f(void) {\n    if (setjmp(b) == 0) g();\n"
                    "    if (!setjmp(b)) g();\n    switch (setjmp(b)) { default: ; }\n"
                    "    while (sigsetjmp(e, 1) < 3) g();\n    setjmp(b);\n"
                    "    (void)setjmp(b);\n    } else if (setjmp(b)) {\n}\n")
    assert regen.lint(good) == []


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_cc_tool_{name}",
                                                  SCENARIO / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ the grader, tiers 1-4


@pytest.fixture(scope="module")
def gcc_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("gcc-ws")
    _exe(ws / "compile", '#!/bin/sh\nexec gcc -w "$@"\n')
    return ws


def test_gcc_itself_passes_tiers_2_to_4(grade, gcc_workspace: Path, tmp_path: Path) -> None:
    """gcc as the candidate scores 100% (anything less is a bug of the suite)."""
    details = tmp_path / "details.json"
    result = grade(gcc_workspace, "--tiers", "t2,t3,t4", "--details", str(details))
    failing = {k: v for k, v in result["tests"].items() if v != "pass"}
    info = json.loads(details.read_text())
    assert not failing, {k: info[k].get("reason") for k in failing}
    assert set(_by_tier(result)) == {"t2", "t3", "t4"}
    assert all(re.fullmatch(r"t[234]/\d\d-[a-z0-9-]+", s) for s in result["stages"])


def test_skip_environment_leaves_tiers_out(grade, gcc_workspace: Path) -> None:
    env = {**os.environ, "ULTRARUN_GRADE_SKIP": "t1,t3,t4,t5"}
    result = grade(gcc_workspace, "--stages", "t2/01,t3/01", env=env)
    assert set(result["stages"]) == {"t2/01-unsigned"}
    assert all(k.startswith("t2/01-unsigned/") for k in result["tests"])


@pytest.mark.parametrize("name, script", [
    ("reject_all", "#!/bin/sh\nexit 1\n"),
    ("empty_output", '#!/bin/sh\nfor a; do out=$a; done\n: > "$out"; chmod +x "$out"\n'),
    ("empty_sh", '#!/bin/sh\nfor a; do out=$a; done\nprintf "#!/bin/sh\\n" > "$out"\n'
                 'chmod +x "$out"\n'),
])
def test_cheating_compilers_score_at_most_2_percent(grade, tmp_path: Path, name: str,
                                                    script: str) -> None:
    _exe(tmp_path / "compile", script)
    result = grade(tmp_path, "--tiers", "t1,t2,t3,t4", "--compile-timeout", "5")
    passed = sum(v == "pass" for v in result["tests"].values())
    assert len(result["tests"]) > 500
    assert passed <= 0.02 * len(result["tests"]), (name, _by_tier(result))


def test_empty_workspace_is_all_errors(grade, tmp_path: Path) -> None:
    result = grade(tmp_path, "--tiers", "t2,t3")
    assert set(result["tests"].values()) == {"error"}
    assert all(p == 0 for p, _ in result["stages"].values())


def test_the_local_backend_grades_from_the_assembled_grader(gcc_workspace: Path) -> None:
    """Without the scenario's image the grader finds the suite's modules in its assembled
    folder (the scenario includes its own image/programs): gcc passes tier 2 on the host."""
    from agent.scenario.grading import grade_workspace

    result = grade_workspace(load_scenario("c-compiler"), gcc_workspace, "local",
                             skip=["t1", "t3", "t4", "t5"])
    assert result.error is None
    assert result.total >= 100 and result.passed == result.total, result.stages


def test_toy_reference_compiler_climbs_tier_1_only(grade, tmp_path: Path) -> None:
    ws = toy_reference(tmp_path / "ws")
    result = grade(ws, "--stages", "t1/01,t1/05,t1/14,t2/01,t2/03")
    tiers = _by_tier(result)
    assert tiers["t1"][0] == tiers["t1"][1] > 30
    assert tiers["t2"][0] <= tiers["t2"][1] // 2  # no unsigned, no floating point


# ------------------------------------------------------------------ tier 5: recipes


def test_recorded_commands_become_replayable_steps() -> None:
    root = "/opt/c-programs/src/p"
    steps = recipes.normalise(
        ["-O2", "-g", "-Wall", "-DX=1", "-I", "inc", "-I/opt/c-programs/src/p/gen",
         "-MD", "-MF", "dep.d", "-fPIC", "-c", "a.c", "-o", "a.o"], root + "/lib", root)
    assert [(s.kind, s.cwd, s.source, s.output) for s in steps] == \
        [("cc", "lib", "a.c", "a.o")]
    assert steps[0].args == ["-DX=1", "-Iinc", "-I@ROOT@/gen"]
    steps = recipes.normalise(["-DT", "x.c", f"{root}/y.c", "lib.a", "-lm", "-pthread",
                                "-Wl,-E", "-L/usr/lib", "-o", "prog"], root, root)
    assert [(s.kind, s.source, s.output) for s in steps] == [
        ("cc", "x.c", "prog.u0.o"), ("cc", "y.c", "prog.u1.o"), ("link", "", "prog")]
    assert steps[-1].args == ["prog.u0.o", "prog.u1.o", "lib.a", "-lm", "-lpthread",
                              "-L/usr/lib"]
    kept = recipes.prune([recipes.Step("cc", ".", [], "unused.o", "u.c"), *steps],
                          ["prog"])
    assert [s.output for s in kept] == ["prog.u0.o", "prog.u1.o", "prog"]


TINY_PROJECT = programs.Project(
    "99-tiny", "tiny", lambda root, run, bins: {
        "adds": run([bins["prog"]], root, 10).stdout.decode().strip()}, targets_=["prog"])


@pytest.fixture()
def tiny_home(tmp_path: Path) -> Path:
    """A prepared tier-5 home with one small project: two files, an archive, a program."""
    home = tmp_path / "home"
    src = home / "src" / "tiny"
    src.mkdir(parents=True)
    (src / "add.c").write_text("int add(int a, int b) { return a + b; }\n")
    (src / "main.c").write_text('int printf(const char *, ...);\nint add(int, int);\n'
                                'int main(void) { printf("%d\\n", add(40, 2)); return 0; }\n')
    steps = [recipes.Step("cc", ".", [], "add.o", "add.c"),
             recipes.Step("ar", ".", ["add.o"], "libadd.a"),
             recipes.Step("cc", ".", [], "main.o", "main.c"),
             recipes.Step("link", ".", ["main.o", "libadd.a"], "prog")]
    (home / "recipes").mkdir()
    (home / "recipes" / "tiny.json").write_text(json.dumps(
        {"steps": [s.to_json() for s in steps]}))
    (home / "expected").mkdir()
    (home / "expected" / "tiny.json").write_text(json.dumps({"tests": {"adds": "42"}}))
    return home


def test_tier_5_build_replay_passes_an_honest_compiler(tiny_home: Path, tmp_path: Path
                                                        ) -> None:
    verdicts, info = programs.grade(TINY_PROJECT, Path(shutil.which("gcc") or "gcc"),
                                    tiny_home, suite.PlainCells(), programs.simple_run, 0,
                                    "s4lt", 2)
    assert verdicts == {"adds": "pass"}, info


CACHE_COMPILE = """#!/bin/sh
# -c: the cached object of this file (gcc's, made from the file without the salt), with the
# salt's text added as a section; links: gcc
src=""; out=""; prev=""
for a; do
  case "$a" in *.c) src="$a" ;; esac
  [ "$prev" = "-o" ] && out="$a"
  prev="$a"
done
[ -n "$src" ] || exec gcc "$@"
sed -n '/^unsigned long ultrarun_/,$p' "$src" > "$out.salt"
objcopy --add-section .ultrarun_salt="$out.salt" "{cache}/$(basename "$src" .c).o" "$out"
"""


def test_tier_5_objects_not_compiled_from_the_sources_fail(tiny_home: Path,
                                                          tmp_path: Path) -> None:
    """A compiler that hands back objects built beforehand (a cache of gcc's objects of the
    same sources, the salt's text added to them) misses the grader's salt; without the salt
    (the positive control) the same compiler passes."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ("add", "main"):
        subprocess.run(["gcc", "-c", str(tiny_home / "src" / "tiny" / f"{name}.c"), "-o",
                        str(cache / f"{name}.o")], check=True)
    ws = tmp_path / "ws"
    ws.mkdir()
    compiler = _exe(ws / "compile", CACHE_COMPILE.replace("{cache}", str(cache)))
    verdicts, info = programs.grade(TINY_PROJECT, compiler, tiny_home, suite.PlainCells(),
                                    programs.simple_run, 0, "s4lt", 1)
    assert verdicts == {"adds": "error"}
    assert "not compiled from the salted sources" in info["reason"], info
    assert "add.o" in info["reason"] and "main.o" in info["reason"]
    control, info = programs.grade(TINY_PROJECT, compiler, tiny_home, suite.PlainCells(),
                                   programs.simple_run, 0, None, 1)
    assert control == {"adds": "pass"}, info


def test_tier_5_tests_run_from_a_tree_the_compile_never_saw(tiny_home: Path,
                                                           tmp_path: Path) -> None:
    """A compile that writes into the sources (here: the answer file the program under test
    prints, instead of computing it) changes nothing: the tests run in a fresh copy. With the
    tests in the build tree (the positive control) it passes."""
    (tiny_home / "src" / "tiny" / "answer.txt").write_text("unknown\n")
    (tiny_home / "expected" / "tree.json").write_text(json.dumps({"tests": {"adds": "42"}}))
    project = programs.Project(
        "98-tree", "tiny", lambda root, run, bins: {
            "adds": run([bins["prog"]], root, 10).stdout.decode().strip()},
        targets_=["prog"])
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "cat.c").write_text('#include <stdio.h>\nint main(void) { char b[64] = "";\n'
                              '  FILE *f = fopen("answer.txt", "r");\n'
                              '  if (f && fgets(b, sizeof b, f)) fputs(b, stdout);\n'
                              '  return 0; }\n')
    compiler = _exe(ws / "compile", f"""#!/bin/sh
echo 42 > answer.txt  # the build runs in the project's root
for a; do [ "$a" = main.c ] && exec gcc -w -c {ws}/cat.c -o main.o; done
exec gcc -w "$@"
""")
    verdicts, info = programs.grade(project, compiler, tiny_home, suite.PlainCells(),
                                    programs.simple_run, 0, None, 1)
    assert verdicts == {"adds": "fail"}, info
    control, info = programs.grade(project, compiler, tiny_home, suite.PlainCells(),
                                   programs.simple_run, 0, None, 1, fresh_tests=False)
    assert control == {"adds": "pass"}, info


@pytest.mark.parametrize("compiler", ["gcc -O0", "gcc -O2", "tcc"])
def test_salt_functions_compute_what_the_grader_computes(compiler: str,
                                                         tmp_path: Path) -> None:
    """The salt's C and its Python model agree (80 random functions, built by gcc and by tcc,
    called by the grader's assembled checker): an honest compiler passes the salt check."""
    cc = compiler.split()
    if shutil.which(cc[0]) is None:
        pytest.fail(f"{cc[0]} is not installed (make test-tools installs it)")
    functions = [salt.salt_function(f"seed-{k // 8}", f"dir/f{k}.c") for k in range(80)]
    assert len({f.name for f in functions}) == 80
    objs = []
    for k, f in enumerate(functions):
        (tmp_path / f"f{k}.c").write_text(f"static int other{k}(void) {{ return {k}; }}\n"
                                          + f.source)
        subprocess.run([*cc, "-w", "-c", f"f{k}.c", "-o", f"f{k}.o"], cwd=tmp_path, check=True)
        objs.append(f"f{k}.o")
    (tmp_path / "check.s").write_text(salt.checker_asm(functions))
    subprocess.run(["as", "-o", "check.o", "check.s"], cwd=tmp_path, check=True)
    subprocess.run(["ld", "-static", "-e", salt.ENTRY, "-o", "check", "check.o", *objs,
                    "--unresolved-symbols=ignore-all", "-z", "muldefs"], cwd=tmp_path,
                   check=True)
    out = subprocess.run(["./check"], cwd=tmp_path, capture_output=True, check=True).stdout
    assert salt.wrong_results(functions, out) == []
    assert out == salt.expected_output(functions)
