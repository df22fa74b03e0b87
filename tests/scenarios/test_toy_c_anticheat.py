"""The toy-c grader cannot be gamed: reusing gcc's front end fails however it is packed, a
"compiler" whose output is an interpreter carrying the source (a #! script, an ELF that execs
python3 or loads libperl) scores nothing, rejecting or emitting nothing earns nothing, an
honest compiler (written in C, built with the agent image's gcc) still scores, and each test's
folder is private to it. Each defence against the interpreters has its positive control: with
it switched off (``--ablate``), the cheat scores.

The workspaces are built in the agent's image by ``tools/cheats.py`` (each cheat is checked to
work there, where gcc is complete) and graded in the real grader container."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest

from agent.evaluation import GradeResult
from agent.scenario.grading import copy_workspace, docker_grader, grade_workspace
from agent.scenario.loader import Scenario, load_scenario
from tests.scenarios.conftest import toy_reference

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "toy-c-compiler"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


cheats = _load("_toyc_cheats", SCENARIO / "tools" / "cheats.py")
sys.path.insert(0, str(SCENARIO / "grader"))  # jail.py imports confine.py and sealed.py
jail = _load("_toyc_jail", SCENARIO / "grader" / "jail.py")
sealed = _load("_toyc_sealed", SCENARIO / "grader" / "sealed.py")

# Cheats that unpack 33 MB at every compile are graded on one stage; the others on a valid
# stage and the invalid one (where rejecting used to pay).
UNPACKING = {k.name for k in cheats.KINDS if k.unpacks}


def _scenario(stages: str) -> Scenario:
    s = load_scenario("toy-c-compiler")
    assert s.grader is not None
    s.grader.command += f" --stages {stages}"
    return s


def _grade(ws: Path, stages: str) -> GradeResult:
    result = grade_workspace(_scenario(stages), ws, "docker")
    assert result.error is None, result.error
    assert result.total > 0
    return result


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory, base_image: str) -> dict[str, Path]:
    return cheats.build([k.name for k in cheats.KINDS], tmp_path_factory.mktemp("cheats"))


@pytest.mark.docker
def test_every_cheat_scores_at_most_2_percent(workspaces: dict[str, Path]) -> None:
    names = [k.name for k in cheats.KINDS if not k.honest]
    assert {"cc1-gcc-B", "renamed-cc1", "xz-cc1", "wheel", "reject-all", "gcc-wrapper",
            "empty-output"} <= set(names)

    def grade(name: str) -> tuple[str, GradeResult]:
        stages = "01-return" if name in UNPACKING else "01-return,17-invalid"
        return name, _grade(workspaces[name], stages)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(pool.map(grade, names))
    scores = ", ".join(f"{n} {r.passed}/{r.total}" for n, r in results.items())
    assert all(r.passed <= 0.02 * r.total for r in results.values()), scores


# The interpreter cheats, graded on 01-return: as shipped they score 0 with this reason in
# --details; with the defences that stop them switched off (Kind.ablate), they score.
REASONS = {
    "interp-script": "is a script (#!)",
    "interp-elf-exec": "tried to run another program",
    "interp-elf-ldso": "tried to run another program",
    "interp-dlopen-perl": "exit code or stdout mismatch",  # libperl cannot even be opened
    "empty-sh": "is a script (#!)",
}


def _grade_with_details(client: object, ws: Path, tmp: Path, extra: str
                        ) -> tuple[GradeResult, dict]:
    """Grade a copy of ``ws`` on 01-return in the grader's container; its --details too."""
    s = _scenario("01-return")
    s.grader.command += f" {extra} --details /workspace/.details.json"
    copy = tmp / "copy"
    copy_workspace(ws, copy)
    from agent.scenario.grading import grader_image

    image = grader_image(client, s, "ultrarun/base:bookworm")  # type: ignore[arg-type]
    result = docker_grader(client, s, image, run_id="toy-ablate").grade(copy)  # type: ignore
    assert result.error is None, result.error
    return result, json.loads((copy / ".details.json").read_text())


@pytest.mark.docker
@pytest.mark.parametrize("name", sorted(REASONS))
def test_each_interpreter_cheat_is_stopped_by_its_defence(
        name: str, workspaces: dict[str, Path], docker_client: object, tmp_path: Path) -> None:
    ablate, reason = cheats.BY_NAME[name].ablate, REASONS[name]
    shipped, details = _grade_with_details(docker_client, workspaces[name], tmp_path / "a", "")
    assert shipped.passed == 0, shipped.tests
    assert any(reason in d.get("reason", "") for d in details.values()), details
    control, _ = _grade_with_details(docker_client, workspaces[name], tmp_path / "b",
                                     f"--ablate {ablate}")
    floor = 1 if name == "empty-sh" else 14  # empty-sh: return_0; the others: all but a few
    assert control.passed >= floor, (name, control.tests)


@pytest.mark.docker
def test_an_honest_compiler_in_c_still_scores(workspaces: dict[str, Path]) -> None:
    result = _grade(workspaces["honest-c"], "01-return,02-unary,03-binary")
    # Every stage, with room for a compile timed out on a loaded machine.
    assert all(p >= 0.9 * n for p, n in result.stages.values()), result.stages
    assert (workspaces["honest-c"] / "toyc").read_bytes()[:4] == b"\x7fELF"


# Exits non-zero when its folder is not private to its own uid, or when it can read the
# program of any other test; otherwise compiles with the honest compiler next to it, which
# writes its assembly to /tmp (as sloppy compilers do: that must keep working).
PRIVATE = """#!/bin/sh
me="$(id -u)"
[ "$me" != 0 ] && [ "$me" != 1000 ] || exit 3
[ "$(stat -c '%a %u' .)" = "700 $me" ] || exit 4
"""
PEEK = """#!/bin/sh
for f in $(find /tmp /var/tmp -name t.c 2>/dev/null) /tmp/*/*/t.c /tmp/*/t.c; do
  case "$f" in "$PWD"/*) ;; *) [ -r "$f" ] && exit 5 ;; esac
done
TMPDIR=/tmp exec "$(dirname "$0")/toyc" "$@"
"""


@pytest.mark.docker
def test_a_compile_cannot_read_the_tests_graded_beside_it(workspaces: dict[str, Path],
                                                          tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(workspaces["honest-c"], ws)
    (ws / "compile").write_text(PRIVATE + PEEK.removeprefix("#!/bin/sh\n"))
    s = _scenario("01-return")
    s.grader.command += " --jobs 4"  # several tests at once: their folders exist together
    result = grade_workspace(s, ws, "docker")
    assert result.error is None
    assert result.passed == result.total == 16, result.tests

    # The control: the same peek in the grader without cells (no jail, no noexec /tmp) sees
    # the programs of the tests running beside it, and so refuses some.
    (ws / "compile").write_text(PEEK)
    s.grader.command += " --jail off"
    s.grader.tmpfs = {}
    control = grade_workspace(s, ws, "docker")
    assert control.error is None
    assert control.passed < control.total, control.tests


# ------------------------------------------------------------- the scan, on the host


@pytest.fixture(scope="module")
def front_ends(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cc1 = subprocess.run(["gcc", "-print-prog-name=cc1"], capture_output=True,
                         text=True).stdout.strip()
    if not os.path.isfile(cc1):
        pytest.fail(f"the host's gcc has no cc1 ({cc1!r}): install gcc")
    folder = tmp_path_factory.mktemp("frontends")
    shutil.copy(cc1, folder / "cc1")
    return folder


def test_scan_finds_a_front_end_renamed_or_cut_into_pieces(front_ends: Path,
                                                           tmp_path: Path) -> None:
    fes = jail.load_front_ends(front_ends)
    assert [fe.name for fe in fes] == ["cc1"]
    assert len(fes[0].needles) == jail.NEEDLES_PER_FRONT_END
    data = (front_ends / "cc1").read_bytes()
    whole = tmp_path / "whole"
    (whole / "lib").mkdir(parents=True)
    (whole / "lib" / "blob.bin").write_bytes(b"junk header" * 100 + data)
    [problem] = jail.scan_workspace(whole, fes)
    assert "front end cc1" in problem and "lib/blob.bin" in problem
    pieces = tmp_path / "pieces"
    pieces.mkdir()
    step = len(data) // 5 + 1
    for i in range(5):
        (pieces / f"p{i}").write_bytes(data[i * step:(i + 1) * step])
    [problem] = jail.scan_workspace(pieces, fes)
    # Which pieces hold the needles depends on where they were drawn (at random) and a needle
    # cut in two by a piece boundary is in none: count what the pieces really hold.
    held = [n for n in fes[0].needles
            if any(n in (pieces / f"p{i}").read_bytes() for i in range(5))]
    m = re.search(r"front end cc1 \((\d+)/24 fingerprints, in (p\d(?:, p\d)*)"
                  r"(?: and (\d) more)?\)", problem)
    assert m, problem
    assert int(m[1]) == len(held) >= 12
    assert len(m[2].split(", ")) + int(m[3] or 0) >= 2  # the pieces added up


def test_scan_names_every_file_a_split_copy_is_in(tmp_path: Path) -> None:
    # Needles chosen by hand, one per file: the message names three and counts the rest.
    needles = [secrets.token_bytes(jail.NEEDLE_BYTES) for _ in range(5)]
    for i, needle in enumerate(needles):
        (tmp_path / f"p{i}").write_bytes(b"x" * 100 + needle + b"y" * 100)
    [problem] = jail.scan_workspace(tmp_path, [jail.FrontEnd("cc1", needles)])
    assert problem.endswith("front end cc1 (5/5 fingerprints, in p0, p1, p2 and 2 more)")
    (tmp_path / "p3").unlink()
    (tmp_path / "p4").unlink()
    (tmp_path / "p2").unlink()  # 2 of 5: under half, not a copy
    assert jail.scan_workspace(tmp_path, [jail.FrontEnd("cc1", needles)]) == []


def test_scan_passes_an_honest_workspace(front_ends: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    toy_reference(ws)
    subprocess.run(["gcc", "-O2", "-o", str(ws / "mini"), str(SCENARIO / "tools" /
                                                              "honest_mini.c")], check=True)
    (ws / "link").symlink_to("/usr/bin/gcc")  # links are not followed
    assert jail.scan_workspace(ws, jail.load_front_ends(front_ends)) == []


def test_scan_refuses_an_elf_with_a_writable_and_executable_segment(tmp_path: Path) -> None:
    src = tmp_path / "a.s"
    src.write_text(".globl _start\n_start:\n  movl $60, %eax\n  xorl %edi, %edi\n  syscall\n")
    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run(["gcc", "-nostdlib", "-static", "-Wl,--omagic", str(src), "-o",
                    str(ws / "loader")], check=True)
    [problem] = jail.scan_workspace(ws, [])
    assert problem == "loader: ELF segment 0 is both writable and executable"


# ------------------------------------------------------------- vetting built programs


def _elf(tmp_path: Path, *flags: str) -> bytes:
    src = tmp_path / "p.c"
    src.write_text("int main(void) { return 0; }\n")
    out = tmp_path / "p"
    subprocess.run(["gcc", "-w", *flags, str(src), "-o", str(out)], check=True)
    return out.read_bytes()


def test_only_x86_64_executables_of_the_c_runtime_may_run(tmp_path: Path) -> None:
    assert sealed.vet_program(_elf(tmp_path)) is None
    assert sealed.vet_program(_elf(tmp_path, "-static")) is None
    assert sealed.vet_program(_elf(tmp_path, "-lm")) is None
    assert "is a script" in sealed.vet_program(b"#!/usr/bin/python3\nprint(1)\n")
    assert "is a script" in sealed.vet_program(b"#!/bin/sh\n")
    assert sealed.vet_program(b"") == "is not an x86-64 ELF executable"
    lib = tmp_path / "libinterp.so"  # a library outside the C runtime (an interpreter's)
    (tmp_path / "i.c").write_text("int interp(void) { return 1; }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", str(tmp_path / "i.c"), "-o", str(lib)],
                   check=True)
    linked = _elf(tmp_path, "-Wl,--no-as-needed", f"-L{tmp_path}", "-linterp")
    assert "links with 'libinterp.so'" in sealed.vet_program(linked)
    exe = bytearray(_elf(tmp_path))
    exe[18:20] = (183).to_bytes(2, "little")  # aarch64
    assert "for machine 183" in sealed.vet_program(bytes(exe))
    exe = _elf(tmp_path, "-Wl,--dynamic-linker=/usr/bin/python3")
    assert "asks for the program loader '/usr/bin/python3'" in sealed.vet_program(exe)
