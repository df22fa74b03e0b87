"""Running one entry of a batch: start it, resume it, or skip it, from what its folder holds.

Shared by the local executor (threads) and the Ray executor (one task per entry). The decision
only looks at the run folder, so a retried Ray task, a re-run after Ctrl-C and a re-run after a
crash all do the same thing: a finished run is skipped, a recorded one is resumed in place
(`resume_run`, one trajectory with contiguous ``seq``), an absent one is started.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from agent.batch.matrix import Entry
from agent.options import ConfigError, ResumeConfig
from agent.resume import resume_run
from agent.runner import Attachments, Hooks, execute_run
from agent.team.info import is_team_dir, read_team_info
from agent.trajectory.reader import load_run
from agent.trajectory.run_info import EndReason, Status, read_run_info

LABEL_BATCH = "ultrarun.batch"
LABEL_NODE = "ultrarun.node"

Action = Literal["start", "resume", "skip"]


class RunBusy(ConfigError):
    """Another live process holds the run folder's lock."""


class EntryOutcome(BaseModel):
    """What running an entry did (sent back from Ray workers as JSON)."""

    run_id: str
    action: Action | None = None  # None: not started (stop requested first)
    status: Status | None = None
    end_reason: EndReason | None = None
    error: str | None = None
    node: str | None = None
    started_at: float
    ended_at: float


def _lock_free(run_dir: Path) -> bool:
    """True when no process holds the folder's run lock (a dead holder's lock is gone)."""
    path = run_dir / ".lock"
    if not path.exists():
        return True
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the probe lock
    return True


def wait_unlocked(run_dir: Path, timeout: float) -> None:
    """Wait for a previous holder to let go (e.g. a retried task racing its dying attempt).

    Why: a task retried by Ray may start while its dying attempt still holds the run; waiting
    here turns that race into a short delay instead of a "being written" error.
    """
    deadline = time.monotonic() + timeout
    while not _lock_free(run_dir):
        if time.monotonic() > deadline:
            raise RunBusy(f"{run_dir} is being written by another ultrarun process")
        time.sleep(0.5)


def plan(run_dir: Path) -> Action:
    """What to do with an entry's folder: skip a finished run, resume a recorded one."""
    if is_team_dir(run_dir):
        return team_plan(run_dir)
    if not (run_dir / "run.json").exists() or not (run_dir / "events.jsonl").exists():
        return "start"
    try:
        info = read_run_info(run_dir)
    except (OSError, ValueError):
        return "start" if not load_run(run_dir).events else "resume"
    if info.status == "finished" and info.end_reason != "shared_budget":
        return "skip"  # a run the batch's budget stopped is resumed (with a larger one)
    return "resume" if load_run(run_dir).events else "start"


def _engine_race(e: Exception) -> bool:
    """A container vanished while the engine was being listed (see `run_entry`)."""
    try:
        from docker.errors import NotFound
    except ImportError:  # pragma: no cover - docker is a dependency
        return False
    return isinstance(e, NotFound)


def run_entry(entry: Entry, batch_dir: Path, hooks: Hooks, *, labels: dict[str, str],
              node: str | None = None, busy_wait_s: float = 30.0,
              engine_retries: int = 3, attach: Attachments | None = None) -> EntryOutcome:
    """Start, resume or skip one entry; never raises for a run's own failure. ``attach``:
    what the run gets besides its scenario (the batch's budget).

    Why the retries: the runner reaps orphans when a run starts, listing every managed
    container; one removed meanwhile (a neighbour run ending) makes the listing raise
    NotFound before anything is recorded. Re-planning from the folder and trying again is
    safe, since start/resume/skip only ever read what the folder holds.
    """
    for attempt in range(engine_retries + 1):
        out, err = _run_entry_once(entry, batch_dir, hooks, labels=labels, node=node,
                                   busy_wait_s=busy_wait_s, attach=attach)
        if err is None or not _engine_race(err) or attempt == engine_retries:
            return out
        time.sleep(0.2 * (attempt + 1))
    return out


def _run_entry_once(entry: Entry, batch_dir: Path, hooks: Hooks, *, labels: dict[str, str],
                    node: str | None, busy_wait_s: float, attach: Attachments | None
                    ) -> tuple[EntryOutcome, Exception | None]:
    t0 = time.time()
    run_dir = batch_dir / entry.run_id
    stop = hooks.stop
    if stop is not None and stop.requested:
        return EntryOutcome(run_id=entry.run_id, node=node, started_at=t0, ended_at=t0), None
    action: Action | None = None
    try:
        if run_dir.exists():
            wait_unlocked(run_dir, busy_wait_s)
        action = plan(run_dir)
        if entry.agents > 1:
            return _run_team_entry(entry, batch_dir, hooks, labels, action, node, t0), None
        if action == "skip":
            info = read_run_info(run_dir)
            return EntryOutcome(run_id=entry.run_id, action="skip", status=info.status,
                                end_reason=info.end_reason, node=node, started_at=t0,
                                ended_at=time.time()), None
        if action == "start":
            if run_dir.exists():  # a folder with nothing recorded: safe to start over
                shutil.rmtree(run_dir)
            result = execute_run(entry.config(batch_dir, labels), hooks, attach)
        else:
            cfg = entry.config(batch_dir, labels)
            result = resume_run(ResumeConfig(run_dir=run_dir, max_steps=cfg.max_steps,
                                             max_cost=cfg.max_cost, max_time=cfg.max_time,
                                             labels=cfg.labels), hooks, attach)
        info = result.info
        return EntryOutcome(run_id=entry.run_id, action=action, status=info.status,
                            end_reason=info.end_reason, error=info.error, node=node,
                            started_at=t0, ended_at=time.time()), None
    except Exception as e:  # the batch goes on; the run folder (if any) says the rest
        return EntryOutcome(run_id=entry.run_id, action=action, status="failed",
                            end_reason="error", error=f"{type(e).__name__}: {e}", node=node,
                            started_at=t0, ended_at=time.time()), e


def team_plan(team_dir: Path) -> Action:
    """A team's folder: skip a finished team, resume one that recorded its start."""
    try:
        info = read_team_info(team_dir)
    except (OSError, ValueError):
        return "start"
    if info.status == "finished":
        return "skip"
    return "resume" if (team_dir / "team.jsonl").exists() else "start"


def _run_team_entry(entry: Entry, batch_dir: Path, hooks: Hooks, labels: dict[str, str],
                    action: Action, node: str | None, t0: float) -> EntryOutcome:
    """A team entry (``agents: N``), on this node: its agents' sessions, its upstream and
    its grading all run here."""
    from agent.team.driver import TeamHooks, resume_team, run_team
    from agent.team.info import TeamSettings

    team_dir = batch_dir / entry.run_id
    cfg = entry.config(batch_dir, labels)
    team_hooks = TeamHooks(progress=hooks.progress, on_start=hooks.on_start,
                           parent=hooks.stop, handle_signals=False)
    if action == "skip":
        info = read_team_info(team_dir)
    elif action == "start":
        if team_dir.exists():
            shutil.rmtree(team_dir)
        info = run_team(cfg, TeamSettings(agents=entry.agents), team_hooks).info
    else:
        info = resume_team(team_dir, ResumeConfig(run_dir=team_dir, max_steps=cfg.max_steps,
                                                  max_cost=cfg.max_cost,
                                                  max_time=cfg.max_time), team_hooks).info
    return EntryOutcome(run_id=entry.run_id, action=action, status=info.status,
                        end_reason=info.end_reason, error=info.error, node=node,
                        started_at=t0, ended_at=time.time())


def entry_labels(batch_id: str, node: str) -> dict[str, str]:
    """The labels a batch puts on its runs' containers (the reaper finds them by these)."""
    return {LABEL_BATCH: batch_id, LABEL_NODE: node}


def prepare_images(entries: list[Entry], progress: Callable[[str], None]) -> None:
    """Make every (scenario, sandbox) pair ready once (images built), before runs race to
    build the same tag."""
    from agent.scenario.loader import load_scenario
    from agent.setup import prepare

    pairs = {(e.scenario, e.config(Path("logs")).sandbox) for e in entries}
    for ref, sandbox in sorted(pairs, key=lambda p: (p[0], p[1].model_dump_json())):
        prepare(load_scenario(ref), sandbox, progress)
