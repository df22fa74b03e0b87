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
from agent.trajectory.run_info import MaskOptions
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

    max_steps: int | None = Field(None, ge=1, description="model turns at most")
    max_cost: float | None = Field(None, gt=0, description="dollars at most")
    max_time: Duration | None = Field(None, description="wall time at most, e.g. `6h`, `90m`")
    max_format_errors: int | None = Field(None, ge=1, description=(
        "model turns in a row without a usable tool call before the run fails"))
    eval_every: int | None = Field(None, ge=0, description=(
        "grade every N tool calls (0: only at the end); default: the scenario's `grader.every`"))
    base_url: str | None = Field(None, description=(
        "the endpoint (OpenAI-compatible) for a raw model name or instead of the profile's"))
    api_key_env: str | None = Field(None, description=(
        "the environment variable holding the API key (the key itself is never an option)"))
    labels: dict[str, str] = Field(default_factory=dict, description=(
        "extra labels on the run's containers (a batch sets its own)"))

    def budgets(self, base: Budgets) -> Budgets:
        """``base`` with the budgets these options set."""
        return base.merged(max_steps=self.max_steps, max_cost=self.max_cost,
                           max_time=self.max_time, max_format_errors=self.max_format_errors)


class RunConfig(LoopOptions):
    """Every option of `ultrarun run` (also settable from a scenario, a profile or a matrix)."""

    scenario: str = Field(description="a built-in scenario's name or a scenario folder")
    model: str | None = Field(None, description=(
        "what answers: a profile, a raw model name (with `base_url`), `reference`, "
        "`script:FILE`, `replay:RUN_DIR`, `py:MODULE:CLASS` (docs/endpoints.md)"))
    profile: str | None = Field(None, description=(
        "a profile of models.yaml; with `model`, that model at the profile's endpoint"))
    sandbox: Annotated[SandboxConfig, BeforeValidator(as_config)] = Field(
        default_factory=DockerConfig, description=(
            "where commands run: `docker` (isolated), `local` (not), `py:MODULE:FACTORY` "
            "(yours), or a backend config (below)"))
    context: ContextName | None = Field(None, description=(
        "context policy: full, mask or compact (default: the scenario's, else full)"))
    logs: Path = Field(Path("logs"), description="the folder run folders are made in")
    run_id: RunId | None = Field(None, description=(
        "the run folder's name (default: scenario, model and time)"))
    seed: int | None = Field(None, description="sent to the endpoint with each request")
    fuzz_seed: int | None = Field(None, ge=0, description=(
        "base of the fuzz measure's seeds (scenarios with `grader.fuzz`): each evaluation's "
        "seed is derived from it and the evaluation's tool calls, so a run can be repeated; "
        "default: every evaluation draws a fresh one"))
    temperature: float | None = Field(None, ge=0, description="sampling temperature")
    max_tokens: int | None = Field(None, ge=1, description="completion tokens per model call")
    tool_mode: Literal["native", "text"] | None = Field(None, description=(
        "native (the endpoint's tool calling) or text (actions in ```bash blocks)"))
    model_timeout: float | None = Field(None, gt=0, description="seconds per model request")
    profiles: list[Path] = Field(default_factory=list, description=(
        "more profiles files, read after models.yaml"))
    command_timeout: float = Field(120, gt=0, description=(
        "default timeout of a command the agent runs, in seconds"))
    compact_prompt: Path | None = Field(None, description=(
        "the `compact` policy's summary prompt (default: agent/prompts/compact.md)"))
    mask: MaskOptions = Field(default_factory=MaskOptions, description=(
        "the `mask` policy's knobs"))
    clock: bool = Field(True, description=(
        "tell the agent its budgets and, as it goes, what is left (`--no-clock`: off)"))
    clock_every: int | None = Field(None, ge=0, description=(
        "steps between two clock lines (default: the scenario's, 25; 0: only at 50/75/90% "
        "of a budget)"))
    coalesce_evals: bool | None = Field(None, description=(
        "drop a queued evaluation when a newer one is asked for (default: the scenario's "
        "`grader.coalesce`, else every evaluation asked for is graded, in order)"))
    sealed_eval: bool = Field(True, description=(
        "false: the agent's container is neither frozen while the grader runs nor kept from "
        "host-wide counters; only to show the covert channel sealing closes "
        "(docs/security.md)"))


class ResumeConfig(LoopOptions):
    """`ultrarun resume RUN_DIR`: continue a run in place (budgets may be raised)."""

    run_dir: Path = Field(description="the run folder to continue")


class ForkConfig(LoopOptions):
    """`ultrarun fork RUN_DIR --at STEP`: a new run from that step, perhaps another model."""

    run_dir: Path = Field(description="the run folder to branch from (never changed)")
    at: int = Field(ge=0, description="the step whose workspace and conversation it starts from")
    model: str | None = Field(None, description="another model (default: the parent's)")
    context: ContextName | None = Field(None, description="another context policy")
    logs: Path | None = Field(None, description="where the new run folder goes (default: "
                                                "beside the parent)")
    run_id: RunId | None = Field(None, description="the new run folder's name")
