"""`run.json`: what a run is (config, versions) and how it stands (status, totals, grade)."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from agent import jsonsafe
from agent.budgets import Budgets
from agent.clock import ClockOptions
from agent.trajectory.durable import write_atomic
from sandboxes import DEFAULT_BACKEND
from sandboxes.backends import SandboxConfig
from sandboxes.numbers import count

#: How a run stands (docs/trajectory.md, `run.json`).
Status = Literal["running", "finished", "failed", "interrupted"]
#: Why it stopped (docs/trajectory.md, `run.json`).
EndReason = Literal["finished", "max_steps", "max_cost", "max_time", "script_exhausted",
                    "error", "interrupted", "shared_budget"]
#: What answered the model calls: an endpoint, a scripted source, a user's class, or nothing
#: (an imported trajectory).
ModelKind = Literal["endpoint", "script", "replay", "reference", "python", "imported"]


class Totals(BaseModel):
    """Run totals. ``cost`` and ``wall_s`` are null only for an imported run whose source
    records no cost or no time at all ("not available", never a made-up 0)."""

    steps: int = 0
    tool_calls: int = 0
    tokens_in: int = 0  # prompt tokens, cached ones included
    tokens_out: int = 0  # completion tokens, reasoning included
    tokens_cached: int = 0  # of tokens_in: read from the provider's prompt cache
    tokens_cache_write: int = 0  # of tokens_in: written to it (where the provider says)
    tokens_reasoning: int = 0  # of tokens_out
    cache_reported_calls: int = 0  # calls whose usage said how many tokens were cached
    cost: float | None = 0.0
    wall_s: float | None = 0.0
    format_errors: int = 0
    model_calls: int = 0  # successful ones, compaction summaries included
    unpriced_calls: int = 0  # model calls whose cost is unknown (no prices or no usage)
    retries: int = 0  # failed attempts that were retried
    # Wall time the agent's tool calls waited for sealed gradings (not charged to max_time).
    grader_wait_s: float = 0.0
    # Prefix stability: JSON characters of the agent's requests (after the first of a
    # session), and how many of them repeated the previous request's start exactly.
    request_chars: int = 0
    prefix_chars: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cache_hit_rate(self) -> float | None:
        """Share of prompt tokens read from the cache; None when no call reported it."""
        from agent.models.usage import cache_hit_rate

        return cache_hit_rate(self.tokens_cached, self.tokens_in, self.cache_reported_calls)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def prefix_share(self) -> float | None:
        """Share of the requests' characters that repeated the previous request's start."""
        return round(self.prefix_chars / self.request_chars, 4) if self.request_chars else None


class MaskOptions(BaseModel):
    """The ``mask`` context policy's knobs (run.json ``options.mask``)."""

    model_config = ConfigDict(extra="forbid")

    keep_outputs: int = count(10, ge=1, description="the last tool outputs shown in full")
    keep_steps: int = count(40, ge=2, description="the last steps shown at all")
    token_budget: int = count(60_000, ge=1000, description=(
        "past this estimate of the prompt's tokens, mask more"))


class TeamMember(BaseModel):
    """A run that is one session of one agent of a team (docs/teams.md)."""

    team_id: str
    agent: str
    session: int  # the agent's n-th session


class RunSettings(BaseModel):
    """run.json ``options``: the run's other settings, which resume and fork reuse."""

    model_config = ConfigDict(extra="allow")  # e.g. `imported`: what an import came from

    command_timeout: float = 120
    temperature: float | None = None
    max_tokens: int | None = None  # completion cap per model call, as resolved
    compact_prompt: str | None = None
    model_spec: str | None = None  # the spec when it differs from `model` (a file made absolute)
    # Endpoint settings given as flags, which resume and fork apply again: the model name at
    # a profile's endpoint (`--profile P --model M`), tool mode, request timeout, and the
    # profiles files read besides the default ones.
    model_override: str | None = None
    tool_mode: str | None = None
    model_timeout_s: float | None = None
    profiles: list[str] = Field(default_factory=list)
    mask: MaskOptions = Field(default_factory=MaskOptions)
    # The agent's clock (None: runs recorded before it, which resume without one).
    clock: ClockOptions | None = None
    imported: dict[str, Any] | None = None
    coalesce_evals: bool = False  # queued evaluations superseded by newer ones are dropped
    # The workspace's own top-level .git is part of every snapshot (a team member's clone:
    # a restore must bring its history back with its files).
    snapshot_git: bool = False
    fuzz_seed: int | None = None  # base of the evaluations' fuzz seeds (agent/fuzzing.py)


class RunInfo(BaseModel):
    """The content of run.json. The endpoint's base URL is kept; an API key never is."""

    run_id: str
    scenario: str
    scenario_path: str | None = None
    model: str
    model_kind: ModelKind = "endpoint"
    profile: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None  # the variable's NAME only
    sandbox: str = DEFAULT_BACKEND  # the backend's name (`none` for an import)
    sandbox_config: SandboxConfig | None = None  # the whole backend config
    image: str | None = None
    budgets: Budgets = Field(default_factory=Budgets)
    limits: dict[str, Any] = Field(default_factory=dict)  # what the run may cost the host
    context: str = "full"
    # The context window the endpoint reported (or named in an error), once learnt; resume
    # keeps it.
    context_window: int | None = None
    eval_every: int | None = None
    seed: int | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    parent: dict[str, Any] | None = None  # {"run_dir": ..., "step": N} for a fork
    team: TeamMember | None = None  # a team member's session
    options: RunSettings = Field(default_factory=RunSettings)
    status: Status = "running"
    end_reason: EndReason | None = None
    error: str | None = None
    started_at: float = 0.0
    ended_at: float | None = None
    totals: Totals = Field(default_factory=Totals)
    grade: dict[str, Any] | None = None  # the final evaluation: passed, total, stages

    @model_validator(mode="before")
    @classmethod
    def _older_layout(cls, data: Any) -> Any:
        # Runs recorded before budgets held max_format_errors kept it among the options.
        if isinstance(data, dict) and isinstance(data.get("options"), dict) and \
                "max_format_errors" in data["options"] and isinstance(data.get("budgets"), dict):
            data = {**data, "budgets": {"max_format_errors":
                                        data["options"]["max_format_errors"], **data["budgets"]}}
        return data


def as_status(value: str) -> Status:
    """``value`` if it is a status, else ``failed`` (e.g. an imported file's own word)."""
    return cast(Status, value) if value in get_args(Status) else "failed"


def as_end_reason(value: str) -> EndReason:
    """``value`` if it is an end reason, else ``error``."""
    return cast(EndReason, value) if value in get_args(EndReason) else "error"


def versions() -> dict[str, str]:
    """Versions of ultrarun, Python and the libraries that shape a run."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("ultrarun", "openai", "docker", "pydantic"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "unknown"
    return out


def write_run_info(run_dir: Path, info: RunInfo) -> None:
    """Write run.json atomically (a crash leaves the old or the new file, never half of one)."""
    write_atomic(run_dir / "run.json", info.model_dump_json(indent=2))


def read_run_info(run_dir: Path) -> RunInfo:
    """Load run.json."""
    return RunInfo.model_validate(jsonsafe.loads((run_dir / "run.json").read_bytes()))
