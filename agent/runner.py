"""From a RunConfig to a run folder: new runs, resumed runs and forks.

This is the one place that wires the seams together (scenario, model, sandbox, recorder,
evaluator, loop); the CLI only builds a RunConfig and renders what the loop reports.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.context import ContextPolicy, make_policy
from agent.evaluation import EvaluationRunner, Grader
from agent.loop import AgentLoop, Budgets, LoopState, RunInterrupted, StopSignal
from agent.models.base import Model
from agent.models.profiles import ModelOverrides, ModelProfile, load_profiles
from agent.models.registry import ModelSpecError, make_model
from agent.paths import absolute, absolute_spec
from agent.resume import fast_forward, rebuild
from agent.tools.base import ToolContext
from agent.tools.toolbox import CommandTool, ToolBox
from agent.trajectory.events import ErrorEvent, RunEnd, SnapshotEvent
from agent.trajectory.reader import load_run
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import RunInfo, versions
from agent.trajectory.snapshot_recovery import recover_snapshots
from agent.trajectory.snapshots import SnapshotError, SnapshotStore, Snapshotter
from sandboxes import Sandbox
from sandboxes.errors import HarnessError, UltrarunError, UserError, one_line
from scenarios.loader import (
    Scenario,
    builtin_names,
    load_scenario,
    parse_duration,
)

PROMPTS = Path(__file__).parent / "prompts"
SCRIPTED = {"script", "replay", "reference"}


class ConfigError(UserError):
    """Bad run configuration; the message names the flag or field (CLI exit 2)."""


def scenario_ref(scenario: Scenario) -> str:
    """What run.json records to find the scenario again: a built-in's name (the run folder
    stays valid in another checkout), else the scenario folder's absolute path."""
    return scenario.name if scenario.builtin else str(scenario.root)


def run_scenario(run_dir: Path, info: RunInfo) -> Scenario:
    """The scenario a recorded run ran (by name for built-ins, else by its folder)."""
    ref = info.scenario_path
    if not ref:
        raise ConfigError(f"{run_dir}/run.json does not name its scenario")
    if not Path(ref).exists() and info.scenario in builtin_names():
        ref = info.scenario  # a built-in recorded by path in another checkout
    return load_scenario(ref)


def check_run_id(run_id: str) -> str:
    """A run id is one path component: it names a folder inside --logs and nothing else."""
    if (not run_id or run_id in (".", "..") or "/" in run_id or "\\" in run_id
            or len(run_id) > 200 or not run_id.isprintable()):
        raise ValueError(f"{run_id!r} must be one folder name (no /, not . or .., printable, "
                         "at most 200 characters)")
    return run_id


def workspace_owner(backend: str) -> int | None:
    """The uid that must own what the host writes into a workspace (the container's user
    when the harness is root), or None to keep the harness's own."""
    if backend == "docker" and os.getuid() == 0:
        from sandboxes.images import AGENT_UID

        return AGENT_UID
    return None


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
    max_tokens: int | None = Field(None, ge=1)  # completion cap per model call
    max_format_errors: int = 10
    command_timeout: float = 120
    compact_prompt: Path | None = None
    mask_keep_outputs: int = Field(10, ge=1)  # `mask`: tool outputs shown in full
    mask_keep_steps: int = Field(40, ge=2)  # `mask`: steps shown at all
    mask_token_budget: int = Field(60_000, ge=1000)  # `mask`: tighten past this estimate
    labels: dict[str, str] = Field(default_factory=dict)  # extra container labels (batch)

    @field_validator("run_id")
    @classmethod
    def _one_component(cls, v: str | None) -> str | None:
        return None if v is None else check_run_id(v)


class ResumeOptions(BaseModel):
    """What `ultrarun resume` may change: budgets and how to reach the endpoint."""

    model_config = ConfigDict(extra="forbid")

    max_steps: int | None = Field(None, ge=1)
    max_cost: float | None = Field(None, gt=0)
    max_time: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    eval_every: int | None = Field(None, ge=0)
    labels: dict[str, str] = Field(default_factory=dict)  # extra container labels (batch)


@dataclass
class RunResult:
    run_dir: Path
    info: RunInfo


@dataclass
class Hooks:
    """How a UI follows a run."""

    observer: Callable[[LoopState], None] | None = None
    progress: Callable[[str], None] = lambda _m: None
    on_start: Callable[[Path], None] | None = None
    stop: StopSignal | None = None


# -- models --------------------------------------------------------------------------------
def reference_factory(scenario: Scenario) -> Callable[[], Model] | None:
    """The scenario's scripted reference policy (``reference_policy.py: make_policy``)."""
    path = scenario.root / "reference_policy.py"
    if not path.exists():
        return None

    def factory() -> Model:
        spec = importlib.util.spec_from_file_location(f"_ref_{scenario.name}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses and pickling look modules up there
        spec.loader.exec_module(module)
        policy: Model = module.make_policy(scenario)
        return policy

    return factory


def replay_messages(run_dir: Path) -> list[dict[str, Any]]:
    """The assistant messages a run recorded, in order (for ``replay:RUN_DIR``)."""
    if not (run_dir / "events.jsonl").exists():
        raise ModelSpecError(f"replay:{run_dir}: no events.jsonl there (not a run folder)")
    return [e.message for e in load_run(run_dir).of_type("model_call")]  # type: ignore


def model_kind(spec: str) -> str:
    return ("reference" if spec == "reference" else "script" if spec.startswith("script:")
            else "replay" if spec.startswith("replay:") else "endpoint")


def resolve_model(spec: str | None, scenario: Scenario, *, profile: str | None = None,
                  base_url: str | None = None, api_key_env: str | None = None,
                  temperature: float | None = None, seed: int | None = None,
                  max_tokens: int | None = None
                  ) -> tuple[Model, ModelProfile | None, str]:
    """Build the Model of a run; returns (model, its profile if any, kind)."""
    profiles = load_profiles()  # ProfileError: a UserError naming the file and field
    spec = spec or profile
    if spec is None:
        raise ConfigError("no model: pass --model NAME (a model of your endpoint, a profile of "
                          "models.yaml, `reference`, `script:FILE` or `replay:RUN_DIR`) or "
                          "--profile NAME")
    if profile and profile not in profiles:
        raise ConfigError(f"--profile {profile!r} is not in models.yaml (known: "
                          f"{', '.join(sorted(profiles))})")
    overrides = ModelOverrides(base_url=base_url, api_key_env=api_key_env,
                               temperature=temperature, seed=seed, max_tokens=max_tokens)
    try:
        model = make_model(spec, profiles=profiles, overrides=overrides,
                           reference_factory=reference_factory(scenario),
                           replay_loader=replay_messages)
    except (ValueError, FileNotFoundError) as e:  # ModelSpecError, ProfileError, bad scripts
        raise ConfigError(str(e)) from None
    return model, profiles.get(spec), model_kind(spec)


def new_run_id(scenario: str, model: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    tag = "".join(c if c.isalnum() else "-" for c in model.split("/")[-1].split(":")[0])[:24]
    return f"{stamp}-{scenario}-{tag}-{secrets.token_hex(2)}"


# -- sandboxes and graders ------------------------------------------------------------------
def scenario_image(scenario: Scenario, client: Any, progress: Callable[[str], None]) -> str:
    """The scenario's agent image (built from its Dockerfile if it has one)."""
    from sandboxes import images

    images.ensure_base_image(client, progress)
    if scenario.image.dockerfile:
        return images.ensure_scenario_image(client, scenario.name, scenario.root,
                                            scenario.image.dockerfile, progress)
    assert scenario.image.name
    return scenario.image.name


def make_grader(scenario: Scenario, backend: str, client: Any, image: str | None,
                run_id: str, progress: Callable[[str], None]) -> Grader | None:
    """A grader for the scenario on the given backend, or None if it has none."""
    if scenario.grader is None:
        return None
    from scenarios.grading import DockerGrader, LocalGrader, grader_image

    if backend == "local":
        return LocalGrader(scenario)
    assert image is not None
    return DockerGrader(client, scenario, grader_image(client, scenario, image, progress),
                        run_id=run_id)


class SandboxHolder:
    """The run's current sandbox; replaces it (restoring the workspace) when it dies."""

    def __init__(self, opener: Callable[[], Sandbox], snapshots: Snapshotter,
                 ctx_ref: list[ToolContext]) -> None:
        self._opener = opener
        self._snapshots = snapshots
        self._ctx_ref = ctx_ref
        self.sandbox = opener()
        self.sandbox.__enter__()

    def restart(self, commit: str | None) -> None:
        try:
            self.sandbox.close()
        except Exception:  # the old one is dead already; nothing useful to report
            pass
        if commit:
            self._snapshots.restore(commit)
        self.sandbox = self._opener()
        self.sandbox.__enter__()
        for ctx in self._ctx_ref:
            ctx.sandbox = self.sandbox

    def close(self) -> None:
        self.sandbox.close()


@contextmanager
def run_lock(run_dir: Path, grace_s: float = 3.0) -> Iterator[None]:
    """One harness per run folder; the lock dies with its process (kill -9 included).

    A holder killed a moment ago may still be tearing down (a child forked but not yet
    exec'd keeps the descriptor until it is gone): wait ``grace_s`` before giving up."""
    fd = os.open(run_dir / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        deadline = time.monotonic() + grace_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ConfigError(f"{run_dir} is being written by another ultrarun "
                                      "process") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


# -- a session: everything a loop needs, for run, resume and fork ---------------------------
@dataclass
class Session:
    scenario: Scenario
    info: RunInfo
    run_dir: Path
    budgets: Budgets
    eval_every: int | None
    model: Model
    kind: str
    command_timeout: float = 120
    compact_prompt: Path | None = None
    context_window: int | None = None
    labels: dict[str, str] | None = None

    def policy(self) -> ContextPolicy:
        """The run's context policy, from run.json (so resume and fork get the same one)."""
        return make_policy(self.info.context, context_window=self.context_window,
                           compact_prompt=self.compact_prompt,
                           **{k: v for k, v in self.info.options.get("mask", {}).items()})

    @contextmanager
    def loop(self, hooks: Hooks, next_seq: int = 0, lock: bool = True) -> Iterator[AgentLoop]:
        """Open recorder, sandbox, evaluator; yield a ready AgentLoop; clean all up after.

        ``lock=False`` when the caller already holds the run folder's lock (resume). Whatever
        fails before the loop records its end (an image that does not build, an engine that
        is gone, a snapshot that cannot be taken) leaves the run marked ``failed`` with an
        ``error`` event, never ``running``, and is raised with the run folder attached."""
        with ExitStack() as stack:
            if lock:
                stack.enter_context(run_lock(self.run_dir))
            recorder = Recorder(self.run_dir, self.info, next_seq=next_seq)
            stack.callback(recorder.close)
            try:
                yield self._open_loop(stack, hooks, recorder)
            except GeneratorExit:
                raise
            except BaseException as e:
                if recorder.info.status == "running":  # the loop never recorded its end
                    _record_failure(recorder, e)
                raise _located(e, self.run_dir) from _cause(e)

    def _open_loop(self, stack: ExitStack, hooks: Hooks, recorder: Recorder) -> AgentLoop:
        run_dir, info, scenario = self.run_dir, self.info, self.scenario
        workspace = run_dir / "workspace"
        if hooks.on_start:
            hooks.on_start(run_dir)
        client = None
        image = None
        if info.sandbox == "docker":
            from sandboxes.engine import connect

            client = connect()
            if client is None:
                raise HarnessError("no Docker engine answers: run `ultrarun sandbox doctor`, "
                                   "or use --sandbox local")
            # Containers of harnesses that died on this host (e.g. a grader left by a
            # kill -9) go first: leftovers never pile up across runs.
            from sandboxes.reaper import reap

            reap(client)
            image = scenario_image(scenario, client, hooks.progress)
            info.image = image
            recorder.save_info()
        snapshots = Snapshotter(run_dir / "snapshots.git", workspace,
                                owner=workspace_owner(info.sandbox))
        stack.callback(snapshots.close)  # its inotify instance
        ctxs: list[ToolContext] = []
        holder = SandboxHolder(lambda: _open(info.sandbox, scenario, workspace, image,
                                             info.run_id, recorder.outputs_dir, client,
                                             self.labels), snapshots, ctxs)
        stack.callback(holder.close)
        grader = make_grader(scenario, info.sandbox, client, image, info.run_id,
                             hooks.progress)
        evaluator = EvaluationRunner(grader, snapshots, recorder) if grader else None
        if evaluator:
            stack.callback(evaluator.close)
        toolbox = ToolBox(scenario.tools,
                          extra=[CommandTool(t) for t in scenario.command_tools])
        ctx = ToolContext(sandbox=holder.sandbox, outputs_dir=recorder.outputs_dir,
                          default_timeout=self.command_timeout)
        ctxs.append(ctx)
        return AgentLoop(model=self.model, toolbox=toolbox, ctx=ctx, recorder=recorder,
                         snapshots=snapshots, budgets=self.budgets, policy=self.policy(),
                         evaluator=evaluator, eval_every=self.eval_every,
                         observer=hooks.observer, stop=hooks.stop,
                         restart_sandbox=holder.restart,
                         summaries_from_model=self.kind == "endpoint")


def _describe(e: BaseException) -> str:
    """One line saying what failed: a command's stderr rather than its wrapper's summary."""
    stderr = getattr(e, "stderr", None)
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    text = one_line(stderr) if isinstance(stderr, str) else ""
    if text.startswith("stderr: '") and text.endswith("'"):  # GitPython's own framing
        text = text[len("stderr: '"):-1]
    return f"{type(e).__name__}: {text or one_line(str(e)) or 'no message'}"


def _record_failure(recorder: Recorder, e: BaseException) -> None:
    """Mark a run that could not record its own end: interrupted, or failed with an error."""
    info = recorder.info
    interrupted = isinstance(e, KeyboardInterrupt | RunInterrupted)
    step = info.totals.steps
    if not interrupted:
        message = one_line(str(e)) if isinstance(e, UltrarunError) else _describe(e)
        recorder.emit(ErrorEvent, step, message=message, where="setup")
        info.error = message
    info.status, info.end_reason = ("interrupted", "interrupted") if interrupted else \
        ("failed", "error")
    info.ended_at = time.time()
    recorder.emit(RunEnd, step, status=info.status, end_reason=info.end_reason,
                  totals=info.totals.model_dump())
    recorder.sync()
    recorder.save_info()


def _located(e: BaseException, run_dir: Path) -> BaseException:
    """``e`` as an ultrarun error that knows its run folder (where details are written)."""
    if isinstance(e, UltrarunError):
        if e.log_dir is None:
            e.log_dir = run_dir
        return e
    if not isinstance(e, Exception):  # KeyboardInterrupt, SystemExit: as they are
        return e
    return HarnessError(_describe(e), log_dir=run_dir)


def _cause(e: BaseException) -> BaseException | None:
    return e.__cause__ if isinstance(e, UltrarunError) or not isinstance(e, Exception) else e


def _open(backend: str, scenario: Scenario, workspace: Path, image: str | None, run_id: str,
          outputs: Path, client: Any, labels: dict[str, str] | None) -> Sandbox:
    from sandboxes import open_sandbox

    lim = scenario.limits
    if backend == "docker":
        return open_sandbox("docker", image=image, workspace=workspace, cpus=lim.cpus,
                            memory=lim.memory, pids=lim.pids, network=lim.network,
                            run_id=run_id, outputs_dir=outputs, client=client,
                            env=scenario.env, labels=labels or {}, disk=lim.disk)
    return open_sandbox("local", workspace=workspace, outputs_dir=outputs, env=scenario.env,
                        disk=lim.disk)


def _duration(value: str | float | None, flag: str) -> float | None:
    try:
        return parse_duration(value)
    except ValueError as e:
        raise ConfigError(f"{flag}: {e}") from None


def system_prompt(workdir: str) -> str:
    return (PROMPTS / "system.md").read_text().replace("{workdir}", workdir)


# -- entry points ---------------------------------------------------------------------------
def execute_run(cfg: RunConfig, hooks: Hooks | None = None) -> RunResult:
    """Run a scenario end to end and return its run folder and final run.json."""
    hooks = hooks or Hooks()
    scenario = load_scenario(cfg.scenario)
    max_time = _duration(cfg.max_time if cfg.max_time is not None
                         else scenario.budgets.max_time, "--max-time")
    spec = absolute_spec(cfg.model)
    model, profile, kind = resolve_model(spec, scenario, profile=cfg.profile,
                                         base_url=cfg.base_url, api_key_env=cfg.api_key_env,
                                         temperature=cfg.temperature, seed=cfg.seed,
                                         max_tokens=cfg.max_tokens)
    label = cfg.model or cfg.profile or "?"
    run_id = cfg.run_id or new_run_id(scenario.name, label)
    run_dir = absolute(cfg.logs) / run_id
    if run_dir.exists() and any(run_dir.iterdir()):
        raise ConfigError(f"--run-id {run_id}: {run_dir} already exists (use `ultrarun resume`)")
    _new_run_folder(run_dir, scenario.workspace_dir)
    budgets = Budgets(max_steps=cfg.max_steps or scenario.budgets.max_steps,
                      max_cost=cfg.max_cost or scenario.budgets.max_cost,
                      max_time_s=max_time, max_format_errors=cfg.max_format_errors)
    eval_every = cfg.eval_every if cfg.eval_every is not None else \
        (scenario.grader.every if scenario.grader else None)
    mprof = getattr(model, "profile", None)
    info = RunInfo(
        run_id=run_id, scenario=scenario.name, scenario_path=scenario_ref(scenario),
        model=label, model_kind=kind, profile=profile.name if profile else None,
        base_url=getattr(mprof, "base_url", None), api_key_env=getattr(mprof, "api_key_env",
                                                                       None),
        sandbox=cfg.sandbox, budgets=_budget_dict(budgets),
        context=cfg.context or scenario.context or "full", eval_every=eval_every,
        seed=cfg.seed, versions=versions(), started_at=time.time(),
        limits=run_limits(scenario),
        options={"command_timeout": cfg.command_timeout, "temperature": cfg.temperature,
                 "max_tokens": getattr(mprof, "max_tokens", None),
                 "max_format_errors": cfg.max_format_errors,
                 "compact_prompt": str(absolute(cfg.compact_prompt)) if cfg.compact_prompt
                 else None, "model_spec": spec if spec != label else None,
                 "mask": {"keep_outputs": cfg.mask_keep_outputs,
                          "keep_steps": cfg.mask_keep_steps,
                          "token_budget": cfg.mask_token_budget}})
    session = Session(scenario, info, run_dir, budgets, eval_every, model, kind,
                      cfg.command_timeout,
                      absolute(cfg.compact_prompt) if cfg.compact_prompt else None,
                      getattr(mprof, "context_window", None), cfg.labels)
    with session.loop(hooks) as loop:
        loop.run(system_prompt(loop.ctx.sandbox.workdir), scenario.prompt_text)
    return RunResult(run_dir, loop.rec.info)


def _new_run_folder(run_dir: Path, seed: Path | None) -> None:
    """The run folder with the scenario's seed workspace; nothing is left if that fails."""
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        workspace = run_dir / "workspace"
        if seed is not None:
            shutil.copytree(seed, workspace, symlinks=True)
        workspace.mkdir(exist_ok=True)
    except BaseException:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise


def recorded_spec(info: RunInfo) -> str:
    """The model spec a run was started with (a file's absolute path, not as typed)."""
    return str(info.options.get("model_spec") or info.model)


def run_limits(scenario: Scenario) -> dict[str, Any]:
    """Every bound a run puts on what it may cost the host, for run.json."""
    from agent.trajectory import recorder, snapshots
    from sandboxes import capture
    from sandboxes.disk import parse_size

    lim = scenario.limits
    return {"cpus": lim.cpus, "memory": lim.memory, "pids": lim.pids, "network": lim.network,
            "disk": lim.disk, "disk_bytes": parse_size(lim.disk),
            "snapshot_max_file_bytes": snapshots.MAX_FILE,
            "snapshot_max_store_bytes": snapshots.MAX_STORE,
            "outputs_per_call_bytes": capture.SPILL_HEAD + capture.SPILL_TAIL,
            "outputs_per_run_bytes": recorder.OUTPUTS_CAP}


def _budget_dict(b: Budgets) -> dict[str, Any]:
    return {"max_steps": b.max_steps, "max_cost": b.max_cost, "max_time_s": b.max_time_s}


def _session_from_info(run_dir: Path, info: RunInfo, *, model_spec: str | None = None,
                       base_url: str | None = None, api_key_env: str | None = None,
                       budgets: dict[str, Any] | None = None) -> Session:
    scenario = run_scenario(run_dir, info)
    same = recorded_spec(info)
    spec = model_spec or same
    model, _profile, kind = resolve_model(
        spec, scenario, base_url=base_url or (info.base_url if model_kind(spec) == "endpoint"
                                              and spec == same else None),
        api_key_env=api_key_env or (info.api_key_env if spec == same else None),
        seed=info.seed, temperature=info.options.get("temperature"),
        max_tokens=info.options.get("max_tokens") if spec == same else None)
    b = {**info.budgets, **(budgets or {})}
    opts = info.options
    budget = Budgets(max_steps=b.get("max_steps"), max_cost=b.get("max_cost"),
                     max_time_s=b.get("max_time_s"),
                     max_format_errors=opts.get("max_format_errors", 10))
    cp = opts.get("compact_prompt")
    return Session(scenario, info, run_dir, budget, info.eval_every, model, kind,
                   opts.get("command_timeout", 120), Path(cp) if cp else None,
                   info.context_window
                   or getattr(getattr(model, "profile", None), "context_window", None))


def resume_run(run_dir: Path, opts: ResumeOptions | None = None,
               hooks: Hooks | None = None) -> RunResult:
    """Continue an interrupted, crashed or budget-stopped run in place, as one trajectory."""
    run_dir = absolute(run_dir)
    if not (run_dir / "events.jsonl").exists():
        raise ConfigError(f"{run_dir}: not a run folder (no events.jsonl)")
    with run_lock(run_dir):  # before touching events.jsonl: a live writer must not lose any
        try:
            return _resume_locked(run_dir, opts or ResumeOptions(), hooks or Hooks())
        except Exception as e:  # e.g. git failing before the session opened
            raise _located(e, run_dir) from _cause(e)


def _resume_locked(run_dir: Path, opts: ResumeOptions, hooks: Hooks) -> RunResult:
    run = load_run(run_dir)
    if run.info is None:
        raise ConfigError(f"{run_dir}: not a resumable run folder ({'; '.join(run.warnings)})")
    info = run.info
    if info.status == "finished" and info.end_reason == "finished":
        raise ConfigError(f"{run_dir}: the agent finished this run; `ultrarun fork` starts "
                          "a new branch from any step")
    # Drop a torn tail: every event kept is whole, and numbering continues after the last.
    torn = (run_dir / "events.jsonl").stat().st_size - run.valid_bytes
    with open(run_dir / "events.jsonl", "r+b") as f:
        f.truncate(run.valid_bytes)
    changes: dict[str, Any] = {}
    if opts.max_steps is not None:
        changes["max_steps"] = opts.max_steps
    if opts.max_cost is not None:
        changes["max_cost"] = opts.max_cost
    if opts.max_time is not None:
        changes["max_time_s"] = _duration(opts.max_time, "--max-time")
    if opts.eval_every is not None:
        info.eval_every = opts.eval_every
    session = _session_from_info(run_dir, info, base_url=opts.base_url,
                                 api_key_env=opts.api_key_env, budgets=changes)
    session.labels = opts.labels
    info.budgets = _budget_dict(session.budgets)
    next_seq = run.events[-1].seq + 1 if run.events else 0
    reason = {"running": "crashed", "interrupted": "interrupted",
              "failed": "failed"}.get(info.status, f"budget ({info.end_reason})")
    prior = (info.status, info.end_reason)
    info.status, info.end_reason, info.error, info.ended_at = "running", None, None, None
    starts = run.of_type("run_start")
    if not starts:  # it stopped before the agent's first turn: nothing to continue from
        return _start_over(session, hooks, next_seq)
    rebuilt = rebuild(run.events, session.model, session.policy())
    snapshots = run.of_type("snapshot")
    git_dir, workspace = run_dir / "snapshots.git", run_dir / "workspace"
    # A whole-group kill may have taken git down mid-commit: locks, half a snapshot.
    recovery = recover_snapshots(git_dir, rebuilt.commit if snapshots else None)
    if rebuilt.commit:  # the workspace as of the last completed step, before any container
        try:
            with Snapshotter(git_dir, workspace,
                             owner=workspace_owner(info.sandbox)) as restorer:
                restorer.restore(rebuilt.commit)
        except SnapshotError as e:
            raise ConfigError(f"{run_dir}: cannot restore the workspace: {e}") from None
    with session.loop(hooks, next_seq=next_seq, lock=False) as loop:
        loop.policy = rebuilt.policy
        if not snapshots:  # killed inside the first snapshot: take it now
            _initial_snapshot(loop, starts[0].step)
        if session.kind in SCRIPTED:
            fast_forward(session.model, rebuilt.prefixes, loop.toolbox.schemas())
        details = {"previous": {"status": prior[0], "end_reason": prior[1]},
                   "from_step": rebuilt.state.step, "restored_commit": rebuilt.commit,
                   "rerun_calls": [c.id for c in rebuilt.pending.turn.tool_calls]
                   if rebuilt.pending else [], "budgets": info.budgets,
                   "dropped_torn_bytes": torn, "snapshots_git": recovery.as_dict()}
        loop.resume(rebuilt.conv, rebuilt.state, rebuilt.pending, reason, details)
    return RunResult(run_dir, loop.rec.info)


def _start_over(session: Session, hooks: Hooks, next_seq: int) -> RunResult:
    """Run a recorded run that never reached its first turn from the start, in its folder
    (its earlier events, e.g. the error that stopped it, stay)."""
    run_dir, scenario = session.run_dir, session.scenario
    shutil.rmtree(run_dir / "snapshots.git", ignore_errors=True)
    shutil.rmtree(run_dir / "workspace", ignore_errors=True)
    _new_run_folder(run_dir, scenario.workspace_dir)
    with session.loop(hooks, next_seq=next_seq, lock=False) as loop:
        loop.run(system_prompt(loop.ctx.sandbox.workdir), scenario.prompt_text)
    return RunResult(run_dir, loop.rec.info)


def _initial_snapshot(loop: AgentLoop, step: int) -> None:
    """The snapshot that completes the run's opening step, as the loop would have taken it."""
    commit = loop.snapshots.snapshot("initial workspace")
    head = commit or loop.snapshots.head()
    loop.rec.emit(SnapshotEvent, step, commit=head or "", changed=commit is not None,
                  tool_calls=0)
    loop.rec.sync()


def fork_run(parent_dir: Path, at_step: int, *, model: str | None = None,
             context: str | None = None, logs: Path | None = None, run_id: str | None = None,
             base_url: str | None = None, api_key_env: str | None = None,
             max_steps: int | None = None, hooks: Hooks | None = None) -> RunResult:
    """A new run that starts from the parent's conversation and workspace after ``at_step``."""
    hooks = hooks or Hooks()
    parent_dir = absolute(parent_dir)
    parent = load_run(parent_dir)
    if parent.info is None:
        raise ConfigError(f"{parent_dir}: not a run folder")
    steps = [e.step for e in parent.of_type("snapshot")]
    if at_step not in steps:
        raise ConfigError(f"--at {at_step}: {parent_dir} has completed steps "
                          f"0..{max(steps) if steps else 0}")
    pinfo = parent.info
    spec = absolute_spec(model) or recorded_spec(pinfo)
    label = model or pinfo.model
    try:
        run_id = check_run_id(run_id) if run_id else new_run_id(pinfo.scenario,
                                                               f"fork{at_step}-{label}")
    except ValueError as e:
        raise ConfigError(f"--run-id: {e}") from None
    run_dir = absolute(logs or parent_dir.parent) / run_id
    if run_dir.exists() and any(run_dir.iterdir()):
        raise ConfigError(f"--run-id {run_id}: {run_dir} already exists")
    info = pinfo.model_copy(deep=True)
    info.run_id, info.model, info.model_kind = run_id, label, model_kind(spec)
    info.options["model_spec"] = spec if spec != label else None
    # A sibling parent is named by its folder alone: the logs folder stays movable whole.
    info.parent = {"run_dir": parent_dir.name if parent_dir.parent == run_dir.parent
                   else str(parent_dir), "run_id": pinfo.run_id, "step": at_step}
    info.status, info.end_reason, info.error, info.grade = "running", None, None, None
    info.started_at, info.ended_at, info.versions = time.time(), None, versions()
    if context:
        info.context = context
    if model and model != pinfo.model:
        info.profile, info.base_url, info.api_key_env = None, None, None
        info.context_window = None  # learnt from the parent's endpoint
    session = _session_from_info(run_dir, info, model_spec=spec, base_url=base_url,
                                 api_key_env=api_key_env,
                                 budgets={"max_steps": max_steps} if max_steps else None)
    mprof = getattr(session.model, "profile", None)
    info.base_url = getattr(mprof, "base_url", None)
    info.api_key_env = getattr(mprof, "api_key_env", None)
    info.budgets = _budget_dict(session.budgets)
    rebuilt = rebuild(parent.events, session.model, session.policy(), upto_step=at_step)
    # A fork's counters are its own (compare lines it up with its parent); its steps keep
    # the parent's numbering, so `--at N` and the step labels agree.
    rebuilt.state = LoopState(step=at_step)
    workspace = run_dir / "workspace"
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        SnapshotStore(parent_dir / "snapshots.git").export(rebuilt.commit or "HEAD", workspace)
    except BaseException as e:
        shutil.rmtree(run_dir, ignore_errors=True)  # nothing recorded yet: no folder at all
        if isinstance(e, SnapshotError):
            raise ConfigError(f"{parent_dir}: cannot fork: {e}") from None
        raise
    with session.loop(hooks) as loop:
        loop.policy = rebuilt.policy
        loop.start_from(rebuilt.conv, rebuilt.state, info.parent)
    return RunResult(run_dir, loop.rec.info)
