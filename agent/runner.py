"""From options to a run folder: the ``Session`` every loop starts from, and new runs.

A run's settings live in its run.json (``RunInfo``). A new run writes them from its
``RunConfig`` and the scenario; ``resume`` reads them back and ``fork`` copies its parent's
(``agent/resume.py``). All three then resolve the model and open the loop the same way:
``Session.resolve`` and ``Session.loop``. Where commands run is ``agent/setup.py``'s job.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.budgets import Allowance
from agent.clock import Clock
from agent.context import ContextPolicy, make_policy
from agent.evaluation import EvaluationRunner, PartSchedule
from agent.loop import AgentLoop, LoopState, RunInterrupted, StopSignal
from agent.models.base import Model
from agent.models.openai_model import OpenAIModel
from agent.models.profiles import ModelOverrides, load_profiles
from agent.models.registry import ModelSpec, make_model, parse_spec
from agent.options import ConfigError, LoopOptions, RunConfig, check_run_id
from agent.paths import absolute, absolute_spec
from agent.scenario.loader import Scenario, builtin_names, load_scenario
from agent.sealing import SealGate
from agent.setup import prepare
from agent.trajectory.events import ErrorEvent, EventBase, RunEnd
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import RunInfo, RunSettings, versions
from agent.trajectory.snapshots import Snapshotter
from sandboxes.backends import AnyBackend, DockerConfig, backend_config
from sandboxes.errors import HarnessError, UltrarunError, one_line
from sandboxes.spec import BindMount, FileTree

__all__ = ["Attachments", "ConfigError", "Hooks", "RunConfig", "RunResult", "Session",
           "check_run_id", "execute_run", "new_run_info", "run_lock"]

PROMPTS = Path(__file__).parent / "prompts"


@dataclass
class RunResult:
    run_dir: Path
    info: RunInfo
    messages: list[dict[str, Any]] = field(default_factory=list)  # the final conversation


@dataclass
class Attachments:
    """What a run gets besides its scenario (a team member's session, ``agent/team``): more
    host folders in its sandbox, its own task text, no grading of its workspace, a budget
    shared with other runs."""

    mounts: list[BindMount] = field(default_factory=list)
    task: str | None = None  # the first user message instead of the scenario's prompt
    grade: bool = True  # grade the workspace (in-run and at the end)
    allowance: Allowance | None = None


@dataclass
class Hooks:
    """How a UI follows a run."""

    observer: Callable[[LoopState], None] | None = None
    progress: Callable[[str], None] = lambda _m: None
    on_start: Callable[[Path], None] | None = None
    stop: StopSignal | None = None
    on_event: Callable[[EventBase], None] | None = None  # each event as it is recorded


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


def run_sandbox(info: RunInfo) -> AnyBackend:
    """The sandbox backend config a recorded run used."""
    return info.sandbox_config or backend_config(info.sandbox)


def recorded_spec(info: RunInfo) -> str:
    """The model spec a run was started with (a file's absolute path, not as typed)."""
    return info.options.model_spec or info.model


def new_run_id(scenario: str, model: str) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    tag = "".join(c if c.isalnum() else "-" for c in model.split("/")[-1].split(":")[0])[:24]
    return f"{stamp}-{scenario}-{tag}-{secrets.token_hex(2)}"


def system_prompt(workdir: str) -> str:
    return (PROMPTS / "system.md").read_text().replace("{workdir}", workdir)


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


# -- a session: a run folder, its run.json and its model -------------------------------------
@dataclass
class Session:
    """Everything a loop needs, for run, resume and fork alike (built by ``resolve``)."""

    run_dir: Path
    info: RunInfo
    scenario: Scenario
    model: Model
    spec: ModelSpec
    labels: dict[str, str] = field(default_factory=dict)
    context_window: int | None = None  # learnt (run.json), else the profile's
    attach: Attachments = field(default_factory=Attachments)

    @classmethod
    def resolve(cls, run_dir: Path, info: RunInfo, scenario: Scenario, opts: LoopOptions
                ) -> Session:
        """Build the model run.json names, with the endpoint options ``opts`` changes, and
        write into ``info`` what was resolved (endpoint, key variable's name, caps)."""
        spec = parse_spec(recorded_spec(info))
        o = info.options
        # ProfileError: a UserError naming the file and field
        profiles = load_profiles(extra=o.profiles)
        api_key_env = opts.api_key_env if opts.api_key_env is not None else info.api_key_env
        overrides = ModelOverrides(
            base_url=opts.base_url or (info.base_url if spec.kind == "endpoint" else None),
            api_key_env=api_key_env, seed=info.seed,
            temperature=o.temperature, max_tokens=o.max_tokens, model=o.model_override,
            tool_mode=o.tool_mode if o.tool_mode in ("native", "text") else None,
            timeout_s=o.model_timeout_s)
        model = make_model(spec, profiles=profiles, overrides=overrides, scenario=scenario)
        profile = model.profile if isinstance(model, OpenAIModel) else None
        info.model_kind = spec.kind
        info.profile = spec.text if spec.text in profiles else None
        info.base_url = profile.base_url if profile else None
        info.api_key_env = profile.api_key_env if profile else None
        info.options.max_tokens = profile.max_tokens if profile else None
        window = info.context_window or (profile.context_window if profile else None)
        return cls(run_dir, info, scenario, model, spec, opts.labels, window)

    def policy(self) -> ContextPolicy:
        """The run's context policy, from run.json (so resume and fork get the same one)."""
        o = self.info.options
        return make_policy(self.info.context, context_window=self.context_window,
                           compact_prompt=Path(o.compact_prompt) if o.compact_prompt else None,
                           mask=o.mask)

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
            recorder = Recorder(self.run_dir, self.info, next_seq=next_seq,
                                listener=hooks.on_event)
            stack.callback(recorder.close)
            try:
                yield self._open_loop(stack, hooks, recorder)
            except GeneratorExit:
                raise
            except BaseException as e:
                if recorder.info.status == "running":  # the loop never recorded its end
                    _record_failure(recorder, e)
                raise located(e, self.run_dir) from cause(e)

    def _open_loop(self, stack: ExitStack, hooks: Hooks, recorder: Recorder) -> AgentLoop:
        info, workspace = self.info, self.run_dir / "workspace"
        if hooks.on_start:
            hooks.on_start(self.run_dir)
        check = getattr(self.model, "check", None)
        if callable(check):  # before images are built: a wrong endpoint fails in seconds
            check(hooks.progress)
        prepared = prepare(self.scenario, run_sandbox(info), hooks.progress)
        info.image = prepared.factory.image
        recorder.save_info()
        snapshots = Snapshotter(self.run_dir / "snapshots.git", workspace,
                                owner=prepared.factory.workspace_owner,
                                include_git=info.options.snapshot_git)
        stack.callback(snapshots.close)  # its inotify instance
        bench = stack.enter_context(prepared.workbench(
            workspace, run_id=info.run_id, outputs_dir=recorder.outputs_dir,
            labels=self.labels, command_timeout=info.options.command_timeout,
            restore=snapshots.restore, mounts=self.attach.mounts))
        grader = prepared.grader(info.run_id) if self.attach.grade else None
        parts = self.scenario.grader.parts if self.scenario.grader else {}
        schedule = PartSchedule(parts, info.eval_every) if parts else None
        gate = SealGate(lambda: getattr(bench.sandbox, "freezer", None))
        fuzz = self.scenario.grader.fuzz if self.scenario.grader else None
        evaluator = (EvaluationRunner(grader, snapshots, recorder, schedule=schedule,
                                      gate=gate, coalesce=info.options.coalesce_evals,
                                      fuzz=fuzz, fuzz_seed=info.options.fuzz_seed)
                     if grader else None)
        if evaluator:
            stack.callback(evaluator.close)
        clock = Clock(info.options.clock, info.budgets) if info.options.clock else None
        return AgentLoop(model=self.model, toolbox=bench.toolbox, ctx=bench.ctx,
                         recorder=recorder, snapshots=snapshots, budgets=info.budgets,
                         policy=self.policy(), evaluator=evaluator, eval_every=info.eval_every,
                         observer=hooks.observer, stop=hooks.stop,
                         restart_sandbox=bench.restart,
                         summaries_from_model=not self.spec.scripted, clock=clock,
                         allowance=self.attach.allowance)

    def run(self, hooks: Hooks, next_seq: int = 0, lock: bool = True) -> RunResult:
        """Run the scenario from its prompt."""
        with self.loop(hooks, next_seq=next_seq, lock=lock) as loop:
            loop.run(system_prompt(loop.ctx.sandbox.workdir),
                     self.attach.task or self.scenario.prompt_text)
        return RunResult(self.run_dir, loop.rec.info, loop.messages)


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
    if interrupted:
        info.status, info.end_reason = "interrupted", "interrupted"
    else:
        message = one_line(str(e)) if isinstance(e, UltrarunError) else _describe(e)
        recorder.emit(ErrorEvent, step, message=message, where="setup")
        info.error = message
        info.status, info.end_reason = "failed", "error"
    info.ended_at = time.time()
    recorder.emit(RunEnd, step, status=info.status, end_reason=info.end_reason,
                  totals=info.totals.model_dump())
    recorder.sync()
    recorder.save_info()


def located(e: BaseException, run_dir: Path) -> BaseException:
    """``e`` as an ultrarun error that knows its run folder (where details are written)."""
    if isinstance(e, UltrarunError):
        if e.log_dir is None:
            e.log_dir = run_dir
        return e
    if not isinstance(e, Exception):  # KeyboardInterrupt, SystemExit: as they are
        return e
    return HarnessError(_describe(e), log_dir=run_dir)


def cause(e: BaseException) -> BaseException | None:
    """What to chain ``located(e)`` to: an ultrarun error keeps its own cause."""
    return e.__cause__ if isinstance(e, UltrarunError) or not isinstance(e, Exception) else e


def new_run_folder(run_dir: Path, seed: FileTree | None) -> None:
    """The run folder with the scenario's seed workspace; nothing is left if that fails."""
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        workspace = run_dir / "workspace"
        if seed is not None:
            seed.assemble(workspace)
        workspace.mkdir(exist_ok=True)
    except BaseException:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise


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


# -- a new run -------------------------------------------------------------------------------
def new_run_info(cfg: RunConfig, scenario: Scenario, run_id: str | None = None) -> RunInfo:
    """run.json of a new run of ``scenario`` with the options ``cfg`` (``run_id``: instead of
    the one ``cfg`` names or a new one)."""
    profiles = load_profiles(extra=cfg.profiles)
    if cfg.profile and cfg.profile not in profiles:
        raise ConfigError(f"--profile {cfg.profile!r} is not a profile (known: "
                          f"{', '.join(sorted(profiles)) or 'none'}; `ultrarun models` lists "
                          "them with their files)")
    override = None
    if cfg.profile and cfg.model:
        if parse_spec(cfg.model).kind != "endpoint" or cfg.model in profiles:
            raise ConfigError(f"--model {cfg.model!r} with --profile {cfg.profile!r}: with a "
                              "profile, --model names the model at the profile's endpoint; "
                              "give a model name, or only one of the two")
        override = cfg.model  # the profile's endpoint and settings, another model there
    spec = absolute_spec(cfg.profile if override else cfg.model or cfg.profile)
    if spec is None:
        raise ConfigError("no model: pass --model NAME (a model of your endpoint, a profile of "
                          "models.yaml, `reference`, `script:FILE`, `replay:RUN_DIR` or "
                          "`py:MODULE:CLASS`) or --profile NAME")
    label = cfg.model or cfg.profile or spec
    eval_every = cfg.eval_every if cfg.eval_every is not None else \
        (scenario.grader.every if scenario.grader else None)
    coalesce = cfg.coalesce_evals if cfg.coalesce_evals is not None else \
        bool(scenario.grader and scenario.grader.coalesce)
    sandbox = cfg.sandbox
    if not cfg.sealed_eval and isinstance(sandbox, DockerConfig):
        sandbox = sandbox.model_copy(update={"sealed": False})
    return RunInfo(
        run_id=run_id or cfg.run_id or new_run_id(scenario.name, label), scenario=scenario.name,
        scenario_path=scenario_ref(scenario),
        model=label, base_url=cfg.base_url, api_key_env=cfg.api_key_env,
        sandbox=sandbox.backend, sandbox_config=sandbox,
        budgets=cfg.budgets(scenario.budgets), context=cfg.context or scenario.context or "full",
        eval_every=eval_every, seed=cfg.seed, versions=versions(), started_at=time.time(),
        limits=run_limits(scenario),
        options=RunSettings(
            command_timeout=cfg.command_timeout, temperature=cfg.temperature,
            max_tokens=cfg.max_tokens, model_spec=spec if spec != label else None,
            model_override=override, tool_mode=cfg.tool_mode, model_timeout_s=cfg.model_timeout,
            fuzz_seed=cfg.fuzz_seed,
            profiles=[str(absolute(p)) for p in cfg.profiles], coalesce_evals=coalesce,
            compact_prompt=str(absolute(cfg.compact_prompt)) if cfg.compact_prompt else None,
            mask=cfg.mask,
            clock=scenario.clock.model_copy(update={
                "enabled": scenario.clock.enabled and cfg.clock,
                **({"every": cfg.clock_every} if cfg.clock_every is not None else {})})))


def execute_run(cfg: RunConfig, hooks: Hooks | None = None,
                attach: Attachments | None = None) -> RunResult:
    """Run a scenario end to end and return its run folder and final run.json. ``attach``:
    what the run gets besides its scenario (a team's session, a batch's shared budget)."""
    scenario = load_scenario(cfg.scenario)
    info = new_run_info(cfg, scenario)
    run_dir = absolute(cfg.logs) / info.run_id
    if run_dir.exists() and any(run_dir.iterdir()):
        raise ConfigError(f"--run-id {info.run_id}: {run_dir} already exists (use `ultrarun "
                          "resume`)")
    session = Session.resolve(run_dir, info, scenario, cfg)  # before any folder exists
    if attach is not None:
        session.attach = attach
    new_run_folder(run_dir, scenario.workspace_tree)
    return session.run(hooks or Hooks())
