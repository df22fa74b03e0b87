"""Continuing a recorded run: ``resume`` (in place, one trajectory) and ``fork`` (a new run
from one of its steps). Both rebuild the conversation with the loop's own fold
(``agent.conversation.rebuild``) and open the loop through ``Session``, as a new run does.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from agent.conversation import ConversationBuilder, rebuild
from agent.models.base import Model
from agent.options import ConfigError, ForkConfig, ResumeConfig
from agent.paths import absolute, absolute_spec
from agent.runner import (
    Attachments,
    Hooks,
    RunResult,
    Session,
    cause,
    located,
    new_run_folder,
    new_run_id,
    recorded_spec,
    run_lock,
    run_sandbox,
    run_scenario,
)
from agent.state import LoopState
from agent.trajectory.events import RunStart, SnapshotEvent
from agent.trajectory.reader import load_run
from agent.trajectory.run_info import RunInfo, versions
from agent.trajectory.snapshot_recovery import recover_snapshots
from agent.trajectory.snapshots import SnapshotError, SnapshotStore, Snapshotter


def resume_run(cfg: ResumeConfig, hooks: Hooks | None = None,
               attach: Attachments | None = None) -> RunResult:
    """Continue an interrupted, crashed or budget-stopped run in place, as one trajectory.
    ``attach``: what a team gives its member's session (the team resumes those)."""
    run_dir = absolute(cfg.run_dir)
    if not (run_dir / "events.jsonl").exists():
        raise ConfigError(f"{run_dir}: not a run folder (no events.jsonl)")
    with run_lock(run_dir):  # before touching events.jsonl: a live writer must not lose any
        try:
            return _resume_locked(run_dir, cfg, hooks or Hooks(), attach)
        except Exception as e:  # e.g. git failing before the session opened
            raise located(e, run_dir) from cause(e)


def _resume_locked(run_dir: Path, cfg: ResumeConfig, hooks: Hooks,
                   attach: Attachments | None) -> RunResult:
    run = load_run(run_dir)
    if run.info is None:
        raise ConfigError(f"{run_dir}: not a resumable run folder ({'; '.join(run.warnings)})")
    info = run.info
    if info.team is not None and attach is None:
        raise ConfigError(f"{run_dir}: a session of agent {info.team.agent} of team "
                          f"{info.team.team_id}: resume the team (`ultrarun resume "
                          "TEAM_DIR`), which resumes every agent")
    if info.status == "finished" and info.end_reason == "finished":
        raise ConfigError(f"{run_dir}: the agent finished this run; `ultrarun fork` starts "
                          "a new branch from any step")
    # Drop a torn tail: every event kept is whole, and numbering continues after the last.
    torn = (run_dir / "events.jsonl").stat().st_size - run.valid_bytes
    with open(run_dir / "events.jsonl", "r+b") as f:
        f.truncate(run.valid_bytes)
    info.budgets = cfg.budgets(info.budgets)
    if cfg.eval_every is not None:
        info.eval_every = cfg.eval_every
    session = Session.resolve(run_dir, info, run_scenario(run_dir, info), cfg)
    if attach is not None:
        session.attach = attach
    next_seq = run.events[-1].seq + 1 if run.events else 0
    reason = {"running": "crashed", "interrupted": "interrupted",
              "failed": "failed"}.get(info.status, f"budget ({info.end_reason})")
    prior = {"status": info.status, "end_reason": info.end_reason}
    info.status, info.end_reason, info.error, info.ended_at = "running", None, None, None
    starts = [e for e in run.events if isinstance(e, RunStart)]
    if not starts:  # it stopped before the agent's first turn: nothing to continue from
        shutil.rmtree(run_dir / "snapshots.git", ignore_errors=True)
        if info.team is None:  # a team member's workspace is its clone: it stays as it is
            shutil.rmtree(run_dir / "workspace", ignore_errors=True)
            new_run_folder(run_dir, session.scenario.workspace_tree)
        return session.run(hooks, next_seq=next_seq, lock=False)  # its earlier events stay
    fold = rebuild(run.events, session.model, session.policy())
    snapshotted = any(isinstance(e, SnapshotEvent) for e in run.events)
    git_dir, workspace = run_dir / "snapshots.git", run_dir / "workspace"
    # A whole-group kill may have taken git down mid-commit: locks, half a snapshot.
    recovery = recover_snapshots(git_dir, fold.commit if snapshotted else None)
    if fold.commit:  # the workspace as of the last completed step, before any container
        try:
            with Snapshotter(git_dir, workspace, owner=run_sandbox(info).workspace_owner(),
                             include_git=info.options.snapshot_git) as restorer:
                restorer.restore(fold.commit)
        except SnapshotError as e:
            raise ConfigError(f"{run_dir}: cannot restore the workspace: {e}") from None
    with session.loop(hooks, next_seq=next_seq, lock=False) as loop:
        if not snapshotted:  # killed inside the first snapshot: take it now
            commit = loop.snapshots.snapshot("initial workspace")
            fold.apply(loop.rec.emit(SnapshotEvent, starts[0].step, changed=commit is not None,
                                     commit=commit or loop.snapshots.head() or "",
                                     tool_calls=0))
            loop.rec.sync()
        if session.spec.scripted:
            fast_forward(session.model, fold.prefixes or [], loop.toolbox.schemas())
        details = {"previous": prior, "from_step": fold.state.step,
                   "restored_commit": fold.commit,
                   "rerun_calls": [c.id for c in fold.pending.turn.tool_calls]
                   if fold.pending else [], "budgets": info.budgets.model_dump(),
                   "dropped_torn_bytes": torn, "snapshots_git": recovery.as_dict()}
        loop.resume(fold, reason, details)
    return RunResult(run_dir, loop.rec.info, loop.messages)


def fast_forward(model: Model, prefixes: list[list[dict[str, Any]]],
                 tools: list[dict[str, Any]]) -> None:
    """Advance a scripted model (script, replay, reference policy) past recorded turns by
    asking it again with the same conversations; nothing is executed or recorded."""
    sleeper = getattr(model, "_sleep", None)
    if sleeper is not None:  # scripted latency is not worth waiting for again
        model._sleep = lambda _s: None  # type: ignore[attr-defined]
    try:
        for prefix in prefixes:
            model.complete(prefix, tools)
    finally:
        if sleeper is not None:
            model._sleep = sleeper  # type: ignore[attr-defined]


def fork_run(cfg: ForkConfig, hooks: Hooks | None = None) -> RunResult:
    """A new run that starts from the parent's conversation and workspace after ``cfg.at``."""
    parent_dir = absolute(cfg.run_dir)
    parent = load_run(parent_dir)
    if parent.info is None:
        raise ConfigError(f"{parent_dir}: not a run folder")
    steps = [e.step for e in parent.events if isinstance(e, SnapshotEvent)]
    if cfg.at not in steps:
        raise ConfigError(f"--at {cfg.at}: {parent_dir} has completed steps "
                          f"0..{max(steps) if steps else 0}")
    label = cfg.model or parent.info.model
    run_id = cfg.run_id or new_run_id(parent.info.scenario, f"fork{cfg.at}-{label}")
    run_dir = absolute(cfg.logs or parent_dir.parent) / run_id
    if run_dir.exists() and any(run_dir.iterdir()):
        raise ConfigError(f"--run-id {run_id}: {run_dir} already exists")
    info = _fork_info(parent_dir, parent.info, cfg, run_dir)
    session = Session.resolve(run_dir, info, run_scenario(run_dir, info), cfg)
    fold = rebuild(parent.events, session.model, session.policy(), upto_step=cfg.at)
    # A fork's counters are its own (compare lines it up with its parent); its steps keep
    # the parent's numbering, so `--at N` and the step labels agree.
    fold.state = LoopState(step=cfg.at)
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        SnapshotStore(parent_dir / "snapshots.git").export(fold.commit or "HEAD",
                                                          run_dir / "workspace")
    except BaseException as e:
        shutil.rmtree(run_dir, ignore_errors=True)  # nothing recorded yet: no folder at all
        if isinstance(e, SnapshotError):
            raise ConfigError(f"{parent_dir}: cannot fork: {e}") from None
        raise
    return _start_fork(session, fold, hooks or Hooks())


def _fork_info(parent_dir: Path, pinfo: RunInfo, cfg: ForkConfig, run_dir: Path) -> RunInfo:
    """The fork's run.json: its parent's settings, with what the fork changes."""
    info = pinfo.model_copy(deep=True)
    spec = absolute_spec(cfg.model) or recorded_spec(pinfo)
    info.run_id, info.model = run_dir.name, cfg.model or pinfo.model
    info.options.model_spec = spec if spec != info.model else None
    # A sibling parent is named by its folder alone: the logs folder stays movable whole.
    info.parent = {"run_dir": parent_dir.name if parent_dir.parent == run_dir.parent
                   else str(parent_dir), "run_id": pinfo.run_id, "step": cfg.at}
    info.status, info.end_reason, info.error, info.grade = "running", None, None, None
    info.started_at, info.ended_at, info.versions = time.time(), None, versions()
    info.budgets = cfg.budgets(info.budgets)
    info.options.fuzz_seed = None  # its evaluations draw fresh programs, not its parent's
    if cfg.eval_every is not None:
        info.eval_every = cfg.eval_every
    if cfg.context:
        info.context = cfg.context
    if cfg.model and cfg.model != pinfo.model:  # the parent's endpoint is not this model's
        info.profile, info.base_url, info.api_key_env = None, None, None
        info.context_window = None
    return info


def _start_fork(session: Session, fold: ConversationBuilder, hooks: Hooks) -> RunResult:
    assert session.info.parent is not None
    with session.loop(hooks) as loop:
        loop.start_from(fold, session.info.parent)
    return RunResult(session.run_dir, loop.rec.info, loop.messages)
