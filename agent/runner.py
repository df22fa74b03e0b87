"""From a RunConfig to a finished run folder: scenario, model, sandbox, recorder, loop.

This is the one place that wires the seams together; the CLI only builds a RunConfig and
renders what the loop reports.
"""

from __future__ import annotations

import importlib.util
import secrets
import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.evaluation import EvaluationRunner, Grader
from agent.loop import AgentLoop, Budgets, LoopState, StopSignal
from agent.models.base import Model
from agent.models.profiles import ModelOverrides, ModelProfile, ProfileError, load_profiles
from agent.models.registry import ModelSpecError, make_model
from agent.tools.base import ToolContext
from agent.tools.toolbox import CommandTool, ToolBox
from agent.trajectory.reader import load_run
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import RunInfo, versions
from agent.trajectory.snapshots import Snapshotter
from scenarios.loader import Scenario, ScenarioError, load_scenario, parse_duration

PROMPTS = Path(__file__).parent / "prompts"


class ConfigError(ValueError):
    """Bad run configuration; the message names the flag or field (CLI exit 2)."""


class RunConfig(BaseModel):
    """Every option of `ultrarun run` (also settable from a scenario or a profile)."""

    model_config = ConfigDict(extra="forbid")

    scenario: str
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    profile: str | None = None
    sandbox: Literal["docker", "local"] = "docker"
    max_steps: int | None = Field(None, ge=1)
    max_cost: float | None = Field(None, gt=0)
    max_time: str | None = None
    context: Literal["full", "mask", "compact"] | None = None
    eval_every: int | None = Field(None, ge=0)
    logs: Path = Path("logs")
    run_id: str | None = None
    seed: int | None = None
    temperature: float | None = None
    max_format_errors: int = 10
    command_timeout: float = 120


def reference_factory(scenario: Scenario) -> Callable[[], Model] | None:
    """The scenario's scripted reference policy (``reference_policy.py: make_policy``)."""
    path = scenario.root / "reference_policy.py"
    if not path.exists():
        return None

    def factory() -> Model:
        spec = importlib.util.spec_from_file_location(f"_ref_{scenario.name}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        policy: Model = module.make_policy(scenario)
        return policy

    return factory


def replay_messages(run_dir: Path) -> list[dict[str, Any]]:
    """The assistant messages a run recorded, in order (for ``replay:RUN_DIR``)."""
    if not (run_dir / "events.jsonl").exists():
        raise ModelSpecError(f"replay:{run_dir}: no events.jsonl there (not a run folder)")
    return [e.message for e in load_run(run_dir).of_type("model_call")]  # type: ignore


def resolve_model(cfg: RunConfig, scenario: Scenario) -> tuple[Model, ModelProfile | None, str]:
    """Build the Model of a run; returns (model, its profile if any, kind)."""
    try:
        profiles = load_profiles()
    except ProfileError as e:
        raise ConfigError(str(e)) from None
    spec = cfg.model or cfg.profile
    if spec is None:
        raise ConfigError("no model: pass --model NAME (a model of your endpoint, a profile of "
                          "models.yaml, `reference`, `script:FILE` or `replay:RUN_DIR`) or "
                          "--profile NAME")
    if cfg.profile and cfg.profile not in profiles:
        raise ConfigError(f"--profile {cfg.profile!r} is not in models.yaml (known: "
                          f"{', '.join(sorted(profiles))})")
    overrides = ModelOverrides(base_url=cfg.base_url, api_key_env=cfg.api_key_env,
                               temperature=cfg.temperature, seed=cfg.seed)
    try:
        model = make_model(spec, profiles=profiles, overrides=overrides,
                           reference_factory=reference_factory(scenario),
                           replay_loader=replay_messages)
    except (ValueError, FileNotFoundError) as e:  # ModelSpecError, ProfileError, bad scripts
        raise ConfigError(str(e)) from None
    kind = ("reference" if spec == "reference" else "script" if spec.startswith("script:")
            else "replay" if spec.startswith("replay:") else "endpoint")
    return model, profiles.get(spec), kind


def new_run_id(scenario: str, model: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    tag = "".join(c if c.isalnum() else "-" for c in model.split("/")[-1].split(":")[0])[:24]
    return f"{stamp}-{scenario}-{tag}-{secrets.token_hex(2)}"


@dataclass
class RunResult:
    run_dir: Path
    info: RunInfo


def build_image(scenario: Scenario, client: Any, progress: Callable[[str], None]) -> str:
    """The scenario's agent image (built from its Dockerfile if it has one)."""
    from sandboxes import images

    images.ensure_base_image(client, progress)
    if scenario.image.dockerfile:
        return images.ensure_scenario_image(client, scenario.name, scenario.root,
                                            scenario.image.dockerfile, progress)
    assert scenario.image.name
    return scenario.image.name


def make_grader(scenario: Scenario, sandbox: str, client: Any, image: str | None,
                run_id: str, progress: Callable[[str], None]) -> Grader | None:
    """A grader for the scenario on the given backend, or None if it has none."""
    if scenario.grader is None:
        return None
    from scenarios.grading import DockerGrader, LocalGrader, grader_image

    if sandbox == "local":
        return LocalGrader(scenario)
    assert image is not None
    return DockerGrader(client, scenario, grader_image(client, scenario, image, progress),
                        run_id=run_id)


def execute_run(cfg: RunConfig, *, observer: Callable[[LoopState], None] | None = None,
                progress: Callable[[str], None] = lambda _m: None,
                on_start: Callable[[Path], None] | None = None,
                stop: StopSignal | None = None) -> RunResult:
    """Run a scenario end to end and return its run folder and final run.json."""
    try:
        scenario = load_scenario(cfg.scenario)
    except ScenarioError as e:
        raise ConfigError(str(e)) from None
    try:
        max_time = parse_duration(cfg.max_time if cfg.max_time is not None
                                  else scenario.budgets.max_time)
    except ValueError as e:
        raise ConfigError(f"--max-time: {e}") from None
    model, profile, kind = resolve_model(cfg, scenario)
    model_label = cfg.model or cfg.profile or "?"
    run_id = cfg.run_id or new_run_id(scenario.name, model_label)
    run_dir = cfg.logs / run_id
    if run_dir.exists() and any(run_dir.iterdir()):
        raise ConfigError(f"--run-id {run_id}: {run_dir} already exists (use `ultrarun resume`)")
    run_dir.mkdir(parents=True, exist_ok=True)
    workspace = run_dir / "workspace"
    if scenario.workspace_dir is not None:
        shutil.copytree(scenario.workspace_dir, workspace, symlinks=True)
    workspace.mkdir(exist_ok=True)

    budgets = Budgets(max_steps=cfg.max_steps or scenario.budgets.max_steps,
                      max_cost=cfg.max_cost or scenario.budgets.max_cost,
                      max_time_s=max_time, max_format_errors=cfg.max_format_errors)
    eval_every = cfg.eval_every if cfg.eval_every is not None else \
        (scenario.grader.every if scenario.grader else None)
    info = RunInfo(
        run_id=run_id, scenario=scenario.name, scenario_path=str(scenario.root),
        model=model_label, model_kind=kind, profile=profile.name if profile else None,
        base_url=getattr(getattr(model, "profile", None), "base_url", None),
        api_key_env=getattr(getattr(model, "profile", None), "api_key_env", None),
        sandbox=cfg.sandbox, budgets={"max_steps": budgets.max_steps,
                                      "max_cost": budgets.max_cost,
                                      "max_time_s": budgets.max_time_s},
        context=cfg.context or scenario.context or "full", eval_every=eval_every,
        seed=cfg.seed, versions=versions(), started_at=time.time())

    with ExitStack() as stack:
        recorder = Recorder(run_dir, info)
        stack.callback(recorder.close)
        if on_start:
            on_start(run_dir)
        client = None
        image = None
        if cfg.sandbox == "docker":
            from sandboxes.engine import connect

            client = connect()
            if client is None:
                raise ConfigError("no Docker engine answers: run `ultrarun sandbox doctor`, "
                                  "or use --sandbox local")
            image = build_image(scenario, client, progress)
            info.image = image
            recorder.save_info()
        sandbox = stack.enter_context(_open(cfg.sandbox, scenario, workspace, image, run_id,
                                            recorder.outputs_dir, client))
        snapshots = Snapshotter(run_dir / "snapshots.git", workspace)
        grader = make_grader(scenario, cfg.sandbox, client, image, run_id, progress)
        evaluator = EvaluationRunner(grader, snapshots, recorder) if grader else None
        if evaluator:
            stack.callback(evaluator.close)
        toolbox = ToolBox(scenario.tools,
                          extra=[CommandTool(t) for t in scenario.command_tools])
        ctx = ToolContext(sandbox=sandbox, outputs_dir=recorder.outputs_dir,
                          default_timeout=cfg.command_timeout)
        loop = AgentLoop(model=model, toolbox=toolbox, ctx=ctx, recorder=recorder,
                         snapshots=snapshots, budgets=budgets, evaluator=evaluator,
                         eval_every=eval_every, observer=observer, stop=stop)
        system = (PROMPTS / "system.md").read_text().replace("{workdir}", sandbox.workdir)
        loop.run(system, scenario.prompt_text)
    return RunResult(run_dir, recorder.info)


def _open(backend: str, scenario: Scenario, workspace: Path, image: str | None, run_id: str,
          outputs: Path, client: Any) -> Any:
    from sandboxes import open_sandbox

    lim = scenario.limits
    if backend == "docker":
        return open_sandbox("docker", image=image, workspace=workspace, cpus=lim.cpus,
                            memory=lim.memory, pids=lim.pids, network=lim.network,
                            run_id=run_id, outputs_dir=outputs, client=client,
                            env=scenario.env)
    return open_sandbox("local", workspace=workspace, outputs_dir=outputs, env=scenario.env)
