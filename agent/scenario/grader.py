"""A scenario's grader in its grader sandbox: the ``Grader`` the evaluation runner calls.

Where the grader runs is the sandbox backend's business (``SandboxFactory.grader``); this turns
what it prints into a ``GradeResult``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from agent.evaluation import SKIP_ENV, GradeResult, parse_grader_output
from sandboxes.backends import GraderBox


class ScenarioGrader:
    """A scenario's grader in a grader sandbox: a ``Grader`` for the evaluation runner."""

    def __init__(self, box: GraderBox) -> None:
        self.box = box

    def grade(self, workspace: Path, skip: Sequence[str] = (),
              env: dict[str, str] | None = None) -> GradeResult:
        """Grade ``workspace``; ``skip``: parts of the suite (``grader.parts``) left out;
        ``env``: more for the grader's environment (the fuzz measure's request)."""
        t0 = time.monotonic()
        extra = {**({SKIP_ENV: ",".join(skip)} if skip else {}), **(env or {})}
        out = self.box.run(workspace, extra or None)
        result = GradeResult(error=out.error) if out.error else parse_grader_output(out.stdout)
        result.duration_s = time.monotonic() - t0
        return result

    def reduce(self, workspace: Path, env: dict[str, str]) -> GradeResult:
        """Shrink fuzz programs (``env``: agent/fuzzing.py ``reduce_env``) on ``workspace``."""
        return self.grade(workspace, env=env)

    def abort(self) -> None:
        """Stop a grading in progress (the run is being interrupted)."""
        self.box.abort()
