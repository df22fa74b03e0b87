"""Running a team: ``ultrarun run SCENARIO --agents N`` and ``ultrarun resume TEAM_DIR``.

The team folder::

    TEAM/team.json          what the team is and how it stands (``TeamInfo``)
    TEAM/team.jsonl         the team log (``events.py``)
    TEAM/upstream/          the shared repository and its sockets (``upstream.py``)
    TEAM/agents/a1/s001/    agent a1's first session: an ordinary run folder
    TEAM/report.html        the team's report, at the end

The driver seeds the upstream from the scenario's workspace, starts one thread per agent
(``member.py``), watches pushes (``pushes.py``) and grades main on its schedule
(``grading.py``); it replaces a dead upstream container, stops everything on Ctrl-C or when a
team budget is spent, and ends with a final grading of main.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.batch.stop import BatchStop, stop_on_signals
from agent.budgets import Budgets
from agent.loop import StopSignal
from agent.options import ConfigError, LoopOptions, RunConfig
from agent.paths import absolute
from agent.runner import Session, new_run_id, new_run_info, run_lock, scenario_ref
from agent.scenario.loader import Scenario, builtin_names, load_scenario
from agent.setup import prepare
from agent.team.budget import TeamAllowance
from agent.team.events import (
    AgentRetired,
    LockEvent,
    PushEvent,
    SessionEnd,
    TeamEnd,
    TeamEvaluation,
    TeamLog,
    TeamStart,
    UpstreamRestart,
    read_team_log,
)
from agent.team.gitobjects import UpstreamObjects
from agent.team.grading import UpstreamGrading
from agent.team.info import (
    TeamInfo,
    TeamSettings,
    TeamTotals,
    agent_names,
    read_team_info,
    write_team_info,
)
from agent.team.layout import sessions_of
from agent.team.member import Crew, Member
from agent.team.pushes import MainState, PushWatcher
from agent.team.upstream import LABEL_TEAM, UpstreamServer, require_docker
from agent.trajectory.events import EventBase, ResumeEvent
from agent.trajectory.run_info import EndReason, Status, read_run_info, versions

PROMPTS = Path(__file__).parents[1] / "prompts"
TICK_S = 0.5
HEALTH_EVERY_S = 5.0
INFO_EVERY_S = 2.0


@dataclass
class AgentView:
    agent: str
    session: str = ""
    step: int = 0
    tool_calls: int = 0
    last_tool: str = ""
    retired: str | None = None


@dataclass
class TeamView:
    """What a live view shows of a running team."""

    team_dir: Path
    agents: list[AgentView]
    pushes: int = 0
    main_states: int = 0
    grade: str = ""
    elapsed_s: float = 0.0
    note: str = ""


@dataclass
class TeamHooks:
    progress: Callable[[str], None] = lambda _m: None
    on_start: Callable[[Path], None] | None = None
    observer: Callable[[TeamView], None] | None = None
    stop: BatchStop | None = None
    handle_signals: bool = True  # False when called from a thread (batch)
    parent: StopSignal | None = None  # a batch's stop: the team stops when it is requested


@dataclass
class TeamResult:
    team_dir: Path
    info: TeamInfo
    members: dict[str, str | None] = field(default_factory=dict)  # agent -> why retired


def team_task(scenario: Scenario, agent: str, agents: list[str], branch: str) -> str:
    """An agent's first user message: the team protocol around the scenario's prompt."""
    template = scenario.team_prompt_text or (PROMPTS / "team.md").read_text()
    return (template.replace("{agent}", agent).replace("{agents}", ", ".join(agents))
            .replace("{n}", str(len(agents))).replace("{branch}", branch)
            .replace("{task}", scenario.prompt_text.strip()))


def session_model(cfg: RunConfig, scenario: Scenario) -> RunConfig:
    """The sessions' options: ``reference`` becomes the scenario's scripted *team* policy."""
    if cfg.model == "reference":
        if not (scenario.root / "team_policy.py").exists():
            raise ConfigError(f"--model reference --agents: scenario {scenario.name} has no "
                              "scripted team policy (team_policy.py); pick another --model")
        return cfg.model_copy(update={"model": "reference-team"})
    return cfg


def team_budgets(cfg: LoopOptions, scenario: Scenario, agents: int) -> Budgets:
    """The team's: --max-steps is the total over every session (default: the scenario's
    steps per agent), --max-cost and --max-time as given (default: the scenario's)."""
    base = scenario.budgets
    steps = cfg.max_steps or (base.max_steps * agents if base.max_steps else None)
    return base.merged(max_steps=steps, max_cost=cfg.max_cost, max_time=cfg.max_time)


# -- starting and resuming --------------------------------------------------------------------
def run_team(cfg: RunConfig, settings: TeamSettings,
             hooks: TeamHooks | None = None) -> TeamResult:
    """Run a team of ``settings.agents`` agents on ``cfg.scenario`` end to end."""
    hooks = hooks or TeamHooks()
    scenario = load_scenario(cfg.scenario)
    require_docker(cfg.sandbox)
    sessions = session_model(cfg, scenario)
    probe = new_run_info(sessions, scenario, "probe")  # bad model or profile: before any folder
    Session.resolve(Path("/nonexistent"), probe, scenario, sessions)
    team_id = cfg.run_id or new_run_id(scenario.name, f"team{settings.agents}-{probe.model}")
    team_dir = absolute(cfg.logs) / team_id
    if team_dir.exists() and any(team_dir.iterdir()):
        raise ConfigError(f"--run-id {team_id}: {team_dir} already exists (use `ultrarun "
                          "resume`)")
    team_dir.mkdir(parents=True, exist_ok=True)
    agents = agent_names(settings.agents)
    info = TeamInfo(team_id=team_id, scenario=scenario.name,
                    scenario_path=scenario_ref(scenario), model=probe.model, agents=agents,
                    settings=settings, budgets=team_budgets(cfg, scenario, len(agents)),
                    run_options=sessions.model_dump(mode="json", exclude={"labels"}),
                    versions=versions(), started_at=time.time())
    write_team_info(team_dir, info)
    with run_lock(team_dir):
        return _drive(team_dir, info, scenario, sessions, hooks, resume=None)


def resume_team(team_dir: Path, opts: LoopOptions,
                hooks: TeamHooks | None = None) -> TeamResult:
    """Continue a team that was killed, interrupted or stopped by a budget you now raise:
    every agent continues from its last step."""
    hooks = hooks or TeamHooks()
    team_dir = absolute(team_dir)
    with run_lock(team_dir):
        info = read_team_info(team_dir)
        if info.status == "finished" and info.end_reason == "finished":
            raise ConfigError(f"{team_dir}: this team finished (every agent ran out of work)")
        logged = read_team_log(team_dir)
        if (team_dir / "team.jsonl").exists():
            with open(team_dir / "team.jsonl", "r+b") as f:  # drop a torn tail
                f.truncate(logged.valid_bytes)
        info.budgets = info.budgets.merged(max_steps=opts.max_steps, max_cost=opts.max_cost,
                                           max_time=opts.max_time)
        ref = info.scenario_path or info.scenario
        if not Path(ref).exists() and info.scenario in builtin_names():
            ref = info.scenario
        scenario = load_scenario(ref)
        sessions = RunConfig.model_validate({**info.run_options,
                                             **({"base_url": opts.base_url}
                                                if opts.base_url else {}),
                                             **({"api_key_env": opts.api_key_env}
                                                if opts.api_key_env else {})})
        prior = {"status": info.status, "end_reason": info.end_reason}
        info.status, info.end_reason, info.error, info.ended_at = "running", None, None, None
        if not logged.of(TeamStart):  # stopped while it was being set up: start it afresh
            for part in ("upstream", "agents"):
                shutil.rmtree(team_dir / part, ignore_errors=True)
            (team_dir / "team.jsonl").unlink(missing_ok=True)
            return _drive(team_dir, info, scenario, sessions, hooks, resume=None)
        return _drive(team_dir, info, scenario, sessions, hooks,
                      resume=(logged.events, prior))


# -- the team while it runs ---------------------------------------------------------------------
def _drive(team_dir: Path, info: TeamInfo, scenario: Scenario, sessions: RunConfig,
           hooks: TeamHooks, resume: tuple[list[EventBase], dict[str, Any]] | None
           ) -> TeamResult:
    settings = info.settings
    sandbox = require_docker(sessions.sandbox)
    if hooks.on_start:
        hooks.on_start(team_dir)
    prepared = prepare(scenario, sandbox, hooks.progress)
    info.image = prepared.factory.image
    events = resume[0] if resume else []
    stop = hooks.stop or BatchStop()
    with ExitStack() as stack:
        log = TeamLog(team_dir, next_seq=events[-1].seq + 1 if events else 0)
        stack.callback(log.close)
        upstream = stack.enter_context(UpstreamServer(
            team_dir, info.team_id, info.agents, config=sandbox, branch=settings.branch,
            max_bytes=settings.upstream_max_bytes, labels=dict(sessions.labels)))
        hooks.progress("starting the team's upstream")
        seed = upstream.start(seed=scenario.workspace_tree, create=resume is None)
        objects = UpstreamObjects(upstream.repo)
        box = prepared.grader(f"{info.team_id}-upstream")
        grading = UpstreamGrading(box, objects, log, every_states=settings.grade_every_pushes,
                                  every_minutes=settings.grade_every_minutes,
                                  owner=prepared.factory.workspace_owner) if box else None
        if grading is not None:
            stack.callback(grading.close)
        watcher = PushWatcher(upstream.log, objects, log, agents=info.agents,
                              branch=settings.branch,
                              on_main=grading.on_main if grading else None)
        totals = _totals(team_dir, info.agents)
        allowance = TeamAllowance(info.budgets, used_s=info.totals.wall_s if resume else 0.0,
                                  steps=totals.steps, cost=totals.cost,
                                  tokens=totals.tokens_in + totals.tokens_out)
        retired: dict[str, str] = {}
        if resume:
            pushes = [e for e in events if isinstance(e, PushEvent)]
            watcher.restore(pushes, [e for e in events if isinstance(e, LockEvent)])
            if grading is not None:
                grading.restore(watcher.states,
                                [e for e in events if isinstance(e, TeamEvaluation)],
                                pinned=[p.main for p in pushes if p.overwrote and p.main])
            retired = {e.agent: e.reason for e in events if isinstance(e, AgentRetired)}
            log.emit(ResumeEvent, reason="crashed" if resume[1]["status"] == "running"
                     else str(resume[1]["status"]), details={"previous": resume[1],
                                                             "budgets": info.budgets.model_dump()})
        else:
            log.emit(TeamStart, team_id=info.team_id, agents=info.agents,
                     seed_commit=seed or "")
        write_team_info(team_dir, info)
        watcher.start()
        stack.callback(watcher.stop)
        crew = Crew(team_dir=team_dir, team_id=info.team_id, agents=info.agents,
                    scenario=scenario, options=sessions,
                    session_steps=settings.session_steps, grade_sessions=settings.grade_sessions,
                    max_failed=settings.max_failed_sessions, factory=prepared.factory,
                    upstream=upstream, log=log, watcher=watcher, allowance=allowance, stop=stop,
                    task=lambda a: team_task(scenario, a, info.agents, settings.branch),
                    labels={**sessions.labels, LABEL_TEAM: info.team_id})
        members = [Member(crew, a, retired.get(a)) for a in info.agents]
        with stop_on_signals(stop) if hooks.handle_signals else _nothing():
            for m in members:
                m.start()
            status, reason = _watch(team_dir, info, members, upstream, log, grading, watcher,
                                    allowance, stop, hooks)
        for m in members:
            m.join()
        watcher.stop()
        if grading is not None:
            if status == "interrupted":
                grading.abort()
            else:
                hooks.progress("grading the upstream's final state")
                grading.final()
        final = _latest_final(team_dir)
        info.totals = _totals(team_dir, info.agents, watcher, allowance)
        info.status, info.end_reason, info.ended_at = status, reason, time.time()
        info.grade = final
        log.emit(TeamEnd, status=status, end_reason=reason, totals=info.totals.model_dump())
        log.sync()
        write_team_info(team_dir, info)
    return TeamResult(team_dir, info, {m.agent: m.retired for m in members})


def _watch(team_dir: Path, info: TeamInfo, members: list[Member], upstream: UpstreamServer,
           log: TeamLog, grading: UpstreamGrading | None, watcher: PushWatcher,
           allowance: TeamAllowance, stop: BatchStop, hooks: TeamHooks
           ) -> tuple[Status, EndReason]:
    """The main thread while agents work: the time trigger of grading, the upstream's health,
    team.json, the live view; returns how the team ends."""
    last_health = last_info = time.monotonic()
    while any(m.running for m in members):
        time.sleep(TICK_S)
        now = time.monotonic()
        if grading is not None:
            grading.tick()
        if now - last_health >= HEALTH_EVERY_S:
            last_health = now
            if not upstream.alive():
                log.emit(UpstreamRestart, reason="the upstream's container or gateway died")
                upstream.restart()
        if now - last_info >= INFO_EVERY_S:
            last_info = now
            info.totals = _totals(team_dir, info.agents, watcher, allowance)
            write_team_info(team_dir, info)
        if hooks.parent is not None and hooks.parent.requested and not stop.requested:
            stop.request()
        if hooks.observer:
            hooks.observer(_view(team_dir, members, watcher, grading, allowance))
    if stop.requested and allowance.exhausted() is None:
        return "interrupted", "interrupted"
    spent = allowance.exhausted()
    if spent is not None:
        return "finished", spent
    if all(m.retired and "failed" in m.retired for m in members):
        return "failed", "error"
    return "finished", "finished"


def _view(team_dir: Path, members: list[Member], watcher: PushWatcher,
          grading: UpstreamGrading | None, allowance: TeamAllowance) -> TeamView:
    agents = []
    for m in members:
        s = m.state
        agents.append(AgentView(m.agent, m.session.name if m.session else "",
                                s.step if s else 0, s.tool_calls if s else 0,
                                s.last_tool if s else "", m.retired))
    latest = grading.runner.latest if grading else None
    return TeamView(team_dir, agents, watcher.pushes, len(watcher.states),
                    f"{latest.passed}/{latest.total}" if latest else "", allowance.elapsed())


def _totals(team_dir: Path, agents: list[str], watcher: PushWatcher | None = None,
            allowance: TeamAllowance | None = None) -> TeamTotals:
    """The sums of every session's run.json totals."""
    t = TeamTotals()
    for agent in agents:
        for session in sessions_of(team_dir / "agents" / agent):
            try:
                s = read_run_info(session).totals
            except (OSError, ValueError):
                continue
            t.sessions += 1
            t.steps += s.steps
            t.tool_calls += s.tool_calls
            t.tokens_in += s.tokens_in
            t.tokens_out += s.tokens_out
            t.cost = round(t.cost + (s.cost or 0.0), 6)
    if watcher is not None:
        t.pushes, t.main_states = watcher.agent_pushes(), len(watcher.states)
    if allowance is not None:
        t.wall_s = round(allowance.elapsed(), 3)
    return t


def _latest_final(team_dir: Path) -> dict[str, Any] | None:
    finals = [e for e in read_team_log(team_dir).of(TeamEvaluation) if e.final]
    if not finals:
        return None
    e = finals[-1]
    return {"passed": e.passed, "total": e.total, "stages": e.stages, "commit": e.commit,
            "main": e.main, "error": e.error}


@contextmanager
def _nothing() -> Iterator[None]:
    yield


__all__ = ["AgentView", "MainState", "SessionEnd", "TeamHooks", "TeamResult", "TeamView",
           "resume_team", "run_team", "team_task"]
