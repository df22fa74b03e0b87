"""Grading a workspace with a scenario's hidden grader, in the grader's OWN sandbox.

Where the grader runs is the sandbox backend's business (``SandboxFactory.grader``: a
network-less container of its own for Docker, a host process for the local backend); this
module turns what it prints into a ``GradeResult`` and makes the copy it grades.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agent.evaluation import SKIP_ENV, GradeResult, parse_grader_output
from sandboxes import DEFAULT_BACKEND
from sandboxes.backends import GraderBox
from sandboxes.errors import UserError
from sandboxes.fsafe import WorkspaceDir
from sandboxes.treecopy import copy_tree

if TYPE_CHECKING:
    import docker

    from agent.scenario.loader import Scenario
    from sandboxes.backends import AnyBackend


class ScenarioGrader:
    """A scenario's grader in a grader sandbox: a ``Grader`` for the evaluation runner."""

    def __init__(self, box: GraderBox) -> None:
        self.box = box

    def grade(self, workspace: Path, skip: Sequence[str] = ()) -> GradeResult:
        """Grade ``workspace``; ``skip``: parts of the suite (``grader.parts``) left out."""
        t0 = time.monotonic()
        out = self.box.run(workspace, {SKIP_ENV: ",".join(skip)} if skip else None)
        result = GradeResult(error=out.error) if out.error else parse_grader_output(out.stdout)
        result.duration_s = time.monotonic() - t0
        return result

    def abort(self) -> None:
        """Stop a grading in progress (the run is being interrupted)."""
        self.box.abort()


def copy_workspace(src: Path, dest: Path) -> list[str]:
    """Copy a workspace folder for grading, as a snapshot holds it: streamed, no link followed
    (links copied as links), every ``.git`` left out, special files and files over the
    snapshot cap left out. Returns what was left out."""
    from agent.trajectory.snapshots import MAX_FILE, SKIP_NAMES

    dest.mkdir(parents=True, exist_ok=True)
    sfd = os.open(src, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        with WorkspaceDir(dest, "/") as out:
            rep = copy_tree(sfd, out, skip=SKIP_NAMES, max_file=MAX_FILE)
    finally:
        os.close(sfd)
    return [f"{s.path.decode('utf-8', 'replace')}: {s.reason}" for s in rep.skipped
            if not s.path.endswith(b".git")]


def grade_workspace(scenario: Scenario, workspace: Path,
                    sandbox: str | AnyBackend = DEFAULT_BACKEND,
                    progress: Callable[[str], None] = lambda _m: None,
                    skip: Sequence[str] = ()) -> GradeResult:
    """Grade a workspace folder (copied first: the grader may change what it grades).

    ``skip``: parts of the suite (``grader.parts``) to leave out."""
    from agent.setup import prepare

    if scenario.grader is None:
        return GradeResult(error=f"scenario {scenario.name} has no grader")
    grader = prepare(scenario, sandbox, progress).grader("grade")
    assert grader is not None
    with tempfile.TemporaryDirectory(prefix="ultrarun-grade-") as tmp:
        copy = Path(tmp) / "workspace"
        copy_workspace(workspace, copy)
        return grader.grade(copy, skip)


@dataclass
class SnapshotGrade:
    """A run's snapshot graded again: the result, and which step and commit it was."""

    result: GradeResult
    step: int
    commit: str


def grade_run(run_dir: Path, step: int | None = None, sandbox: str | AnyBackend | None = None,
              progress: Callable[[str], None] = lambda _m: None) -> SnapshotGrade:
    """Grade a run's snapshot at ``step`` (default: its last) with its scenario's grader, on
    ``sandbox`` (default: the backend the run used). UserError when there is nothing to grade."""
    from agent.runner import run_sandbox, run_scenario
    from agent.trajectory.events import SnapshotEvent
    from agent.trajectory.reader import load_run
    from agent.trajectory.snapshots import SnapshotError, SnapshotStore

    run = load_run(run_dir)
    if run.info is None:
        raise UserError(f"{run_dir}/run.json: unreadable ({'; '.join(run.warnings)})")
    run.require_whole("grade")
    scenario = run_scenario(run_dir, run.info)
    snaps = [e for e in run.events_of(SnapshotEvent) if step is None or e.step <= step]
    if not snaps:
        raise UserError(f"{run_dir}: no snapshot at or before step {step}")
    snap = snaps[-1]
    with tempfile.TemporaryDirectory(prefix="ultrarun-grade-") as tmp:
        ws = Path(tmp) / "ws"
        try:
            SnapshotStore(run_dir / "snapshots.git").export(snap.commit, ws)
        except SnapshotError as e:
            raise UserError(f"{run_dir}: cannot read the snapshot of step {snap.step}: "
                            f"{e}") from None
        result = grade_workspace(scenario, ws, sandbox or run_sandbox(run.info), progress)
    return SnapshotGrade(result=result, step=snap.step, commit=snap.commit)


def grader_image(client: docker.DockerClient, scenario: Scenario, agent_image: str,
                 progress: Callable[[str], None] = lambda _m: None) -> str:
    """The scenario's grader image on top of ``agent_image`` (Docker; built once, cached)."""
    from sandboxes.docker_grader import grader_image as build

    spec = scenario.sandbox_spec()
    return build(client, spec.name, spec.grading, agent_image, progress) if spec.grading \
        else agent_image


def docker_grader(client: docker.DockerClient, scenario: Scenario, image: str,
                  run_id: str = "grade") -> ScenarioGrader:
    """A grader for ``scenario`` in containers of ``image`` (a grader image, already built):
    for tools that grade on images of their own (the c-compiler validation)."""
    from sandboxes.docker_grader import DockerGraderBox

    spec = scenario.sandbox_spec()
    if spec.grading is None:
        raise ValueError(f"scenario {scenario.name} has no grader")
    return ScenarioGrader(DockerGraderBox(client, spec.grading, image, disk=spec.limits.disk,
                                          run_id=run_id))
