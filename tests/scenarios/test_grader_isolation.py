"""Graders the agent can't see or game: hidden files stay hidden from the code being graded."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.grading import grade_workspace
from scenarios.loader import load_scenario

# Exits 0 (accepts the program) only when it can read the hidden suite.
PEEK = """#!/bin/sh
if cat /grader/tests/*/* > /dev/null 2>&1 || ls /grader > /dev/null 2>&1; then
  exit 0
fi
exit 1
"""


@pytest.mark.docker
@pytest.mark.parametrize("scenario, entry", [("toy-c-compiler", "compile"),
                                             ("calc-interpreter", "interp")])
def test_candidate_code_cannot_read_the_grader(scenario: str, entry: str, tmp_path: Path,
                                               base_image: str) -> None:
    s = load_scenario(scenario)
    assert s.grader is not None and s.grader.isolate
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / entry).write_text(PEEK)
    (ws / entry).chmod(0o755)
    result = grade_workspace(s, ws, "docker")
    assert result.error is None and result.total > 0
    if scenario == "toy-c-compiler":
        # Every program was "rejected": the peek failed, so invalid programs all pass.
        p, n = result.stages["17-invalid"]
        assert p == n
        assert result.passed == n
    else:
        # Error programs expect a non-zero exit; valid ones output. The peek failed: exit 1.
        assert result.passed < result.total / 2


@pytest.mark.docker
def test_without_isolation_the_peek_would_succeed(tmp_path: Path, base_image: str) -> None:
    """The control: the same peek, with the grader's files mounted the plain way."""
    s = load_scenario("toy-c-compiler")
    assert s.grader is not None
    s.grader.isolate = False
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "compile").write_text(PEEK)
    (ws / "compile").chmod(0o755)
    result = grade_workspace(s, ws, "docker")
    assert result.stages["17-invalid"][0] == 0  # it read them, so it accepted everything
