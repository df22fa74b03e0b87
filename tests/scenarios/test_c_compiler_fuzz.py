"""c-compiler's fuzz measure on a host (no Docker): Csmith's programs by tier (repeatable from
a seed, t2 hermetic, free of undefined behaviour under gcc's sanitizers), and the grader's fuzz
grading as ultrarun asks for it (gcc's part first, then the candidate with its table) with gcc
and tcc as candidates. The grader runs with ``--jail off``; toy-c-compiler's modules it includes
(``fuzz.py``, ``toygen.py``...) come from that scenario's grader folder, as
``scenario.yaml``'s ``include:`` puts them beside it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.scenarios.conftest import compiler

REPO = Path(__file__).resolve().parents[2]
CC = REPO / "scenarios" / "c-compiler"
TOY_GRADER = REPO / "scenarios" / "toy-c-compiler" / "grader"

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("gcc", "csmith", "tcc"))
    or not Path("/usr/include/csmith/csmith.h").is_file(),
    reason="gcc, tcc, csmith and libcsmith-dev required (make test-tools)")


@pytest.fixture(scope="module")
def csmithgen() -> Iterator[ModuleType]:
    paths = [str(CC / "grader"), str(TOY_GRADER)]
    sys.path[:0] = paths
    try:
        import csmithgen

        yield csmithgen
    finally:
        for p in paths:
            sys.path.remove(p)


def test_programs_come_again_from_their_seed(csmithgen: ModuleType) -> None:
    gen = csmithgen.CsmithPrograms()
    for index, tier in enumerate(csmithgen.ORDER):
        a, b = gen.make(41, index), csmithgen.CsmithPrograms().make(41, index)
        assert (a.tier, a.source, a.features) == (b.tier, b.source, b.features) and a.tier == tier
        assert gen.make(42, index).source != a.source
    hermetic = gen.make(41, csmithgen.ORDER.index("t2")).source
    assert not re.search(r"^\s*#", hermetic, re.M)  # no directive: a compiler without cpp


def test_csmith_programs_have_no_undefined_behaviour(csmithgen: ModuleType,
                                                     tmp_path: Path) -> None:
    """Csmith's safe math: built plain and under ASan+UBSan, one output, no report (programs
    that loop are the oracle's to discard: they are skipped here the same way)."""
    gen, checked = csmithgen.CsmithPrograms(), 0
    for seed in range(100, 112):
        case = gen.make(seed, 1 + seed % 3)  # t2, t3, t4 in turn
        (tmp_path / "t.c").write_text(case.source)
        libs = [f for f in case.flags if f.startswith("-l")]
        cflags = [f for f in case.flags if f not in libs]
        seen = set()
        for k, flags in enumerate((["-O0"], ["-O2"], ["-O1", "-fsanitize=address,undefined",
                                                      "-fno-sanitize-recover=all"])):
            comp = subprocess.run(["gcc", "-std=gnu11", "-w", *flags, *cflags, "t.c", "-o",
                                   f"b{k}", *libs], cwd=tmp_path, capture_output=True,
                                  timeout=180, check=False)
            assert comp.returncode == 0, (seed, flags, comp.stderr[-500:])
            try:
                out = subprocess.run([f"./b{k}"], cwd=tmp_path, capture_output=True,
                                     timeout=5, check=False)
            except subprocess.TimeoutExpired:
                break  # loops: the oracle replaces such a program
            assert out.stderr == b"", (seed, flags, out.stderr[-800:])
            seen.add((out.returncode, out.stdout))
        else:
            assert len(seen) == 1, (seed, seen)
            checked += 1
    assert checked >= 8  # about one Csmith program in eight loops


def cc_grade(ws: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    r = subprocess.run([sys.executable, str(CC / "grader" / "grade.py"), str(ws), "--jail",
                        "off", "--jobs", "2", *args], capture_output=True, text=True,
                       timeout=900, check=False,
                       env={"PATH": os.environ["PATH"], "PYTHONPATH": str(TOY_GRADER),
                            **(env or {})})
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_the_fuzz_measure_tries_every_tier(tmp_path: Path) -> None:
    gcc = compiler(tmp_path, "gcc", 'exec gcc -w "$@"\n')
    tcc = compiler(tmp_path, "tcc", 'exec tcc -w "$@"\n')
    # as ultrarun asks: gcc's part alone on an empty workspace, then the table handed back
    empty = tmp_path / "empty"
    empty.mkdir()
    made = cc_grade(empty, env={"ULTRARUN_FUZZ": "8:5", "ULTRARUN_FUZZ_ORACLE": "1"})
    assert (made["tests"], made["stages"], "fuzz" in made) == ({}, {}, False)
    out = cc_grade(gcc, "--fuzz-only", env={"ULTRARUN_FUZZ": "8:5",
                                            "ULTRARUN_FUZZ_EXPECTED": made["oracle"]})
    f = out["fuzz"]
    assert (out["tests"], out["stages"]) == ({}, {})
    assert (f["seed"], f["tried"], f["agreed"]) == (5, 8, 8)  # gcc agrees with itself
    assert f["by_tier"] == {t: [2, 2] for t in ("t1", "t2", "t3", "t4")}
    # tcc on the same programs (--fuzz-only: the grader's flag for it); packed structs aside
    # (tcc 0.9.27 refuses Csmith's `#pragma pack(push)`), it agrees
    t = cc_grade(tcc, "--fuzz", "8", "--fuzz-seed", "5", "--fuzz-only")["fuzz"]
    assert t["tried"] == 8 and t["miscompiled"] == t["crashed"] == 0
    assert all(x["outcome"] == "rejected" and "packed" in x["features"] for x in t["failures"])
    # and with the suite, as `ultrarun grade --fuzz` did before: tests and fuzz together
    both = cc_grade(tcc, "--tiers", "t2", "--stages", "t2/01", "--fuzz", "4", "--fuzz-seed",
                    "5")
    assert both["tests"] and set(both["tests"].values()) == {"pass"}
    assert both["fuzz"]["tried"] == 4
