"""`ultrarun run`, `demo`, `resume` and `fork`: launch a run with a live view.

Imports of the run machinery (runner, loop, models, Docker) happen inside the commands, so
`ultrarun --help` and the read-only commands never pay for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from agent.cli.console import display_path, err_console, out_console
from sandboxes import DEFAULT_BACKEND
from sandboxes.errors import UserError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from agent.options import RunConfig
    from agent.runner import Hooks, RunResult
    from agent.state import LoopState
    from agent.trajectory import EventBase, RunInfo

M = TypeVar("M", bound="BaseModel")

console = out_console  # where summaries go (a test may swap it)

ModelOpt = Annotated[str | None, typer.Option(
    "--model", help="Model name at the endpoint, a models.yaml profile, `reference`, "
    "`script:FILE`, `replay:RUN_DIR` or `py:MODULE:CLASS` (your own Model class).")]
BaseUrlOpt = Annotated[str | None, typer.Option(
    "--base-url", help="OpenAI-compatible endpoint (default: env OPENAI_BASE_URL).")]
KeyEnvOpt = Annotated[str | None, typer.Option(
    "--api-key-env", help="Name of the env variable holding the API key "
    "(default OPENAI_API_KEY). The key itself is never a flag.")]
ProfileOpt = Annotated[str | None, typer.Option(
    "--profile", help="A profile (`ultrarun models` lists them): endpoint, key variable, prices, "
    "quirks. With --model, that model at the profile's endpoint.")]
ProfilesOpt = Annotated[list[Path] | None, typer.Option(
    "--profiles", help="Another profiles file (repeatable; also $ULTRARUN_PROFILES, "
    ":-separated), read after models.yaml and ~/.config/ultrarun/models.yaml.")]
NoKeyOpt = Annotated[bool, typer.Option(
    "--no-api-key", help="Send no API key (a keyless local server: vLLM, Ollama, llama.cpp).")]
ToolModeOpt = Annotated[str | None, typer.Option(
    "--tool-mode", help="native (the endpoint's tool calling) or text (actions in ```bash "
    "blocks, for models without tool calling).")]
TemperatureOpt = Annotated[float | None, typer.Option("--temperature", help="Sampling "
                                                      "temperature sent with each request.")]
TimeoutOpt = Annotated[float | None, typer.Option(
    "--timeout", help="Seconds a model request may take (default: the profile's, else 300).")]
SandboxOpt = Annotated[str, typer.Option(
    "--sandbox", help="docker (isolated), local (not), or py:MODULE:FACTORY (yours, see "
    "docs/api.md).")]
MaxStepsOpt = Annotated[int | None, typer.Option("--max-steps", help="Model turns at most.")]
MaxCostOpt = Annotated[float | None, typer.Option("--max-cost", help="Dollars at most.")]
MaxTimeOpt = Annotated[str | None, typer.Option("--max-time", help="Wall time, e.g. 6h, 90m.")]
ContextOpt = Annotated[str | None, typer.Option("--context", help="full | mask | compact.")]
EvalEveryOpt = Annotated[int | None, typer.Option(
    "--eval-every", help="Grade every N tool calls (0: only at the end).")]
CoalesceOpt = Annotated[bool | None, typer.Option(
    "--coalesce-evals/--every-eval", help="Drop a queued evaluation when a newer one is "
    "asked for, or grade every one asked for (default: the scenario's `grader.coalesce`, "
    "else every one).", show_default=False)]
UnsealedOpt = Annotated[bool, typer.Option(
    "--unsealed-eval", help="Do not seal evaluations (the agent's container is not frozen "
    "while the grader runs and sees host-wide counters): only to show the covert channel "
    "that sealing closes (docs/security.md).")]
LogsOpt = Annotated[Path, typer.Option("--logs", help="Folder for run folders.")]
RunIdOpt = Annotated[str | None, typer.Option("--run-id", help="Name of the run folder.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Sent to the endpoint if given.")]
FuzzSeedOpt = Annotated[int | None, typer.Option(
    "--fuzz-seed", help="Base of the fuzz measure's seeds (each evaluation derives its own): a "
                        "repeatable run. Default: every evaluation draws a fresh seed.")]
MaxTokensOpt = Annotated[int | None, typer.Option(
    "--max-tokens", help="Completion cap per model call (default: the profile's; 4096 for a "
    "raw model name).")]
ClockOpt = Annotated[bool, typer.Option(
    "--clock/--no-clock", help="Tell the agent its budgets and, as it goes, the wall time, "
    "steps and dollars left (a line after a tool result).")]
ClockEveryOpt = Annotated[int | None, typer.Option(
    "--clock-every", help="Steps between two clock lines (default: the scenario's, 25; "
    "0: only at 50/75/90% of a budget).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No live view.")]
AgentsOpt = Annotated[int | None, typer.Option(
    "--agents", help="A team of N agents on one shared repository (docs/teams.md).")]
GradePushesOpt = Annotated[int | None, typer.Option(
    "--grade-every-pushes", help="Team: grade the upstream's main every K pushes to it "
    "(default 5).")]
GradeMinutesOpt = Annotated[float | None, typer.Option(
    "--grade-every-minutes", help="Team: ... or T minutes after the last grading when main "
    "moved (default 10).")]
SessionStepsOpt = Annotated[int | None, typer.Option(
    "--session-steps", help="Team: model turns per session before a fresh one (default: the "
    "scenario's max_steps); --max-steps is the team's total.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the final summary as JSON.")]


def launch(start: Callable[[Hooks], RunResult], title: str, *, quiet: bool,
           as_json: bool, html_report: bool = False) -> None:
    """Run with a live view on a terminal (plain log lines on stdout when it is not one),
    print the outcome, exit non-zero on failure.

    Errors go up to ``main``; the run folder records them before they get there."""
    from rich.live import Live

    from agent.cli.live import LiveView, PlainLog
    from agent.runner import Hooks

    view = LiveView(title)
    show_live = not quiet and not as_json and err_console.is_terminal
    plain = None if quiet or as_json or console.is_terminal else \
        PlainLog(lambda line: console.print(line, highlight=False, markup=False,
                                            soft_wrap=True))

    def on_start(run_dir: Path) -> None:
        from agent.trajectory.run_info import read_run_info

        view.run_dir = display_path(run_dir)
        if not show_live and not as_json and not quiet:
            err_console.print(f"run folder: {display_path(run_dir)}", highlight=False,
                              markup=False)
        try:
            info = read_run_info(run_dir)
        except (OSError, ValueError):
            return
        for follower in (view, plain):
            if follower is not None:
                follower.budgets(info.budgets.model_dump(), info.started_at, info.eval_every,
                                 info.model_kind)

    def progress(msg: str) -> None:
        view.note = msg
        if plain is not None:
            plain.progress(msg)

    def observe(state: LoopState) -> None:
        view.update(state)
        if plain is not None:
            plain.update(state)

    def on_event(event: EventBase) -> None:
        view.on_event(event)
        if plain is not None:
            plain.on_event(event)

    hooks = Hooks(observer=observe, progress=progress, on_start=on_start, on_event=on_event)
    if show_live:
        with Live(view, console=err_console, refresh_per_second=4, transient=False):
            result = start(hooks)
    else:
        result = start(hooks)
    report(result, as_json=as_json, quiet=quiet)
    if html_report:
        write_html_report(result.run_dir, quiet=quiet or as_json)
    if result.info.status != "finished":
        raise typer.Exit(1)


def write_html_report(run_dir: Path, quiet: bool = False) -> Path:
    """Write the run's HTML report beside it and say where the reports are."""
    from agent.analysis.metrics import compute_metrics
    from agent.analysis.report import render_html
    from agent.trajectory.reader import load_run

    run = load_run(run_dir)
    page = run_dir / "report.html"
    page.write_text(render_html(run, compute_metrics(run)))
    if not quiet:
        from agent.cli.console import cli_name

        shown, ur = display_path(run_dir), cli_name()
        # soft_wrap: a command stays on one line (to copy), whatever the width.
        console.print(f"[bold]report[/bold]  {ur} report {shown}", highlight=False,
                      soft_wrap=True)
        console.print(f"[bold]replay[/bold]  {ur} replay {shown}", highlight=False,
                      soft_wrap=True)
        console.print(f"[bold]watch[/bold]   {ur} view {shown}", highlight=False, soft_wrap=True)
        console.print(f"[bold]html[/bold]    {display_path(page)}", highlight=False,
                      soft_wrap=True)
        if ur != "ultrarun":
            console.print(f"(`ultrarun` is {ur}: `. {display_path(Path(ur).parent)}/activate` "
                          "puts it on PATH in this shell)", highlight=False, markup=False,
                          soft_wrap=True)
    return page


def cost_text(info: RunInfo) -> str:
    """The run's cost as a person should read it: never a made-up $0 for unknown prices."""
    from agent.models.usage import cost_text as text

    t = info.totals
    return text(t.cost, t.model_calls, t.unpriced_calls, info.model_kind)


def report(result: RunResult, *, as_json: bool, quiet: bool = False) -> None:
    """The end-of-run summary: folder, status, totals and grade by stage."""
    from rich.table import Table
    from rich.text import Text

    from agent.cli.live import fmt_elapsed
    from agent.textsafe import visible

    info = result.info
    if as_json:
        print(json.dumps({"run_dir": str(result.run_dir), **info.model_dump(mode="json")}))
        return
    t = info.totals
    line = (f"{info.status} ({info.end_reason}) after {t.steps} steps, {t.tool_calls} tool "
            f"calls, {fmt_elapsed(t.wall_s or 0)}, tokens {t.tokens_in:,}/{t.tokens_out:,}, "
            f"{cost_text(info)}"
            + (f", {t.retries} retried model call attempts" if t.retries else "")
            + (f", {t.format_errors} turns without a usable tool call"
               if t.format_errors else ""))
    # Plain text (no markup), control characters visible: errors and stage names come from
    # the endpoint and the grader.
    console.print(Text.assemble(("run", "bold"), " ",
                                    visible(display_path(result.run_dir))), highlight=False)
    console.print(Text(line), highlight=False)
    if info.error:
        console.print(Text.assemble(("error:", "red"), " ", visible(info.error)),
                          highlight=False)
    shown = display_path(result.run_dir)
    if info.status == "interrupted":
        console.print(f"interrupted: `ultrarun resume {shown}` continues it, `ultrarun grade "
                      f"{shown}` grades its workspace as it is", highlight=False, markup=False)
    elif not info.grade and not t.model_calls and info.status == "failed":
        console.print("not graded: the run ended before its first model call", highlight=False,
                      markup=False)
    if info.grade:
        g = info.grade
        console.print(Text.assemble(("grade", "bold"), f" {g['passed']}/{g['total']}",
                                        ("  " + visible(str(g["error"])), "red")
                                        if g.get("error") else ""), highlight=False)
        if g.get("stages") and not quiet:
            table = Table("stage", "passed", "total", box=None)
            for stage, (p, n) in g["stages"].items():
                table.add_row(Text(visible(stage)), str(p), str(n))
            console.print(table)


def run(scenario: Annotated[str, typer.Argument(help="Built-in name, scenario folder, or "
                                                "scenario.yaml path.")],
        model: ModelOpt = None, base_url: BaseUrlOpt = None, api_key_env: KeyEnvOpt = None,
        profile: ProfileOpt = None, sandbox: SandboxOpt = DEFAULT_BACKEND,
        max_steps: MaxStepsOpt = None, max_cost: MaxCostOpt = None,
        max_time: MaxTimeOpt = None, context: ContextOpt = None,
        eval_every: EvalEveryOpt = None, logs: LogsOpt = Path("logs"),
        run_id: RunIdOpt = None, seed: SeedOpt = None, max_tokens: MaxTokensOpt = None,
        tool_mode: ToolModeOpt = None, temperature: TemperatureOpt = None,
        timeout: TimeoutOpt = None, profiles: ProfilesOpt = None, no_api_key: NoKeyOpt = False,
        coalesce_evals: CoalesceOpt = None, unsealed_eval: UnsealedOpt = False,
        agents: AgentsOpt = None, grade_every_pushes: GradePushesOpt = None,
        grade_every_minutes: GradeMinutesOpt = None, session_steps: SessionStepsOpt = None,
        clock: ClockOpt = True, clock_every: ClockEveryOpt = None,
        fuzz_seed: FuzzSeedOpt = None, quiet: QuietOpt = False,
        json_: JsonOpt = False) -> None:
    """Run a scenario with a model and record the trajectory under --logs."""
    from agent.runner import execute_run

    if no_api_key and api_key_env:
        raise UserError("--no-api-key and --api-key-env: give one of them")
    cfg = make_config(scenario=scenario, model=model, base_url=base_url,
                      api_key_env="" if no_api_key else api_key_env, profile=profile,
                      sandbox=sandbox, max_steps=max_steps, max_cost=max_cost,
                      max_time=max_time, context=context, eval_every=eval_every, logs=logs,
                      run_id=run_id, seed=seed, max_tokens=max_tokens, tool_mode=tool_mode,
                      temperature=temperature, model_timeout=timeout, profiles=profiles or [],
                      coalesce_evals=coalesce_evals, sealed_eval=not unsealed_eval,
                      clock=clock, clock_every=clock_every, fuzz_seed=fuzz_seed)
    shown = f"{model} at {profile}" if model and profile else model or profile
    team = (grade_every_pushes, grade_every_minutes, session_steps)
    if (agents is not None and agents != 1) or any(v is not None for v in team):
        from agent.cli.team_cmd import launch_team, team_options
        from agent.team.driver import run_team

        settings = team_options(agents, *team)
        launch_team(lambda hooks: run_team(cfg, settings, hooks),
                    f"ultrarun team · {scenario} · {settings.agents} agents · {shown}",
                    quiet=quiet, as_json=json_)
        return
    launch(lambda hooks: execute_run(cfg, hooks), f"ultrarun · {scenario} · {shown}",
           quiet=quiet, as_json=json_)


#: Options whose flag is not their field's name.
FLAGS = {"model_timeout": "--timeout"}


def validated(schema: type[M], /, **options: Any) -> M:
    """A pydantic options model from CLI values; a bad value is a UserError naming the flag."""
    from pydantic import ValidationError

    try:
        return schema(**options)
    except ValidationError as e:
        err = e.errors()[0]
        field = str(err["loc"][0])
        flag = FLAGS.get(field, "--" + field.replace("_", "-"))
        raise UserError(f"{flag}: {err['msg']}") from None


_validated = validated  # the name other command modules used


def make_config(**options: Any) -> RunConfig:
    """A RunConfig from CLI options."""
    from agent.options import RunConfig

    return validated(RunConfig, **options)


def demo(logs: LogsOpt = Path("logs"), sandbox: SandboxOpt = DEFAULT_BACKEND,
         quiet: QuietOpt = False, json_: JsonOpt = False) -> None:
    """Run the toy C compiler scenario with its scripted reference policy (no API key)."""
    from agent.runner import execute_run

    cfg = make_config(scenario="toy-c-compiler", model="reference", sandbox=sandbox, logs=logs)
    launch(lambda hooks: execute_run(cfg, hooks), "ultrarun demo · toy-c-compiler · "
           "reference (scripted policy)", quiet=quiet, as_json=json_, html_report=True)


def find_run_dir(run_dir: Path, logs: Path | None = None) -> Path:
    """A run folder given as a path, or as a run id (or a unique prefix of one) under
    ``logs``; UserError otherwise."""
    from agent.trajectory.catalog import resolve_run

    return resolve_run(run_dir, logs)


def resume(run_dir: Annotated[Path, typer.Argument(help="The run folder to continue (or a "
                                                    "run id under --logs).")],
           max_steps: MaxStepsOpt = None, max_cost: MaxCostOpt = None,
           max_time: MaxTimeOpt = None, base_url: BaseUrlOpt = None,
           api_key_env: KeyEnvOpt = None, eval_every: EvalEveryOpt = None,
           logs: LogsOpt = Path("logs"), quiet: QuietOpt = False,
           json_: JsonOpt = False) -> None:
    """Continue an interrupted or crashed run (or team) in place (budgets may be raised)."""
    from agent.options import ResumeConfig
    from agent.resume import resume_run
    from agent.team.info import is_team_dir

    team_dir = run_dir if run_dir.exists() else logs / run_dir
    if is_team_dir(team_dir):
        from agent.cli.team_cmd import launch_team
        from agent.options import LoopOptions
        from agent.team.driver import resume_team

        opts = validated(LoopOptions, max_steps=max_steps, max_cost=max_cost,
                         max_time=max_time, base_url=base_url, api_key_env=api_key_env,
                         eval_every=eval_every)
        launch_team(lambda hooks: resume_team(team_dir, opts, hooks),
                    f"ultrarun resume · team {team_dir.name}", quiet=quiet, as_json=json_)
        return

    cfg = validated(ResumeConfig, run_dir=find_run_dir(run_dir, logs), max_steps=max_steps,
                    max_cost=max_cost, max_time=max_time, base_url=base_url,
                    api_key_env=api_key_env, eval_every=eval_every)
    launch(lambda hooks: resume_run(cfg, hooks), f"ultrarun resume · {cfg.run_dir.name}",
           quiet=quiet, as_json=json_)


def fork(run_dir: Annotated[Path, typer.Argument(help="The run to branch from.")],
         at: Annotated[int, typer.Option("--at", help="Start after this step.")],
         model: ModelOpt = None, context: ContextOpt = None, base_url: BaseUrlOpt = None,
         api_key_env: KeyEnvOpt = None, max_steps: MaxStepsOpt = None,
         max_cost: MaxCostOpt = None, max_time: MaxTimeOpt = None,
         eval_every: EvalEveryOpt = None,
         logs: Annotated[Path | None, typer.Option("--logs", help="Folder for the new run "
                                                   "(default: beside the parent).")] = None,
         run_id: RunIdOpt = None, quiet: QuietOpt = False, json_: JsonOpt = False) -> None:
    """A new run from a recorded step's conversation and workspace, perhaps with another model."""
    from agent.options import ForkConfig
    from agent.resume import fork_run

    cfg = validated(ForkConfig, run_dir=find_run_dir(run_dir, logs or Path("logs")), at=at,
                    model=model, context=context, logs=logs, run_id=run_id, base_url=base_url,
                    api_key_env=api_key_env, max_steps=max_steps, max_cost=max_cost,
                    max_time=max_time, eval_every=eval_every)
    launch(lambda hooks: fork_run(cfg, hooks), f"ultrarun fork · {cfg.run_dir.name} @ {at}",
           quiet=quiet, as_json=json_)
