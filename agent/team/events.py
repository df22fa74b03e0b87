"""The team log (``team.jsonl``): plain events, one JSON object a line, like a run's.

Every event has ``seq`` (contiguous from 0), ``t``, ``type`` and ``step`` (for a team: the
number of pushes to the upstream seen so far). The log says what happened to the team as a
whole: sessions started and ended per agent, every push to the upstream (who, commits, files,
lines added and removed) and every lock claimed or released, the upstream's gradings (the
team's progress curve), restarts of the upstream, the team's end. What each agent did step by
step is in its sessions' own run folders (``agents/<agent>/<session>/``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, Field, TypeAdapter

from agent import jsonsafe
from agent.trajectory.durable import EventLog
from agent.trajectory.events import EvaluationEvent, EventBase, ResumeEvent
from agent.trajectory.reader import iter_events
from agent.trajectory.run_info import EndReason, Status

SCHEMA_VERSION = 1
LOG = "team.jsonl"

E = TypeVar("E", bound=EventBase)


class TeamStart(EventBase):
    type: Literal["team_start"] = "team_start"
    schema_version: int = SCHEMA_VERSION
    team_id: str
    agents: list[str]
    seed_commit: str = ""  # the upstream's first main


class SessionStart(EventBase):
    type: Literal["session_start"] = "session_start"
    agent: str
    session: str  # its run id
    run_dir: str  # relative to the team folder
    number: int  # the agent's n-th session (1-based)
    resumed: bool = False  # an unfinished session continued after the harness stopped


class SessionEnd(EventBase):
    type: Literal["session_end"] = "session_end"
    agent: str
    session: str
    status: Status
    end_reason: EndReason
    error: str | None = None
    totals: dict[str, Any] = Field(default_factory=dict)


class PushEvent(EventBase):
    """One ref update of one push (a push of two branches is two events)."""

    type: Literal["push"] = "push"
    push: int  # 1-based, over every ref update seen
    agent: str  # who pushed (the socket it came in on), "seed" for the harness's first
    ref: str
    old: str
    new: str
    created: bool = False
    deleted: bool = False
    forced: bool = False  # the old state is not an ancestor of the new one
    commits: int = 0  # new commits it brought
    merges: int = 0  # of which merge commits
    files: list[str] = Field(default_factory=list)  # changed paths (first 100)
    files_count: int = 0
    added: int = 0  # lines, text files only
    removed: int = 0
    main: int | None = None  # for the main branch: the index of this state of main (0: seed)
    # A push that merged concurrent work: the last state of main its own side was based on.
    seen_upto: int | None = None
    overwrote: dict[str, int] = Field(default_factory=dict)  # agent -> their unseen lines deleted
    functions: list[str] = Field(default_factory=list)  # path::function it changed
    # Functions both sides of a merge changed since their base: {function, with: [agents]}.
    concurrent: list[dict[str, Any]] = Field(default_factory=list)
    record: int = 0  # its line in upstream/pushes.jsonl (resume continues after it)
    gap: bool = False  # an update whose predecessor was never reported (upstream died)


class LockEvent(EventBase):
    """A lock file (``current_tasks/NAME``) appearing on or leaving the upstream's main."""

    type: Literal["lock_claimed", "lock_released"]
    push: int
    agent: str  # who pushed it
    task: str  # the lock file's path
    holder: str = ""  # the lock file's first line (who it says holds it)
    took_over: str | None = None  # a claim over a lock held by someone else: its holder


class AgentRetired(EventBase):
    type: Literal["agent_retired"] = "agent_retired"
    agent: str
    reason: str


class UpstreamRestart(EventBase):
    type: Literal["upstream_restart"] = "upstream_restart"
    reason: str


class TeamEnd(EventBase):
    type: Literal["team_end"] = "team_end"
    status: Status
    end_reason: EndReason
    totals: dict[str, Any] = Field(default_factory=dict)


class TeamEvaluation(EvaluationEvent):
    """A grading of the upstream's main (``step`` and ``tool_calls``: the index of the state
    of main graded, so progress curves read it as any run's)."""

    main: int = 0
    agent: str = ""  # who pushed that state
    kind: str = "periodic"  # periodic | pinned | bisect | final


TeamEventType = Annotated[
    TeamStart | SessionStart | SessionEnd | PushEvent | LockEvent | AgentRetired
    | UpstreamRestart | TeamEnd | TeamEvaluation | ResumeEvent,
    Field(discriminator="type")]
ADAPTER: TypeAdapter[TeamEventType] = TypeAdapter(TeamEventType)
KNOWN = {"team_start", "session_start", "session_end", "push", "lock_claimed", "lock_released",
         "agent_retired", "upstream_restart", "team_end", "evaluation", "resume"}


def parse_team_event(raw: bytes) -> EventBase:
    data = jsonsafe.loads(raw)  # bounded: a line nested 100,000 deep is a skipped line
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if data.get("type") in KNOWN:
        return ADAPTER.validate_python(data)
    return EventBase.model_validate(data)


class TeamLog(EventLog):
    """Appends team events. Members, the push watcher and the grader all write to it; it is
    also an event sink for the evaluation runner (``emit``), where an event's step defaults to
    the pushes seen so far."""

    def __init__(self, team_dir: Path, next_seq: int = 0, step: int = 0) -> None:
        super().__init__(team_dir / LOG, next_seq)
        self.step = step  # pushes seen so far

    def emit(self, event_cls: type[E], step: int | None = None, **fields: Any) -> E:
        return super().emit(event_cls, self.step if step is None else step, **fields)


@dataclass
class LoadedTeamLog:
    events: list[EventBase]
    warnings: list[str] = field(default_factory=list)
    valid_bytes: int = 0

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]


def read_team_log(team_dir: Path) -> LoadedTeamLog:
    """The team log's events (a torn or unreadable line is skipped with a warning)."""
    path = Path(team_dir) / LOG
    out = LoadedTeamLog([])
    if not path.exists():
        out.warnings.append(f"{path}: missing")
        return out
    for event, end in iter_events(path, out.warnings, parse_team_event):
        out.events.append(event)
        out.valid_bytes = end
    return out


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
