"""The options of the three ways to start a loop: ``run``, ``resume`` and ``fork``.

One family: ``LoopOptions`` is what all three accept (budgets, how to reach the endpoint,
grading cadence, container labels); ``RunConfig`` adds what only a new run chooses (every
option also settable from a scenario, a profile or a batch matrix), ``ResumeConfig`` names
the run to continue and ``ForkConfig`` the run and step to branch from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from agent.budgets import Budgets, parse_duration
from agent.context import ContextName
from sandboxes.backends import DockerConfig, SandboxConfig, as_config
from sandboxes.errors import UserError


class ConfigError(UserError):
    """Bad run configuration; the message names the flag or field (CLI exit 2)."""


def check_run_id(run_id: str) -> str:
    """A run id is one path component: it names a folder inside --logs and nothing else."""
    if (not run_id or run_id in (".", "..") or "/" in run_id or "\\" in run_id
            or len(run_id) > 200 or not run_id.isprintable()):
        raise ValueError(f"{run_id!r} must be one folder name (no /, not . or .., printable, "
                         "at most 200 characters)")
    return run_id


def check_duration(value: str) -> str:
    """A positive duration (``6h``, ``90m``, ``45s``, seconds), kept as written."""
    seconds = parse_duration(value)
    if seconds is None or not 0 < seconds < 1e9:
        raise ValueError(f"{value!r} is not a positive duration")
    return value


RunId = Annotated[str, AfterValidator(check_run_id)]
Duration = Annotated[str, AfterValidator(check_duration)]


class LoopOptions(BaseModel):
    """What run, resume and fork all accept (None: keep what the scenario or run says)."""

    model_config = ConfigDict(extra="forbid")

    max_steps: int | None = Field(None, ge=1)
    max_cost: float | None = Field(None, gt=0)
    max_time: Duration | None = None
    max_format_errors: int | None = Field(None, ge=1)
    eval_every: int | None = Field(None, ge=0)
    base_url: str | None = None
    api_key_env: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)  # extra container labels (batch)

    def budgets(self, base: Budgets) -> Budgets:
        """``base`` with the budgets these options set."""
        return base.merged(max_steps=self.max_steps, max_cost=self.max_cost,
                           max_time=self.max_time, max_format_errors=self.max_format_errors)


class RunConfig(LoopOptions):
    """Every option of `ultrarun run` (also settable from a scenario, a profile or a matrix)."""

    scenario: str
    model: str | None = None
    profile: str | None = None
    # A backend's name stands for its default config (`--sandbox local`).
    sandbox: Annotated[SandboxConfig, BeforeValidator(as_config)] = Field(
        default_factory=DockerConfig)
    context: ContextName | None = None
    logs: Path = Path("logs")
    run_id: RunId | None = None
    seed: int | None = None
    temperature: float | None = Field(None, ge=0)
    max_tokens: int | None = Field(None, ge=1)  # completion cap per model call
    tool_mode: Literal["native", "text"] | None = None  # how the endpoint is asked to act
    model_timeout: float | None = Field(None, gt=0)  # seconds per model request (--timeout)
    profiles: list[Path] = Field(default_factory=list)  # more profiles files (--profiles)
    command_timeout: float = Field(120, gt=0)
    compact_prompt: Path | None = None
    mask_keep_outputs: int = Field(10, ge=1)  # `mask`: tool outputs shown in full
    mask_keep_steps: int = Field(40, ge=2)  # `mask`: steps shown at all
    mask_token_budget: int = Field(60_000, ge=1000)  # `mask`: tighten past this estimate
    clock: bool = True  # tell the agent its budgets and what is left (--no-clock: off)
    clock_every: int | None = Field(None, ge=0)  # steps between clock lines (scenario's: 25)


class ResumeConfig(LoopOptions):
    """`ultrarun resume RUN_DIR`: continue a run in place (budgets may be raised)."""

    run_dir: Path


class ForkConfig(LoopOptions):
    """`ultrarun fork RUN_DIR --at STEP`: a new run from that step, perhaps another model."""

    run_dir: Path
    at: int = Field(ge=0)
    model: str | None = None
    context: ContextName | None = None
    logs: Path | None = None  # default: beside the parent
    run_id: RunId | None = None
