"""`ultrarun scenarios list|show` and `ultrarun grade`."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from agent.cli.console import progress_status
from agent.cli.errors import HarnessError, UserError
from agent.evaluation import GradeResult
from agent.trajectory import is_run_dir, load_run
from agent.trajectory.snapshots import SnapshotError, SnapshotStore
from scenarios.grading import grade_workspace
from scenarios.loader import Scenario, ScenarioError, builtin_names, load_scenario

app = typer.Typer(help="Built-in and user scenarios.", no_args_is_help=True)
console = Console()


def _load(ref: str) -> Scenario:
    try:
        return load_scenario(ref)
    except ScenarioError as e:
        raise UserError(str(e)) from None


@app.command("list")
def list_() -> None:
    """The built-in scenarios."""
    table = Table("name", "title", "max steps", "max time", "graded every")
    for name in builtin_names():
        s = _load(name)
        table.add_row(s.name, s.title, str(s.budgets.max_steps or "-"),
                      str(s.budgets.max_time or "-"),
                      _cadence(s))
    console.print(table)


def _cadence(s: Scenario) -> str:
    """How often the grader runs, e.g. `50 calls (t5: 500)` for a scenario with parts."""
    if not s.grader or not s.grader.every:
        return "end"
    slower = ", ".join(f"{p}: {k * s.grader.every}" for p, k in s.grader.parts.items() if k > 1)
    return f"{s.grader.every} calls" + (f" ({slower})" if slower else "")


@app.command()
def show(name: Annotated[str, typer.Argument(help="Built-in name or scenario path.")]) -> None:
    """A scenario's settings and its prompt."""
    s = _load(name)
    console.print(f"[bold]{s.name}[/bold] — {s.title}  ({s.root})")
    console.print_json(s.model_dump_json(exclude={"root", "prompt"}))
    console.rule("prompt")
    console.print(s.prompt_text, markup=False, highlight=False)


def _print_grade(result: GradeResult, as_json: bool, where: str) -> None:
    if as_json:
        print(json.dumps({"where": where, "passed": result.passed, "total": result.total,
                          **result.model_dump()}))
    else:
        if result.error:
            console.print(f"[red]grader error:[/red] {result.error}", highlight=False)
        console.print(f"[bold]{where}[/bold]: {result.passed}/{result.total} passed "
                      f"({result.duration_s:.1f} s)", highlight=False)
        table = Table("stage", "passed", "total")
        for stage, (p, n) in result.stages.items():
            table.add_row(stage, str(p), str(n))
        console.print(table)
    if result.error:
        raise typer.Exit(1)


def grade(target: Annotated[str, typer.Argument(help="A scenario (name or path) with "
                                                "--workspace, or a run folder.")],
          workspace: Annotated[Path | None, typer.Option(help="Folder to grade.")] = None,
          step: Annotated[int | None, typer.Option(help="Grade the run's snapshot at this "
                                                   "step (default: the last).")] = None,
          sandbox: Annotated[str, typer.Option(help="docker or local.")] = "docker",
          json_: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Run a scenario's hidden grader on any workspace, or on a run's snapshot."""
    path = Path(target)
    if is_run_dir(path):
        run = load_run(path)
        if run.info is None or not run.info.scenario_path:
            raise UserError(f"{path}/run.json does not name its scenario")
        scenario = _load(run.info.scenario_path)
        snaps = [e for e in run.of_type("snapshot") if step is None or e.step <= step]
        if not snaps:
            raise UserError(f"{path}: no snapshot at or before step {step}")
        commit = snaps[-1].commit  # type: ignore[attr-defined]
        with tempfile.TemporaryDirectory() as tmp:
            ws = Path(tmp) / "ws"
            try:
                SnapshotStore(path / "snapshots.git").export(commit, ws)
            except SnapshotError as e:
                raise UserError(f"{path}: cannot read the snapshot of step {snaps[-1].step}: "
                                f"{e}") from None
            with progress_status("grading", quiet=json_) as note:
                result = grade_workspace(scenario, ws, run.info.sandbox if sandbox == "docker"
                                         else sandbox, note)
        _print_grade(result, json_, f"{path.name} step {snaps[-1].step} ({commit[:10]})")
        return
    if workspace is None:
        raise UserError(f"{target!r} is not a run folder: to grade a scenario give "
                        "--workspace DIR")
    if not workspace.is_dir():
        raise UserError(f"--workspace {workspace}: not a folder")
    scenario = _load(target)
    with progress_status("grading", quiet=json_) as note:
        try:
            result = grade_workspace(scenario, workspace, sandbox, note)
        except Exception as e:
            raise HarnessError(f"grading failed: {e}") from e
    _print_grade(result, json_, str(workspace))
