"""A team's settings and ``team.json``: what the team is and how it stands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.budgets import Budgets
from agent.trajectory.durable import write_atomic
from agent.trajectory.run_info import EndReason, Status
from sandboxes.numbers import count, number

TEAM_JSON = "team.json"
MAX_AGENTS = 64


class TeamSettings(BaseModel):
    """How a team runs, besides what each of its sessions is (``RunConfig``)."""

    # Defaults are checked too: one its own bound refuses would only fail when team.json is
    # read back (at the team's end, by resume, report and compare).
    model_config = ConfigDict(extra="forbid", validate_default=True)

    agents: int = count(2, ge=2, le=MAX_AGENTS)
    # Grade the upstream's main after every K-th push to it, or T minutes after the last
    # grading when main moved since (coalesced: a newer state supersedes one still queued).
    grade_every_pushes: int = count(5, ge=1)
    grade_every_minutes: float = number(10.0, gt=0)
    # Model turns per session (default: the scenario's max_steps); the team's --max-steps
    # is the total over all sessions of all agents.
    session_steps: int | None = count(None, ge=1)
    grade_sessions: bool = False  # also grade each agent's own workspace (not by default)
    # An agent stops being restarted after this many sessions in a row that failed, or one
    # that ended by `finish` without pushing anything (it has nothing left to do).
    max_failed_sessions: int = count(3, ge=1)
    branch: str = "main"  # the upstream branch the team builds and the grader reads
    # What the team's upstream repository may hold (refused pushes past it). A size in bytes:
    # its bound is a TiB, not the billion of a count (2 GiB, the default, is past a billion).
    upstream_max_bytes: int = count(2 << 30, ge=1 << 20, le=1 << 40)


class TeamTotals(BaseModel):
    sessions: int = 0
    steps: int = 0
    tool_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    wall_s: float = 0.0
    pushes: int = 0
    main_states: int = 0


class TeamInfo(BaseModel):
    """The content of ``team.json`` (rewritten atomically)."""

    model_config = ConfigDict(extra="allow")

    team_id: str
    scenario: str
    scenario_path: str | None = None
    model: str
    agents: list[str]
    settings: TeamSettings
    budgets: Budgets = Field(default_factory=Budgets)  # the team's: total steps, cost, time
    run_options: dict[str, Any] = Field(default_factory=dict)  # each session's RunConfig
    image: str | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    status: Status = "running"
    end_reason: EndReason | None = None
    error: str | None = None
    started_at: float = 0.0
    ended_at: float | None = None
    totals: TeamTotals = Field(default_factory=TeamTotals)
    grade: dict[str, Any] | None = None  # the upstream's final grading
    kind: str = "team"


def write_team_info(team_dir: Path, info: TeamInfo) -> None:
    write_atomic(team_dir / TEAM_JSON, info.model_dump_json(indent=2))


def read_team_info(team_dir: Path) -> TeamInfo:
    return TeamInfo.model_validate(json.loads((Path(team_dir) / TEAM_JSON).read_text()))


def is_team_dir(path: Path) -> bool:
    return (Path(path) / TEAM_JSON).is_file()


def agent_names(n: int) -> list[str]:
    return [f"a{i}" for i in range(1, n + 1)]
