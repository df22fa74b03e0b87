"""One agent of a team: its sessions, one after another, on one clone, until it is done.

A session is an ordinary run folder, ``agents/<agent>/sNNN/`` (replay, report, fork and export
work on it unchanged), whose workspace is the agent's clone of the upstream: the clone moves
from one session's folder to the next. A session that ends (``finish``, its step limit, a full
context, a failure) is followed by a fresh one, with a fresh conversation, on the same clone;
one killed with the harness is resumed where it stopped. The agent retires when a session
ends by ``finish`` without having pushed anything (it found nothing left to do), or after
``max_failed_sessions`` failures in a row; the team's budgets stop it too.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent.batch.stop import BatchStop
from agent.options import ResumeConfig, RunConfig
from agent.resume import resume_run
from agent.runner import Attachments, Hooks, RunResult, Session, new_run_info
from agent.scenario.loader import Scenario
from agent.state import LoopState
from agent.team.budget import TeamAllowance
from agent.team.events import AgentRetired, SessionEnd, SessionStart, TeamLog
from agent.team.layout import sessions_of
from agent.team.pushes import PushWatcher
from agent.team.upstream import LABEL_TEAM, UpstreamServer
from agent.trajectory.reader import load_run
from agent.trajectory.run_info import RunInfo, TeamMember, read_run_info
from sandboxes.backends import SandboxFactory
from sandboxes.errors import one_line


@dataclass
class Crew:
    """What every member of a team shares (built by the team's driver)."""

    team_dir: Path
    team_id: str
    agents: list[str]
    scenario: Scenario
    options: RunConfig  # each session's run options (model, endpoint, context, budgets)
    session_steps: int | None
    grade_sessions: bool
    max_failed: int
    factory: SandboxFactory
    upstream: UpstreamServer
    log: TeamLog
    watcher: PushWatcher
    allowance: TeamAllowance
    stop: BatchStop
    task: Callable[[str], str]  # the first user message of an agent's sessions
    observer: Callable[[str, LoopState], None] = lambda _a, _s: None
    labels: dict[str, str] = field(default_factory=dict)

    def agent_dir(self, agent: str) -> Path:
        return self.team_dir / "agents" / agent


def unfinished(session: Path) -> bool:
    """A session the harness stopped in the middle (killed, interrupted): to be resumed."""
    try:
        info = read_run_info(session)
    except (OSError, ValueError):
        return False
    return info.status in ("running", "interrupted") and (session / "events.jsonl").exists()


class Member:
    """Runs one agent's sessions on a thread of its own (``start``, then ``join``)."""

    def __init__(self, crew: Crew, agent: str, retired: str | None = None) -> None:
        self.crew = crew
        self.agent = agent
        self.retired = retired  # why it stopped being restarted, once it did
        self.failures = 0
        self.state: LoopState | None = None
        self._charged = (0, 0.0, 0)  # the session's steps, cost, tokens the team was charged
        self.session: Path | None = None
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"team-{agent}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    # -- the lifecycle ---------------------------------------------------------------------
    def _run(self) -> None:
        c = self.crew
        while self.retired is None and not c.stop.requested and c.allowance.exhausted() is None:
            try:
                self._one_session()
            except Exception as e:  # a session that could not even start: count, go on
                self.error = one_line(f"{type(e).__name__}: {e}")
                self.failures += 1
                if self.failures >= c.max_failed:
                    self._retire(f"{self.failures} sessions in a row failed ({self.error})")
                else:
                    time.sleep(1.0)

    def _one_session(self) -> None:
        c = self.crew
        folders = sessions_of(c.agent_dir(self.agent))
        last = folders[-1] if folders else None
        resumed = last is not None and unfinished(last)
        if resumed:
            assert last is not None
            run_dir, number = last, len(folders)
        else:
            number = len(folders) + 1
            run_dir = c.agent_dir(self.agent) / f"s{number:03d}"
            self._prepare_workspace(run_dir, last)
        self.session = run_dir
        started = read_run_info(run_dir).started_at if resumed else time.time()
        # What a resumed session used before is in the team's totals already.
        t = read_run_info(run_dir).totals if resumed else None
        self._charged = (t.steps, t.cost or 0.0, t.tokens_in + t.tokens_out) if t else (0, 0.0, 0)
        c.log.emit(SessionStart, agent=self.agent, session=self._run_id(number),
                   run_dir=str(run_dir.relative_to(c.team_dir)), number=number,
                   resumed=resumed)
        hooks = Hooks(observer=self._observe, stop=c.stop.new_signal())
        attach = Attachments(mounts=[c.upstream.mount(self.agent)], task=c.task(self.agent),
                             grade=c.grade_sessions, allowance=c.allowance)
        try:
            if resumed:
                result = resume_run(ResumeConfig(run_dir=run_dir, max_time=self._time_left(),
                                                 labels=self._labels()), hooks, attach)
            else:
                result = self._new_session(run_dir, number, hooks, attach)
        except Exception as e:
            self._ended(run_dir, number, error=one_line(f"{type(e).__name__}: {e}"))
            raise
        self._ended(run_dir, number, result=result, started=started)

    def _new_session(self, run_dir: Path, number: int, hooks: Hooks,
                     attach: Attachments) -> RunResult:
        c = self.crew
        cfg = c.options.model_copy(update={
            "max_steps": c.session_steps, "max_cost": None, "max_time": self._time_left(),
            "eval_every": c.options.eval_every if c.grade_sessions else 0,
            "labels": self._labels()})
        info = new_run_info(cfg, c.scenario, self._run_id(number))
        info.options.snapshot_git = True
        info.team = TeamMember(team_id=c.team_id, agent=self.agent, session=number)
        session = Session.resolve(run_dir, info, c.scenario, cfg)
        session.attach = attach
        return session.run(hooks)

    def _prepare_workspace(self, run_dir: Path, last: Path | None) -> None:
        """The new session's folder with the agent's clone in it: cloned for the first
        session, moved from the session before for the others."""
        c = self.crew
        run_dir.mkdir(parents=True, exist_ok=True)
        workspace = run_dir / "workspace"
        if workspace.exists():
            return  # a folder made before the harness stopped
        previous = next((s / "workspace" for s in reversed(sessions_of(c.agent_dir(self.agent)))
                         if (s / "workspace").is_dir() and s != run_dir), None)
        if previous is not None:
            os.rename(previous, workspace)
            return
        tmp = run_dir / "workspace.clone"
        shutil.rmtree(tmp, ignore_errors=True)  # a clone the harness was killed in
        c.upstream.clone_into(c.factory, tmp, self.agent, labels=self._labels())
        os.rename(tmp, workspace)

    def _ended(self, run_dir: Path, number: int, result: RunResult | None = None,
               error: str | None = None, started: float = 0.0) -> None:
        c = self.crew
        info = result.info if result is not None else _info_or_none(run_dir)
        status = info.status if info else "failed"
        reason = info.end_reason if info and info.end_reason else "error"
        c.log.emit(SessionEnd, agent=self.agent, session=self._run_id(number), status=status,
                   end_reason=reason, error=error or (info.error if info else None),
                   totals=info.totals.model_dump() if info else {})
        if result is None or status == "interrupted":
            return
        if status == "failed":
            self.failures += 1
            if self.failures >= c.max_failed:
                self._retire(f"{self.failures} sessions in a row failed")
            return
        self.failures = 0
        if reason in ("finished", "script_exhausted"):
            c.watcher.poll()
            if c.watcher.pushes_since(self.agent, started) == 0:
                self._retire("its session finished without pushing anything (nothing left "
                             "to do)")

    def _retire(self, reason: str) -> None:
        self.retired = reason
        self.crew.log.emit(AgentRetired, agent=self.agent, reason=reason)

    # -- helpers ---------------------------------------------------------------------------
    def _observe(self, state: LoopState) -> None:
        """The session's loop reports (after each model call and tool call): charge the
        team's budgets with what it used since."""
        self.state = state
        steps, cost, tokens = self._charged
        used = (state.step, state.cost, state.tokens_in + state.tokens_out)
        self.crew.allowance.charge(steps=max(0, used[0] - steps), cost=max(0.0, used[1] - cost),
                                   tokens=max(0, used[2] - tokens))
        self._charged = used
        self.crew.observer(self.agent, state)

    def _run_id(self, number: int) -> str:
        return f"{self.crew.team_id}-{self.agent}-s{number:03d}"

    def _labels(self) -> dict[str, str]:
        return {**self.crew.labels, LABEL_TEAM: self.crew.team_id}

    def _time_left(self) -> str | None:
        left = self.crew.allowance.time_left()
        return None if left is None else str(int(left) + 1)


def _info_or_none(run_dir: Path) -> RunInfo | None:
    return load_run(run_dir).current_info
