"""Graders the agent can't see or game: hidden files stay hidden from the code being graded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.scenario.grading import FuzzRequest, grade_workspace
from agent.scenario.loader import load_scenario
from tests.scenarios.conftest import toy_reference

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

# Exits 0 (accepts the program) only when it can read the hidden suite.
PEEK = """#!/bin/sh
if cat /grader/tests/*/* > /dev/null 2>&1 || ls /grader > /dev/null 2>&1; then
  exit 0
fi
exit 1
"""
# The toy C compiler: compiles with the reference compiler next to it, unless it can read the
# hidden suite, in which case it refuses everything.
PEEK_THEN_COMPILE = """#!/bin/sh
if cat /grader/tests/*/* > /dev/null 2>&1 || ls /grader > /dev/null 2>&1; then
  exit 1
fi
exec python3 "$(dirname "$0")/ref/compile" "$@"
"""


def _toyc_peeker(ws: Path, script: str = PEEK_THEN_COMPILE) -> Path:
    """The reference compiler in ``ws/ref``, behind a ``compile`` that peeks first."""
    toy_reference(ws / "ref")
    (ws / "compile").write_text(script)
    (ws / "compile").chmod(0o755)
    return ws


@pytest.mark.docker
def test_toy_c_candidate_cannot_read_the_grader(tmp_path: Path, base_image: str) -> None:
    s = load_scenario("toy-c-compiler")
    assert s.grader is not None and s.grader.isolate
    s.grader.command += " --stages 01-return"
    result = grade_workspace(s, _toyc_peeker(tmp_path / "ws"), "docker")
    assert result.error is None
    assert result.passed == result.total == 16  # the peek failed: it compiled everything


@pytest.mark.docker
def test_calc_candidate_cannot_read_the_grader(tmp_path: Path, base_image: str) -> None:
    s = load_scenario("calc-interpreter")
    assert s.grader is not None and s.grader.isolate
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "interp").write_text(PEEK)
    (ws / "interp").chmod(0o755)
    result = grade_workspace(s, ws, "docker")
    assert result.error is None and result.total > 0
    # Error programs expect a non-zero exit; valid ones output. The peek failed: exit 1.
    assert result.passed < result.total / 2


@pytest.mark.docker
def test_without_isolation_the_peek_would_succeed(tmp_path: Path, base_image: str) -> None:
    """The control: the same peek, with the grader's files mounted the plain way (and no
    noexec /tmp, which the confinement needs)."""
    s = load_scenario("toy-c-compiler")
    assert s.grader is not None
    s.grader.isolate = False
    s.grader.tmpfs = {}
    s.grader.command += " --stages 01-return"
    result = grade_workspace(s, _toyc_peeker(tmp_path / "ws"), "docker")
    assert result.error is None
    assert result.passed == 0  # it read them, so it refused everything


# The toy C compiler: refuses everything if it can read gcc's table of the fuzz measure (the
# expected outputs, handed to the sealed grading in its environment) in any process's
# environment or command line; compiles with the reference compiler next to it otherwise.
PEEK_AT_TABLE = """#!/bin/sh
for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do
  if tr '\\0' '\\n' < "$f" 2>/dev/null | grep -q ULTRARUN_FUZZ_EXPECTED; then exit 1; fi
done
exec python3 "$(dirname "$0")/ref/compile" "$@"
"""


def _fuzz_peek(tmp_path: Path, sandbox: str) -> Any:
    s = load_scenario("toy-c-compiler")
    assert s.grader is not None and s.grader.isolate
    s.grader.command += " --stages 01-return"
    result = grade_workspace(s, _toyc_peeker(tmp_path / "ws", PEEK_AT_TABLE), sandbox,
                             fuzz=FuzzRequest(programs=4, seed=5))
    assert result.error is None and result.fuzz is not None
    assert result.fuzz.oracle_s is not None  # the table was made before and handed on
    return result


@pytest.mark.docker
def test_the_candidate_cannot_read_gccs_table(tmp_path: Path, base_image: str) -> None:
    result = _fuzz_peek(tmp_path, "docker")
    assert result.passed == result.total == 16
    assert (result.fuzz.agreed, result.fuzz.rejected) == (4, 0)  # the peek found nothing


def test_without_isolation_the_peek_would_succeed_at_gccs_table(tmp_path: Path) -> None:
    """The control: on the local backend (no isolation: the candidate runs as the grader's
    user) the candidate reads the table in the grader's environment; no fuzz measure is
    sealed there."""
    result = _fuzz_peek(tmp_path, "local")
    assert result.fuzz.rejected == 4  # (and every test: the table is in the whole grading)
