"""Graders the agent can't see or game: hidden files stay hidden from the code being graded."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.scenario.grading import grade_workspace
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


def _toyc_peeker(ws: Path) -> Path:
    toy_reference(ws / "ref")
    (ws / "compile").write_text(PEEK_THEN_COMPILE)
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
