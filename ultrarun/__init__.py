"""ultrarun's public API: what a user, a plug-in or a scenario's reference policy imports.

Everything here is documented in docs/api.md, whose examples run as tests. The packages behind
it (``agent``, ``sandboxes``) are internal: their names and layout may change, these may not
without notice.

    import ultrarun

    result = ultrarun.run("calc-interpreter", model="reference", sandbox="local")
    print(ultrarun.metrics(result.run_dir).run.final_passed)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING, Any


def _check_internal_packages() -> None:
    """``agent`` and ``sandboxes`` are generic names: make sure the ones Python finds first are
    this installation's, not another distribution's or a local module shadowing them."""
    home = Path(__file__).resolve().parent.parent
    for name in ("agent", "sandboxes"):
        spec = importlib.util.find_spec(name)
        found = Path(spec.origin).resolve().parent.parent if spec and spec.origin else None
        if found != home:
            raise ImportError(
                f"ultrarun: the `{name}` package Python finds first is "
                f"{spec.origin if spec and spec.origin else 'none'}, not ultrarun's "
                f"({home / name}): another installed distribution or a local `{name}` module "
                f"shadows it; rename that module or uninstall it (see docs/api.md, \"Names\")")


_check_internal_packages()

from agent.models.base import (
    AssistantTurn,
    ContextExceeded,
    Model,
    ModelBase,
    ModelError,
    RetryRecord,
    ScriptExhausted,
    ToolCall,
    Usage,
    native_tool_result_messages,
    tool_turn,
)
from agent.scenario.loader import Scenario, ScenarioError, load_scenario
from agent.tools.base import Tool, ToolContext, ToolError, ToolOutput
from sandboxes import DEFAULT_BACKEND, open_sandbox
from sandboxes.backends import DockerConfig, LocalConfig, PluginConfig
from sandboxes.base import ExecResult, PathOutsideWorkspace, Sandbox, SandboxDied, SandboxError
from sandboxes.errors import HarnessError, UltrarunError, UserError

if TYPE_CHECKING:
    from agent.analysis.metrics import RunMetrics
    from agent.evaluation import GradeResult
    from agent.runner import Hooks, RunResult
    from agent.scenario.grading import SnapshotGrade
    from agent.trajectory.reader import LoadedRun

__all__ = [
    "AssistantTurn", "ContextExceeded", "DockerConfig", "ExecResult", "HarnessError",
    "LocalConfig", "Model", "ModelBase", "ModelError", "PathOutsideWorkspace", "PluginConfig",
    "RetryRecord", "Sandbox", "SandboxDied", "SandboxError", "Scenario", "ScenarioError",
    "ScriptExhausted", "Tool", "ToolCall", "ToolContext", "ToolError", "ToolOutput",
    "UltrarunError", "Usage", "UserError", "fork", "grade", "grade_run", "load_run",
    "load_scenario", "metrics", "native_tool_result_messages", "open_sandbox", "resume", "run",
    "tool_turn",
]


def run(scenario: str, model: str, *, hooks: Hooks | None = None, **options: Any) -> RunResult:
    """Run ``model`` on ``scenario`` (a built-in name or a scenario folder) to the end.

    ``model`` is what ``--model`` takes (a profile, a raw model name with ``base_url``,
    ``reference``, ``script:FILE``, ``replay:RUN_DIR``, ``py:MODULE:CLASS``); ``options`` are
    the fields of ``RunConfig`` (``sandbox``, ``logs``, ``run_id``, ``max_steps``, ``max_time``,
    ``context``, ``eval_every``, ...: every ``ultrarun run`` flag, see ``ultrarun run --help``).
    Returns the run folder and its final ``run.json``."""
    from agent.options import RunConfig
    from agent.runner import execute_run

    return execute_run(RunConfig(scenario=scenario, model=model, **options), hooks)


def resume(run_dir: str | Path, *, hooks: Hooks | None = None, **options: Any) -> RunResult:
    """Continue a run in place from its last step (budgets may be raised: ``max_steps=...``)."""
    from agent.options import ResumeConfig
    from agent.resume import resume_run

    return resume_run(ResumeConfig(run_dir=Path(run_dir), **options), hooks)


def fork(run_dir: str | Path, at: int, *, hooks: Hooks | None = None,
         **options: Any) -> RunResult:
    """A new run from step ``at`` of ``run_dir`` (its workspace and conversation then), maybe
    with another ``model`` or ``context``; the parent is never changed."""
    from agent.options import ForkConfig
    from agent.resume import fork_run

    return fork_run(ForkConfig(run_dir=Path(run_dir), at=at, **options), hooks)


def grade(scenario: str | Scenario, workspace: str | Path, *, sandbox: Any = DEFAULT_BACKEND,
          skip: tuple[str, ...] = ()) -> GradeResult:
    """Grade a workspace folder with a scenario's hidden grader (on a copy, in the grader's own
    sandbox); ``skip``: parts of the suite (``grader.parts``) left out."""
    from agent.scenario.grading import grade_workspace

    s = load_scenario(scenario) if isinstance(scenario, str) else scenario
    return grade_workspace(s, Path(workspace).absolute(), sandbox, skip=skip)


def grade_run(run_dir: str | Path, step: int | None = None,
              sandbox: Any = None) -> SnapshotGrade:
    """Grade a run's snapshot at ``step`` (default: the last) again, on the run's backend
    unless ``sandbox`` says otherwise."""
    from agent.scenario.grading import grade_run as grade_snapshot

    return grade_snapshot(Path(run_dir).absolute(), step, sandbox)


def load_run(run_dir: str | Path) -> LoadedRun:
    """A run folder read back: ``info`` (run.json), ``events`` (typed), ``warnings``; never
    writes, and reads a run still being written or cut short by a crash."""
    from agent.trajectory.reader import load_run as load

    return load(Path(run_dir))


def metrics(run: LoadedRun | str | Path) -> RunMetrics:
    """The coherence metrics of a run (what ``ultrarun report --json`` prints)."""
    from agent.analysis.metrics import compute_metrics

    return compute_metrics(run if not isinstance(run, str | Path) else load_run(run))
