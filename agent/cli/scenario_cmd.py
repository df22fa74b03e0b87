"""`ultrarun scenarios list|show` and `ultrarun grade`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.console import display_path, out_console, print_whole, progress_status
from sandboxes import DEFAULT_BACKEND
from sandboxes.errors import UserError

if TYPE_CHECKING:
    from agent.evaluation import GradeResult
    from agent.scenario.grading import FuzzRequest
    from agent.scenario.loader import Scenario

app = typer.Typer(help="Built-in and user scenarios.", no_args_is_help=True,
                  rich_markup_mode=None)


@app.command("list")
def list_() -> None:
    """The built-in scenarios."""
    from rich.table import Table

    from agent.budgets import format_duration
    from agent.scenario.loader import builtin_names, load_scenario

    table = Table("name", "title", "max steps", "max time", "graded every")
    for name in builtin_names():
        s = load_scenario(name)
        table.add_row(s.name, s.title, str(s.budgets.max_steps or "-"),
                      format_duration(s.budgets.max_time_s),
                      _cadence(s))
    print_whole(table)


def _cadence(s: Scenario) -> str:
    """How often the grader runs, e.g. `50 calls (t5: 500)` for a scenario with parts."""
    if not s.grader or not s.grader.every:
        return "end"
    slower = ", ".join(f"{p}: {k * s.grader.every}" for p, k in s.grader.parts.items() if k > 1)
    return f"{s.grader.every} calls" + (f" ({slower})" if slower else "")


@app.command()
def show(name: Annotated[str, typer.Argument(help="Built-in name or scenario path.")]) -> None:
    """A scenario's settings and its prompt."""
    from agent.scenario.loader import load_scenario

    s = load_scenario(name)
    out_console.print(f"[bold]{s.name}[/bold] — {s.title}  ({display_path(s.root)})",
                      highlight=False)
    out_console.print_json(s.model_dump_json(exclude={"root", "prompt"}))
    out_console.rule("prompt")
    out_console.print(s.prompt_text, markup=False, highlight=False)


def _print_grade(result: GradeResult, as_json: bool, where: str) -> None:
    from rich.table import Table

    if as_json:
        print(json.dumps({"where": where, "passed": result.passed, "total": result.total,
                          **result.model_dump()}))
    else:
        if result.error:
            out_console.print(f"[red]grader error:[/red] {result.error}", highlight=False)
        out_console.print(f"[bold]{where}[/bold]: {result.passed}/{result.total} passed "
                          f"({result.duration_s:.1f} s)", highlight=False)
        table = Table("stage", "passed", "total")
        for stage, (p, n) in result.stages.items():
            table.add_row(stage, str(p), str(n))
        print_whole(table)
        if result.fuzz is not None:
            from agent.cli.fuzz_view import print_fuzz

            print_fuzz(out_console, result.fuzz, result.reduced)
    if result.error:
        raise typer.Exit(1)


def grade(target: Annotated[str, typer.Argument(help="A scenario (name or path) with "
                                                "--workspace, or a run folder.")],
          workspace: Annotated[Path | None, typer.Option(help="Folder to grade.")] = None,
          step: Annotated[int | None, typer.Option(help="Grade the run's snapshot at this "
                                                   "step (default: the last).")] = None,
          sandbox: Annotated[str | None, typer.Option(
              help="docker or local (default: the run's backend, else docker).")] = None,
          json_: Annotated[bool, typer.Option("--json")] = False,
          logs: Annotated[Path, typer.Option("--logs", help="Where run ids are looked up.")]
          = Path("logs"),
          fuzz: Annotated[int | None, typer.Option(
              "--fuzz", min=1, max=1000,
              help="Also try N fresh random programs against gcc (scenarios with "
                   "grader.fuzz).")] = None,
          seed: Annotated[int | None, typer.Option(
              "--seed", min=0, help="The seed the --fuzz programs are drawn from (default: a "
                                    "fresh one; it is printed).")] = None,
          reduce: Annotated[int | None, typer.Option(
              "--reduce", min=0, max=20,
              help="Shrink this many miscompiled --fuzz programs with C-Reduce (default: the "
                   "scenario's grader.fuzz.reduce).")] = None) -> None:
    """Run a scenario's hidden grader on any workspace, or on a run's snapshot (a run folder
    or a run id)."""
    from agent.scenario.grading import grade_run, grade_workspace
    from agent.scenario.loader import load_scenario
    from agent.trajectory.reader import is_run_dir

    if fuzz is None and (seed is not None or reduce is not None):
        raise UserError("--seed and --reduce go with --fuzz N")

    path = Path(target)
    if not is_run_dir(path) and workspace is None and not path.exists():
        from agent.trajectory.catalog import RunNotFound, resolve_run

        try:
            path = resolve_run(target, logs)
        except RunNotFound:
            pass  # not a run id either: the message below asks for --workspace
    if is_run_dir(path):
        from agent.paths import absolute
        from agent.runner import run_scenario
        from agent.trajectory.reader import load_run

        info = load_run(absolute(path)).info if fuzz is not None else None
        request = _fuzz_request(run_scenario(absolute(path), info) if info else None, fuzz,
                                seed, reduce)
        with progress_status("grading", quiet=json_) as note:
            graded = grade_run(absolute(path), step, sandbox, note, fuzz=request)
        _print_grade(graded.result, json_,
                     f"{path.name} step {graded.step} ({graded.commit[:10]})")
        return
    if workspace is None:
        raise UserError(f"{target!r} is not a run folder: to grade a scenario give "
                        "--workspace DIR")
    if not workspace.is_dir():
        raise UserError(f"--workspace {workspace}: not a folder")
    scenario = load_scenario(target)
    request = _fuzz_request(scenario, fuzz, seed, reduce)
    with progress_status("grading", quiet=json_) as note:
        result = grade_workspace(scenario, workspace.absolute(), sandbox or DEFAULT_BACKEND, note,
                                 fuzz=request)
    _print_grade(result, json_, str(workspace))


def _fuzz_request(scenario: Scenario | None, programs: int | None, seed: int | None,
                  reduce: int | None) -> FuzzRequest | None:
    from agent.fuzzing import draw_seed
    from agent.scenario.grading import FuzzRequest

    if programs is None:
        return None
    spec = scenario.grader.fuzz if scenario and scenario.grader else None
    if spec is None:
        raise UserError(f"--fuzz: scenario {scenario.name if scenario else '?'} has no fuzz "
                        "measure (grader.fuzz in its scenario.yaml)")
    return FuzzRequest(programs, draw_seed() if seed is None else seed,
                       spec.reduce if reduce is None else reduce, spec.reduce_seconds)
