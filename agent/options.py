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
from sandboxes.numbers import MAX_SEED, count, number


class ConfigError(UserError):
    """Bad run configuration; the message names the flag or field (CLI exit 2)."""


RUN_ID_BYTES = 200  # a file name holds 255 bytes on most filesystems (NAME_MAX)


def check_run_id(run_id: str) -> str:
    """A run id is one path component: it names a folder inside --logs and nothing else."""
    if (not run_id or run_id in (".", "..") or "/" in run_id or "\\" in run_id
            or len(run_id.encode("utf-8", "surrogateescape")) > RUN_ID_BYTES
            or not run_id.isprintable()):
        shown = run_id if len(run_id) <= 60 else run_id[:57] + "..."
        raise ValueError(f"{shown!r} must be one folder name (no /, not . or .., printable, "
                         f"at most {RUN_ID_BYTES} bytes in UTF-8)")
    return run_id


def check_logs(path: Path) -> Path:
    """--logs names a folder, or one that can be made: not a file, nor anything under one."""
    for p in (path, *path.parents):
        if p.exists() or p.is_symlink():
            if not p.is_dir():
                raise ValueError(f"{p} is a file, not a folder" if p == path else
                                 f"{path} is under {p}, which is a file, not a folder")
            return path
    return path


def check_duration(value: str) -> str:
    """A positive duration (``6h``, ``90m``, ``45s``, seconds), kept as written."""
    seconds = parse_duration(value)
    if seconds is None or not 0 < seconds < 1e9:
        raise ValueError(f"{value!r} is not a positive duration")
    return value


RunId = Annotated[str, AfterValidator(check_run_id)]
Duration = Annotated[str, AfterValidator(check_duration)]
LogsDir = Annotated[Path, AfterValidator(check_logs)]


class LoopOptions(BaseModel):
    """What run, resume and fork all accept (None: keep what the scenario or run says)."""

    model_config = ConfigDict(extra="forbid")

    max_steps: int | None = count(None, ge=1)
    max_cost: float | None = number(None, gt=0, lt=1e12)
    max_time: Duration | None = None
    max_format_errors: int | None = count(None, ge=1)
    eval_every: int | None = count(None, ge=0)
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
    logs: LogsDir = Path("logs")
    run_id: RunId | None = None
    seed: int | None = count(None, le=MAX_SEED)
    temperature: float | None = number(None, ge=0, le=100)
    max_tokens: int | None = count(None, ge=1)  # completion cap per model call
    tool_mode: Literal["native", "text"] | None = None  # how the endpoint is asked to act
    # seconds per model request (--timeout)
    model_timeout: float | None = number(None, gt=0, le=7 * 86400)
    profiles: list[Path] = Field(default_factory=list)  # more profiles files (--profiles)
    command_timeout: float = number(120, gt=0, le=7 * 86400)
    compact_prompt: Path | None = None
    mask_keep_outputs: int = count(10, ge=1)  # `mask`: tool outputs shown in full
    mask_keep_steps: int = count(40, ge=2)  # `mask`: steps shown at all
    mask_token_budget: int = count(60_000, ge=1000)  # `mask`: tighten past this estimate


class ResumeConfig(LoopOptions):
    """`ultrarun resume RUN_DIR`: continue a run in place (budgets may be raised)."""

    run_dir: Path


class ForkConfig(LoopOptions):
    """`ultrarun fork RUN_DIR --at STEP`: a new run from that step, perhaps another model."""

    run_dir: Path
    at: int = count(ge=0)
    model: str | None = None
    context: ContextName | None = None
    logs: LogsDir | None = None  # default: beside the parent
    run_id: RunId | None = None
