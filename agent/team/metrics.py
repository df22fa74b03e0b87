"""Team metrics (docs/metrics.md, "Teams"): read from a team folder, never from a live team.

Sources: the team log (pushes, locks, the upstream's gradings), the upstream's objects (the
line ledger replayed over every state of main), and each session's own run folder (what git
told the agent: rejected pushes and merge conflicts; time spent in model calls and commands;
tokens and cost).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.team.attribution import Flip, flips
from agent.team.events import LockEvent, PushEvent, TeamEvaluation, read_team_log
from agent.team.gitobjects import ZERO, GitObjectError, UpstreamObjects
from agent.team.info import TeamInfo, read_team_info
from agent.team.layout import sessions_of
from agent.team.ledger import LineLedger
from agent.team.pushes import MainState
from agent.trajectory.events import ModelCall, ToolCallEvent, ToolResultEvent
from agent.trajectory.reader import load_run

# What git prints when a push is refused because the upstream moved (the first line may be cut
# from a short output; git's hint says it too).
REJECTED = re.compile(r"\[rejected\]|Updates were rejected because")
CONFLICT = re.compile(r"^CONFLICT \(", re.M)
GIT_SYNC = re.compile(r"\bgit\b.*\b(pull|merge|rebase|cherry-pick|stash\s+pop)\b")
GIT_PUSH = re.compile(r"\bgit\b.*\bpush\b")


@dataclass
class AgentMetrics:
    agent: str
    sessions: int = 0
    steps: int = 0
    tool_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    busy_s: float = 0.0  # in model calls and commands
    idle_share: float = 0.0
    pushes: int = 0  # updates of any ref
    pushes_to_main: int = 0
    push_conflicts: int = 0  # pushes git rejected (someone pushed first)
    merge_conflicts: int = 0  # merges, pulls or rebases git stopped with a conflict
    locks_claimed: int = 0
    lines_added: int = 0
    lines_removed: int = 0
    overwrote: int = 0  # lines of others it deleted without having seen them
    overwritten: int = 0  # of its lines others deleted so
    regressions: int = 0  # its pushes that turned passing hidden tests red
    tests_broken: int = 0
    tests_green: int = 0  # hidden tests its pushes turned green (when attributable)
    surviving_lines: int = 0  # lines of the final main it wrote
    retired: str | None = None


@dataclass
class TeamMetrics:
    team_id: str
    status: str
    end_reason: str | None
    wall_s: float
    agents: list[AgentMetrics]
    final: dict[str, Any] | None
    curve: list[dict[str, Any]] = field(default_factory=list)  # the upstream's gradings
    main_states: int = 0
    pushes: int = 0
    forced_pushes: int = 0
    main_deleted: int = 0
    merges: int = 0  # merge commits that reached main
    push_conflicts: int = 0
    merge_conflicts: int = 0
    duplicate_locks: list[dict[str, Any]] = field(default_factory=list)
    duplicate_edits: list[dict[str, Any]] = field(default_factory=list)
    overwrites: list[dict[str, Any]] = field(default_factory=list)
    regressions: list[dict[str, Any]] = field(default_factory=list)
    greens_unattributed: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    steps: int = 0
    tool_calls: int = 0
    sessions: int = 0
    warnings: list[str] = field(default_factory=list)

    def agent(self, name: str) -> AgentMetrics:
        return next(a for a in self.agents if a.agent == name)


def compute_team_metrics(team_dir: Path) -> TeamMetrics:
    team_dir = Path(team_dir)
    info = read_team_info(team_dir)
    log = read_team_log(team_dir)
    agents = {a: AgentMetrics(a) for a in info.agents}
    m = TeamMetrics(info.team_id, info.status, info.end_reason, info.totals.wall_s,
                    list(agents.values()), info.grade, warnings=list(log.warnings))
    pushes = log.of(PushEvent)
    _pushes(m, agents, pushes, log.of(LockEvent))
    states = _states(pushes)
    m.main_states = len(states)
    _gradings(m, agents, states, log.of(TeamEvaluation))
    _ledger(m, agents, team_dir, states, pushes)
    _sessions(m, agents, team_dir, info)
    for e in log.events:
        if e.type == "agent_retired":
            a = agents.get(str(getattr(e, "agent", "")))
            if a is not None:
                a.retired = str(getattr(e, "reason", ""))
    return m


def _pushes(m: TeamMetrics, agents: dict[str, AgentMetrics], pushes: list[PushEvent],
            locks: list[LockEvent]) -> None:
    for p in pushes:
        a = agents.get(p.agent)
        if p.agent == "seed":
            continue
        m.pushes += 1
        m.forced_pushes += p.forced
        if a is not None:
            a.pushes += 1
        if p.main is None:
            continue
        m.main_deleted += p.deleted
        m.merges += p.merges
        if a is not None:
            a.pushes_to_main += 1
            a.lines_added += p.added
            a.lines_removed += p.removed
        for victim, lines in p.overwrote.items():
            m.overwrites.append({"push": p.push, "main": p.main, "by": p.agent, "of": victim,
                                 "lines": lines})
            if a is not None:
                a.overwrote += lines
            if victim in agents:
                agents[victim].overwritten += lines
        for c in p.concurrent:
            m.duplicate_edits.append({"push": p.push, "main": p.main, "agent": p.agent,
                                      "function": c.get("function"), "with": c.get("with")})
    for lk in locks:
        if lk.type != "lock_claimed":
            continue
        a = agents.get(lk.agent)
        if a is not None:
            a.locks_claimed += 1
        if lk.took_over:
            m.duplicate_locks.append({"push": lk.push, "task": lk.task, "agent": lk.agent,
                                      "holder": lk.holder, "took_over": lk.took_over})


def _states(pushes: list[PushEvent]) -> list[MainState]:
    out: list[MainState] = []
    for p in pushes:
        if p.main is not None:
            out.append(MainState(p.main, None if p.new == ZERO else p.new, None, p.agent,
                                 p.push, tuple(p.files)))
    return out


def _gradings(m: TeamMetrics, agents: dict[str, AgentMetrics], states: list[MainState],
              evaluations: list[TeamEvaluation]) -> None:
    graded: dict[int, set[str]] = {}
    every: dict[int, set[str]] = {}
    for e in sorted(evaluations, key=lambda e: (e.main, e.seq)):
        m.curve.append({"main": e.main, "t": e.t, "passed": e.passed, "total": e.total,
                        "agent": e.agent, "kind": e.kind, "error": e.error})
        if e.error is None:
            graded[e.main] = {t for t, v in e.tests.items() if v == "pass"}
            every[e.main] = set(e.tests)
    regressions: dict[tuple[str | None, int | None, int], list[Flip]] = {}
    for f in flips(graded, every, states):
        if f.kind == "green":
            if f.agent in agents:
                agents[f.agent].tests_green += 1
            else:
                m.greens_unattributed += 1
            continue
        regressions.setdefault((f.agent, f.state, f.until), []).append(f)
    for (agent, state, until), fl in sorted(regressions.items(), key=lambda kv: kv[0][2]):
        push = states[state].push if state is not None and state < len(states) else None
        m.regressions.append({"agent": agent, "main": state, "push": push, "until": until,
                              "tests": sorted(f.test for f in fl)})
        if agent in agents:
            agents[agent].regressions += 1
            agents[agent].tests_broken += len(fl)


def _ledger(m: TeamMetrics, agents: dict[str, AgentMetrics], team_dir: Path,
            states: list[MainState], pushes: list[PushEvent]) -> None:
    """Replay the line ledger over every state of main: the lines each agent's work left in
    the final state."""
    objects = UpstreamObjects(team_dir / "upstream" / "team.git")
    ledger = LineLedger(objects)
    seen = {p.main: p.seen_upto for p in pushes if p.main is not None}
    try:
        for s in states:
            tree = objects.commit(s.sha).tree if s.sha else None
            if s.index == 0:
                ledger.start(tree, s.agent)
            else:
                ledger.advance(s.index, s.agent, tree, seen.get(s.index))
    except GitObjectError as e:
        m.warnings.append(f"the upstream's history could not be read: {e}")
        return
    for agent, lines in ledger.surviving().items():
        if agent in agents:
            agents[agent].surviving_lines = lines


def _sessions(m: TeamMetrics, agents: dict[str, AgentMetrics], team_dir: Path,
              info: TeamInfo) -> None:
    wall = max(info.totals.wall_s, 1e-9)
    for name, a in agents.items():
        for session in sessions_of(team_dir / "agents" / name):
            run = load_run(session)
            if run.info is None:
                continue
            t = (run.current_info or run.info).totals
            a.sessions += 1
            a.steps += t.steps
            a.tool_calls += t.tool_calls
            a.tokens_in += t.tokens_in
            a.tokens_out += t.tokens_out
            a.cost = round(a.cost + (t.cost or 0.0), 6)
            commands: dict[str, str] = {}
            for e in run.events:
                if isinstance(e, ModelCall):
                    a.busy_s += e.latency_s
                elif isinstance(e, ToolCallEvent):
                    commands[e.call_id] = str((e.arguments or {}).get("command", ""))
                elif isinstance(e, ToolResultEvent):
                    a.busy_s += e.duration_s
                    command = commands.get(e.call_id, "")
                    if GIT_PUSH.search(command) and REJECTED.search(e.output):
                        a.push_conflicts += 1
                    if GIT_SYNC.search(command) and CONFLICT.search(e.output):
                        a.merge_conflicts += 1
        a.idle_share = round(max(0.0, 1.0 - a.busy_s / wall), 4)
        m.push_conflicts += a.push_conflicts
        m.merge_conflicts += a.merge_conflicts
        m.tokens_in += a.tokens_in
        m.tokens_out += a.tokens_out
        m.cost = round(m.cost + a.cost, 6)
        m.steps += a.steps
        m.tool_calls += a.tool_calls
        m.sessions += a.sessions


def metrics_json(m: TeamMetrics) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(m)


def busiest(counter: Counter[str]) -> str:
    return counter.most_common(1)[0][0] if counter else "-"
