"""Tests for the toy-c-compiler scenario: suite shape, expected files, grader
robustness and the reference compiler.  Needs host gcc (skipped otherwise)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.scenarios.conftest import toy_reference

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "toy-c-compiler"
GRADER = SCENARIO / "grader" / "grade.py"
HIDDEN = SCENARIO / "grader" / "tests"
VISIBLE = SCENARIO / "workspace" / "tests"

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="host gcc required")


def _programs(root: Path) -> dict[str, Path]:
    return {f"{c.parent.name}/{c.stem}": c for c in sorted(root.glob("*/*.c"))}


def _normalise(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r"\s+", "", text)


def _make_exe(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture(scope="module")
def no_cc1_env(tmp_path_factory) -> dict:
    """Environment whose `gcc` cannot compile C (like the grading container,
    where cc1 is removed) but still assembles and links .s input."""
    bindir = tmp_path_factory.mktemp("nocc1-bin")
    real_gcc = shutil.which("gcc")
    script = f"""#!/bin/sh
# Simulated gcc without cc1: refuse anything that needs the C front end
# (C input, preprocessing), pass assembling/linking through to the real gcc.
die() {{ echo "gcc: fatal error: cannot execute 'cc1': No such file or directory" >&2; exit 1; }}
lang=""
prev=""
for a in "$@"; do
  if [ "$prev" = "-x" ]; then lang="$a"; fi
  case "$a" in -x?*) lang="${{a#-x}}" ;; -E) die ;; esac
  case "$lang" in c|c-header|cpp-output|assembler-with-cpp) die ;; esac
  if [ "$prev" != "-o" ] && [ "$prev" != "-x" ] && [ "$lang" != "assembler" ]; then
    case "$a" in *.c|*.i|*.h|*.S|-) die ;; esac
  fi
  prev="$a"
done
exec {real_gcc} "$@"
"""
    for name in ("gcc", "cc", "c99"):
        _make_exe(bindir / name, script)
    env = dict(os.environ)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    return env


def _grade(
    workspace: Path, *args: str, env: dict | None = None, timeout: float = 300
) -> tuple[dict, str]:
    proc = subprocess.run(
        [sys.executable, str(GRADER), str(workspace), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, "grade.py must print nothing but the JSON result on stdout"
    result = json.loads(lines[-1])
    assert set(result) == {"tests", "stages"}
    return result, proc.stdout


def _valid_passes(result: dict) -> int:
    return sum(
        1
        for k, v in result["tests"].items()
        if v == "pass" and not k.split("/")[0].endswith("-invalid")
    )


# ----------------------------------------------------------------- suite shape


def test_hidden_suite_size_and_layout():
    hidden = _programs(HIDDEN)
    stages = sorted(p.name for p in HIDDEN.iterdir() if p.is_dir())
    assert len(hidden) >= 300
    assert len(stages) >= 12
    assert all(re.fullmatch(r"\d\d-[a-z0-9-]+", s) for s in stages)
    for stage in stages:
        assert len(list((HIDDEN / stage).glob("*.c"))) >= 10, stage
    for key, c_path in hidden.items():
        exp = json.loads(c_path.with_name(c_path.stem + ".expected.json").read_text())
        if key.split("/")[0].endswith("-invalid"):
            assert exp == {"reject": True}, key
        else:
            assert set(exp) == {"exit_code", "stdout"}, key
            assert 0 <= exp["exit_code"] <= 255, key
        assert "#include" not in c_path.read_text(), key


def test_visible_set_is_separate_and_covers_every_stage():
    hidden = _programs(HIDDEN)
    visible = _programs(VISIBLE)
    hidden_stages = {k.split("/")[0] for k in hidden}
    visible_stages = {k.split("/")[0] for k in visible}
    assert visible_stages == hidden_stages
    for stage in visible_stages:
        assert 3 <= len(list((VISIBLE / stage).glob("*.c"))) <= 5, stage
    assert not set(hidden) & set(visible), "visible and hidden tests share names"
    hidden_texts = {_normalise(p.read_text()) for p in hidden.values()}
    shared = [k for k, p in visible.items() if _normalise(p.read_text()) in hidden_texts]
    assert not shared, f"visible programs duplicated in the hidden suite: {shared}"
    for p in visible.values():
        assert p.with_name(p.stem + ".expected.json").is_file()
    assert not (SCENARIO / "workspace" / "compile").exists()


def _regen_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCENARIO / "tools" / "regen_expected.py"), "--check", *args],
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.mark.slow
def test_expected_files_match_gcc_built_every_way():
    """Every expected output is what gcc -O0, -O2, sanitized, tcc (a second compiler, no
    __GNUC__) and the reference compiler in all three evaluation orders agree on: none depends
    on unspecified behaviour."""
    proc = _regen_check()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_regen_check_flags_an_order_dependent_program(tmp_path):
    """The check catches what the suite once had: `return eval(a) + eval(b);`, each printing."""
    stage = tmp_path / "18-programs"
    stage.mkdir()
    (stage / "order.c").write_text(
        "int printf(char *fmt, ...);\n"
        "int say(int x) { printf(\"%d\\n\", x); return x; }\n"
        "int main(void) { return say(1) + say(2); }\n"
    )
    (stage / "order.expected.json").write_text('{"exit_code": 3, "stdout": "1\\n2\\n"}\n')
    proc = _regen_check("--ways", "gcc-O0,reference-rtl", str(tmp_path))
    assert proc.returncode == 1
    assert "order.c: depends on unspecified behaviour" in proc.stdout, proc.stdout
    assert "reference-rtl gives {'exit_code': 3, 'stdout': '2\\n1\\n'}" in proc.stdout


# ----------------------------------------------------------------- reference compiler


@pytest.mark.slow  # all 380 hidden tests
def test_reference_compiler_passes_hidden_suite_without_cc1(tmp_path, no_cc1_env):
    ws = tmp_path / "workspace"
    toy_reference(ws)
    details = tmp_path / "details.json"
    result, _ = _grade(ws, "--details", str(details), env=no_cc1_env)
    total = len(result["tests"])
    passed = sum(v == "pass" for v in result["tests"].values())
    assert total >= 300
    failing = {k: v for k, v in result["tests"].items() if v != "pass"}
    assert passed >= 0.95 * total, failing
    per_test = json.loads(details.read_text())
    assert set(per_test) == set(result["tests"])


def test_gcc_wrapper_scores_near_zero_without_cc1(tmp_path, no_cc1_env):
    ws = tmp_path / "ws"
    ws.mkdir()
    _make_exe(ws / "compile", '#!/bin/sh\nexec gcc "$1" -o "$3"\n')
    # Sanity check of the simulation: the wrapper works with a real cc1 ...
    src = HIDDEN / "01-return" / "return_7.c"
    ok = subprocess.run(
        [str(ws / "compile"), str(src), "-o", str(tmp_path / "a")], capture_output=True
    )
    assert ok.returncode == 0
    # ... and is useless without one: it rejects everything, valid twins included.
    result, _ = _grade(ws, env=no_cc1_env)
    passed = sum(v == "pass" for v in result["tests"].values())
    assert passed <= 0.02 * len(result["tests"]), result["stages"]


# ----------------------------------------------------------------- grader robustness

SUBSET = "01-return,17-invalid"


def test_empty_workspace_scores_zero(tmp_path):
    result, _ = _grade(tmp_path)
    assert len(result["tests"]) >= 300
    assert set(result["tests"].values()) == {"error"}
    assert all(p == 0 for p, _ in result["stages"].values())


def test_non_executable_compiler_is_error(tmp_path):
    (tmp_path / "compile").write_text("#!/bin/sh\nexit 0\n")  # not chmod +x
    result, _ = _grade(tmp_path, "--stages", "01-return")
    assert set(result["tests"].values()) == {"error"}
    assert list(result["stages"]) == ["01-return"]


# A `compile` that writes the program `asm` (assembled by the gcc driver, no C compiler).
ASM_COMPILE = ("#!/bin/sh\nprintf '%s\\n' '.globl _start' '{asm}' > \"$3.s\"\n"
               'exec gcc -nostdlib -static -x assembler "$3.s" -o "$3"\n')


@pytest.mark.parametrize(
    "name, script, allowed",
    [
        ("hang", "#!/bin/sh\nsleep 1000\n", {"timeout"}),
        ("crash", "#!/bin/sh\nkill -SEGV $$\n", {"error"}),
        (
            "garbage",
            '#!/bin/sh\nhead -c 50000000 /dev/zero | tr "\\0" x\nhead -c 5000000 /dev/zero >&2\n'
            'head -c 100000 /dev/urandom > "$3"; chmod +x "$3"\nexit 0\n',
            # 55 MB within the 1 s compile timeout may not make it on a loaded machine.
            {"fail", "error", "timeout"},
        ),
        (  # a program of machine code (a script would not count as one) that never ends
            "binary_hangs",
            ASM_COMPILE.format(asm="_start: jmp _start"),
            {"timeout", "fail"},
        ),
        (  # ... that writes without end
            "binary_floods",
            ASM_COMPILE.format(asm="_start: mov $1, %eax; mov $1, %edi; lea _start(%rip), %rsi; "
                               "mov $4096, %edx; syscall; jmp _start"),
            {"timeout", "fail"},
        ),
        ("escaped_child", "#!/bin/sh\nsetsid sleep 8 &\nexit 1\n", {"error"}),
    ],
    ids=["hang", "crash", "garbage", "binary_hangs", "binary_floods", "escaped_child"],
)
def test_pathological_compilers_cost_only_their_tests(tmp_path, name, script, allowed):
    _make_exe(tmp_path / "compile", script)
    start = time.monotonic()
    result, _ = _grade(
        tmp_path,
        "--stages",
        "01-return",
        "--jobs",
        "8",
        "--compile-timeout",
        "1",
        "--run-timeout",
        "1",
        timeout=120,
    )
    elapsed = time.monotonic() - start
    assert len(result["tests"]) == len(list((HIDDEN / "01-return").glob("*.c")))
    assert set(result["tests"].values()) <= allowed, result["tests"]
    assert result["stages"]["01-return"][0] == 0
    assert elapsed < 30


def test_crash_and_hang_do_not_count_as_rejections(tmp_path):
    _make_exe(tmp_path / "compile", '#!/bin/sh\ncase "$1" in *) kill -SEGV $$ ;; esac\n')
    result, _ = _grade(tmp_path, "--stages", "17-invalid", "--jobs", "4")
    assert set(result["tests"].values()) == {"error"}


def test_rejecting_everything_earns_nothing(tmp_path):
    _make_exe(tmp_path / "compile", "#!/bin/sh\nexit 1\n")
    details = tmp_path / "details.json"
    result, out = _grade(tmp_path, "--stages", SUBSET, "--details", str(details))
    assert result["stages"]["01-return"][0] == 0
    assert result["stages"]["17-invalid"][0] == 0  # each rejection needs its twin compiled
    why = json.loads(details.read_text())["17-invalid/break_outside_loop"]["reason"]
    assert why.startswith("rejected, but its valid twin twins/break_outside_loop.c did not pass")
    # The hidden programs must not leak through the grader's stdout.
    assert "int main" not in out


def test_every_invalid_test_has_a_valid_twin():
    for suite in (HIDDEN, VISIBLE):
        invalid = sorted((suite / "17-invalid").glob("*.c"))
        twins = sorted((suite / "17-invalid" / "twins").glob("*.c"))
        assert [c.name for c in invalid] == [t.name for t in twins], suite
        for twin in twins:
            exp = json.loads(twin.with_name(twin.stem + ".expected.json").read_text())
            assert set(exp) == {"exit_code", "stdout"}, twin


def test_twin_rule_credits_a_compiler_that_tells_them_apart(tmp_path):
    """A compiler that rejects exactly the invalid programs gets the invalid stage."""
    toy_reference(tmp_path / "ws")
    result, _ = _grade(tmp_path / "ws", "--stages", "17-invalid")
    passed, total = result["stages"]["17-invalid"]
    assert passed == total == 38
