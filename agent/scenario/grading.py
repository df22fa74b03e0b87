"""Grading a workspace with a scenario's hidden grader, in the grader's OWN sandbox.

Where the grader runs is the sandbox backend's business (``SandboxFactory.grader``: a
network-less container of its own for Docker, a host process for the local backend); this
module makes the copy it grades, grades a folder or a run's snapshot, and builds graders on
images of their own (``agent/scenario/grader.py`` reads what a grader prints).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agent.evaluation import GradeResult, fuzz_request
from agent.fuzzing import reduce_env
from agent.scenario.grader import ScenarioGrader
from sandboxes import DEFAULT_BACKEND
from sandboxes.errors import UserError
from sandboxes.fsafe import WorkspaceDir
from sandboxes.treecopy import copy_tree

if TYPE_CHECKING:
    import docker

    from agent.scenario.loader import Scenario
    from sandboxes.backends import AnyBackend


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


@dataclass(frozen=True)
class FuzzRequest:
    """The fuzz measure asked of a grading outside a run (``ultrarun grade --fuzz``)."""

    programs: int
    seed: int
    reduce: int = 0
    reduce_seconds: float = 60


def grade_workspace(scenario: Scenario, workspace: Path,
                    sandbox: str | AnyBackend = DEFAULT_BACKEND,
                    progress: Callable[[str], None] = lambda _m: None,
                    skip: Sequence[str] = (), fuzz: FuzzRequest | None = None) -> GradeResult:
    """Grade a workspace folder (copied first: the grader may change what it grades).

    ``skip``: parts of the suite (``grader.parts``) to leave out; ``fuzz``: the fuzz measure
    too (and the reduction of its first miscompiles, on a fresh copy)."""
    from agent.setup import prepare

    if scenario.grader is None:
        return GradeResult(error=f"scenario {scenario.name} has no grader")
    grader = prepare(scenario, sandbox, progress).grader("grade")
    assert grader is not None
    env, oracle_s = None, None
    if fuzz is not None:  # as in a run: gcc's part first, then the grading
        progress(f"fuzz programs: drawing {fuzz.programs} and running gcc on them "
                 f"(seed {fuzz.seed})")
        env, oracle_s = fuzz_request(grader, fuzz.programs, fuzz.seed)
    with tempfile.TemporaryDirectory(prefix="ultrarun-grade-") as tmp:
        copy = Path(tmp) / "workspace"
        copy_workspace(workspace, copy)
        result = grader.grade(copy, skip, env=env)
    if fuzz is None or result.error:
        return result
    if result.fuzz is not None:
        result.fuzz.oracle_s = oracle_s
    ask = reduce_env(result.fuzz.failures, fuzz.reduce, fuzz.reduce_seconds) \
        if result.fuzz and fuzz.reduce else None
    if ask is not None:
        progress(f"reducing miscompiled programs (at most {fuzz.reduce_seconds:g} s each)")
        with tempfile.TemporaryDirectory(prefix="ultrarun-grade-") as tmp:
            copy = Path(tmp) / "workspace"
            copy_workspace(workspace, copy)
            shrunk = grader.reduce(copy, ask)
        result.reduced = shrunk.reduced
        result.error = result.error or (f"reduction: {shrunk.error}" if shrunk.error else None)
    return result


@dataclass
class SnapshotGrade:
    """A run's snapshot graded again: the result, and which step and commit it was."""

    result: GradeResult
    step: int
    commit: str


def grade_run(run_dir: Path, step: int | None = None, sandbox: str | AnyBackend | None = None,
              progress: Callable[[str], None] = lambda _m: None,
              fuzz: FuzzRequest | None = None) -> SnapshotGrade:
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
        result = grade_workspace(scenario, ws, sandbox or run_sandbox(run.info), progress,
                                 fuzz=fuzz)
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
