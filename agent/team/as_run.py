"""A team seen as one run, for ``ultrarun compare`` beside single runs.

Every tool call of every agent's sessions, in the order their results were recorded, is one
call of the team (call ids prefixed with agent and session); each grading of the upstream is
an evaluation placed at the number of team tool calls made when its state of main was pushed.
So a team's curve (by tool calls, time or tokens) lines up with a single agent's on the same
axes: what N agents reached after the same total work.
"""

from __future__ import annotations

from pathlib import Path

from agent.team.events import PushEvent, TeamEvaluation, read_team_log
from agent.team.info import TeamInfo, is_team_dir, read_team_info
from agent.team.layout import sessions_of
from agent.trajectory.events import (
    EvaluationEvent,
    EventBase,
    ModelCall,
    RunEnd,
    RunStart,
    ToolCallEvent,
    ToolResultEvent,
)
from agent.trajectory.reader import LoadedRun, load_run
from agent.trajectory.run_info import ModelKind, RunInfo, Totals, read_run_info


def team_as_run(team_dir: Path) -> LoadedRun:
    team_dir = Path(team_dir)
    info = read_team_info(team_dir)
    log = read_team_log(team_dir)
    picked: list[tuple[float, int, str, EventBase]] = []
    kind: ModelKind = "endpoint"
    for agent in info.agents:
        for session in sessions_of(team_dir / "agents" / agent):
            run = load_run(session)
            if run.info is not None:
                kind = run.info.model_kind
            tag = f"{agent}.{session.name}"
            for e in run.events:
                if isinstance(e, ModelCall | ToolCallEvent | ToolResultEvent):
                    picked.append((e.t, e.seq, tag, e))
    picked.sort(key=lambda p: (p[0], p[2], p[1]))
    events: list[EventBase] = [RunStart(seq=0, t=info.started_at, step=0, run_id=info.team_id,
                                        messages=[])]
    step = 0
    steps: dict[str, int] = {}
    results: list[float] = []
    for t, _seq, tag, e in picked:
        if isinstance(e, ModelCall):
            step += 1
            steps[tag] = step
        update: dict[str, object] = {"seq": len(events), "step": steps.get(tag, step)}
        if isinstance(e, ToolCallEvent | ToolResultEvent):
            update["call_id"] = f"{tag}.{e.call_id}"
        if isinstance(e, ToolResultEvent) and e.ran:
            results.append(t)
        events.append(e.model_copy(update=update))
    pushed = {p.main: p.t for p in log.of(PushEvent) if p.main is not None}
    for g in sorted(log.of(TeamEvaluation), key=lambda g: (g.main, g.seq)):
        when = pushed.get(g.main, g.t)
        calls = sum(1 for t in results if t <= when)
        events.append(EvaluationEvent(
            seq=len(events), t=g.t, step=step, commit=g.commit, tool_calls=calls,
            passed=g.passed, total=g.total, tests=g.tests, stages=g.stages,
            duration_s=g.duration_s, error=g.error, final=g.final))
    run_info = team_run_info(info, kind,
                             model_calls=sum(1 for e in events if isinstance(e, ModelCall)))
    if info.status != "running":
        events.append(RunEnd(seq=len(events), t=info.ended_at or events[-1].t, step=step,
                             status=info.status, end_reason=info.end_reason or "error",
                             totals=run_info.totals.model_dump()))
    return LoadedRun(team_dir, run_info, events, list(log.warnings))


def team_run_info(info: TeamInfo, kind: ModelKind = "endpoint", model_calls: int = 0
                  ) -> RunInfo:
    """team.json as a run.json: its status, totals and the upstream's final grade."""
    tt = info.totals
    totals = Totals(steps=tt.steps, tool_calls=tt.tool_calls, tokens_in=tt.tokens_in,
                    tokens_out=tt.tokens_out, cost=tt.cost, wall_s=tt.wall_s,
                    model_calls=model_calls)
    return RunInfo(run_id=info.team_id, scenario=info.scenario,
                   scenario_path=info.scenario_path,
                   model=f"team of {len(info.agents)}: {info.model}", model_kind=kind,
                   status=info.status, end_reason=info.end_reason, error=info.error,
                   started_at=info.started_at, ended_at=info.ended_at, totals=totals,
                   grade=info.grade, budgets=info.budgets)


def has_outcome(folder: Path) -> bool:
    """Whether a batch entry's folder records a run or a team."""
    return (folder / "run.json").exists() or is_team_dir(folder)


def outcome_info(folder: Path) -> RunInfo:
    """A run's run.json, or a team's team.json as one (OSError, ValueError when neither)."""
    return team_run_info(read_team_info(folder)) if is_team_dir(folder) else \
        read_run_info(folder)


def load_any(folder: Path) -> LoadedRun:
    """A run folder, or a team folder seen as one run."""
    return team_as_run(folder) if is_team_dir(folder) else load_run(folder)
