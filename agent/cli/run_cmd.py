"""`ultrarun run` and `ultrarun demo`: launch a scenario with a live view."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agent.cli.console import err_console
from agent.cli.errors import UserError
from agent.cli.safe_text import visible
from agent.loop import LoopState
from agent.runner import (
    ConfigError,
    Hooks,
    ResumeOptions,
    RunConfig,
    RunResult,
    execute_run,
    fork_run,
    resume_run,
)
from agent.trajectory import RunInfo, is_run_dir

M = TypeVar("M", bound=BaseModel)

console = Console()

ModelOpt = Annotated[str | None, typer.Option(
    "--model", help="Model name at the endpoint, a models.yaml profile, `reference`, "
    "`script:FILE` or `replay:RUN_DIR`.")]
BaseUrlOpt = Annotated[str | None, typer.Option(
    "--base-url", help="OpenAI-compatible endpoint (default: env OPENAI_BASE_URL).")]
KeyEnvOpt = Annotated[str | None, typer.Option(
    "--api-key-env", help="Name of the env variable holding the API key "
    "(default OPENAI_API_KEY). The key itself is never a flag.")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="Profile from models.yaml.")]
SandboxOpt = Annotated[str, typer.Option("--sandbox", help="docker (isolated) or local (not).")]
MaxStepsOpt = Annotated[int | None, typer.Option("--max-steps", help="Model turns at most.")]
MaxCostOpt = Annotated[float | None, typer.Option("--max-cost", help="Dollars at most.")]
MaxTimeOpt = Annotated[str | None, typer.Option("--max-time", help="Wall time, e.g. 6h, 90m.")]
ContextOpt = Annotated[str | None, typer.Option("--context", help="full | mask | compact.")]
EvalEveryOpt = Annotated[int | None, typer.Option(
    "--eval-every", help="Grade every N tool calls (0: only at the end).")]
LogsOpt = Annotated[Path, typer.Option("--logs", help="Folder for run folders.")]
RunIdOpt = Annotated[str | None, typer.Option("--run-id", help="Name of the run folder.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Sent to the endpoint if given.")]
MaxTokensOpt = Annotated[int | None, typer.Option(
    "--max-tokens", help="Completion cap per model call (default: the profile's; 4096 for a "
    "raw model name).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No live view.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the final summary as JSON.")]


def _fmt_elapsed(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02}:{s:02}"


class LiveView:
    """A rich panel following the loop: step, time, tokens, cost, last tool, grade."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.state = LoopState()
        self.run_dir = ""
        self.note = ""

    def update(self, state: LoopState) -> None:
        self.state = state

    def __rich__(self) -> Panel:
        s = self.state
        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold")
        t.add_column()
        t.add_row("step", f"{s.step}   tool calls {s.tool_calls}")
        t.add_row("elapsed", _fmt_elapsed(time.time() - s.started))
        t.add_row("tokens", f"in {s.tokens_in:,}   out {s.tokens_out:,}")
        t.add_row("cost", "unknown" if s.model_calls and s.unpriced_calls >= s.model_calls
                  else f"${s.cost:.4f}")
        if s.retries:
            t.add_row("retries", str(s.retries))
        last = f"{s.last_tool}" + (f" (exit {s.last_exit})" if s.last_exit is not None else "")
        # The tool name and the notes come from the model and the endpoint: shown as plain
        # text (no markup) with control characters visible.
        t.add_row("last tool", Text(visible(last or "-")))
        t.add_row("grade", Text(visible(s.grade or "-")))
        parts: list[Any] = [t]
        if self.note:
            parts.append(Text(visible(self.note), style="dim"))
        return Panel(Group(*parts), title=Text(visible(self.title)),
                     subtitle=Text(visible(self.run_dir)), expand=False)


def launch(start: Callable[[Hooks], RunResult], title: str, *, quiet: bool,
           as_json: bool, html_report: bool = False) -> None:
    """Run with a live view (unless quiet/json), print the outcome, exit non-zero on failure."""
    view = LiveView(title)
    show_live = not quiet and not as_json and err_console.is_terminal

    def on_start(run_dir: Path) -> None:
        view.run_dir = str(run_dir)
        if not show_live and not as_json and not quiet:
            err_console.print(f"run folder: {run_dir}")

    def progress(msg: str) -> None:
        view.note = msg

    hooks = Hooks(observer=view.update, progress=progress, on_start=on_start)
    try:
        if show_live:
            with Live(view, console=err_console, refresh_per_second=4, transient=False):
                result = start(hooks)
        else:
            result = start(hooks)
    except ConfigError as e:
        raise UserError(str(e)) from None
    report(result, as_json=as_json, quiet=quiet)
    if html_report:
        write_html_report(result.run_dir, quiet=quiet or as_json)
    if result.info.status != "finished":
        raise typer.Exit(1)


def write_html_report(run_dir: Path, quiet: bool = False) -> Path:
    """Write the run's HTML report beside it and say where the reports are."""
    from agent.analysis.metrics import compute_metrics
    from agent.analysis.report import render_html
    from agent.trajectory import load_run

    run = load_run(run_dir)
    page = run_dir / "report.html"
    page.write_text(render_html(run, compute_metrics(run)))
    if not quiet:
        console.print(f"[bold]report[/bold]  ultrarun report {run_dir}")
        console.print(f"[bold]replay[/bold]  ultrarun replay {run_dir}")
        console.print(f"[bold]html[/bold]    {page}")
    return page


def cost_text(info: RunInfo) -> str:
    """The run's cost as a person should read it: never a made-up $0 for unknown prices."""
    t = info.totals
    if info.model_kind != "endpoint":
        return f"no model cost ({info.model_kind} model)"
    if t.model_calls and t.unpriced_calls >= t.model_calls:
        return "cost unknown (no prices for this model)"
    if t.unpriced_calls:
        return f"${t.cost:.4f} + unknown ({t.unpriced_calls} calls without a price)"
    return f"${t.cost:.4f}"


def report(result: RunResult, *, as_json: bool, quiet: bool = False) -> None:
    """The end-of-run summary: folder, status, totals and grade by stage."""
    info = result.info
    if as_json:
        print(json.dumps({"run_dir": str(result.run_dir), **info.model_dump(mode="json")}))
        return
    t = info.totals
    line = (f"{info.status} ({info.end_reason}) after {t.steps} steps, {t.tool_calls} tool "
            f"calls, {_fmt_elapsed(t.wall_s)}, tokens {t.tokens_in:,}/{t.tokens_out:,}, "
            f"{cost_text(info)}"
            + (f", {t.retries} retried model call attempts" if t.retries else "")
            + (f", {t.format_errors} turns without a usable tool call"
               if t.format_errors else ""))
    console.print(Text.assemble(("run", "bold"), " ", visible(str(result.run_dir))))
    console.print(Text(line))
    if info.error:
        console.print(Text.assemble(("error:", "red"), " ", visible(info.error)),
                      highlight=False)
    if info.grade:
        g = info.grade
        console.print(Text.assemble(("grade", "bold"), f" {g['passed']}/{g['total']}",
                                    ("  " + visible(str(g["error"])), "red")
                                    if g.get("error") else ""))
        if g.get("stages") and not quiet:
            table = Table("stage", "passed", "total", box=None)
            for stage, (p, n) in g["stages"].items():
                table.add_row(Text(visible(stage)), str(p), str(n))
            console.print(table)


def run(scenario: Annotated[str, typer.Argument(help="Built-in name, scenario folder, or "
                                                "scenario.yaml path.")],
        model: ModelOpt = None, base_url: BaseUrlOpt = None, api_key_env: KeyEnvOpt = None,
        profile: ProfileOpt = None, sandbox: SandboxOpt = "docker",
        max_steps: MaxStepsOpt = None, max_cost: MaxCostOpt = None,
        max_time: MaxTimeOpt = None, context: ContextOpt = None,
        eval_every: EvalEveryOpt = None, logs: LogsOpt = Path("logs"),
        run_id: RunIdOpt = None, seed: SeedOpt = None, max_tokens: MaxTokensOpt = None,
        quiet: QuietOpt = False, json_: JsonOpt = False) -> None:
    """Run a scenario with a model and record the trajectory under --logs."""
    cfg = make_config(scenario=scenario, model=model, base_url=base_url,
                      api_key_env=api_key_env, profile=profile, sandbox=sandbox,
                      max_steps=max_steps, max_cost=max_cost, max_time=max_time,
                      context=context, eval_every=eval_every, logs=logs, run_id=run_id,
                      seed=seed, max_tokens=max_tokens)
    launch(lambda hooks: execute_run(cfg, hooks), f"ultrarun · {scenario} · {model or profile}",
           quiet=quiet, as_json=json_)


def _validated(schema: type[M], /, **options: Any) -> M:
    """A pydantic options model from CLI values; a bad value is a UserError naming the flag."""
    try:
        return schema(**options)
    except ValidationError as e:
        err = e.errors()[0]
        flag = "--" + str(err["loc"][0]).replace("_", "-")
        raise UserError(f"{flag}: {err['msg']}") from None


def make_config(**options: Any) -> RunConfig:
    """A RunConfig from CLI options."""
    return _validated(RunConfig, **options)


def demo(logs: LogsOpt = Path("logs"), sandbox: SandboxOpt = "docker",
         quiet: QuietOpt = False, json_: JsonOpt = False) -> None:
    """Run the toy C compiler scenario with its scripted reference policy (no API key)."""
    cfg = make_config(scenario="toy-c-compiler", model="reference", sandbox=sandbox, logs=logs)
    launch(lambda hooks: execute_run(cfg, hooks), "ultrarun demo · toy-c-compiler · "
           "reference (scripted policy)", quiet=quiet, as_json=json_, html_report=True)


def resume(run_dir: Annotated[Path, typer.Argument(help="The run folder to continue (or a "
                                                    "run id under --logs).")],
           max_steps: MaxStepsOpt = None, max_cost: MaxCostOpt = None,
           max_time: MaxTimeOpt = None, base_url: BaseUrlOpt = None,
           api_key_env: KeyEnvOpt = None, eval_every: EvalEveryOpt = None,
           logs: LogsOpt = Path("logs"), quiet: QuietOpt = False,
           json_: JsonOpt = False) -> None:
    """Continue an interrupted or crashed run in place (budgets may be raised)."""
    if not run_dir.exists() and (logs / run_dir).exists():
        run_dir = logs / run_dir
    if not is_run_dir(run_dir):
        raise UserError(f"{run_dir}: not a run folder (no run.json / events.jsonl)")
    opts = _validated(ResumeOptions, max_steps=max_steps, max_cost=max_cost,
                      max_time=max_time, base_url=base_url, api_key_env=api_key_env,
                      eval_every=eval_every)
    launch(lambda hooks: resume_run(run_dir, opts, hooks), f"ultrarun resume · {run_dir.name}",
           quiet=quiet, as_json=json_)


def fork(run_dir: Annotated[Path, typer.Argument(help="The run to branch from.")],
         at: Annotated[int, typer.Option("--at", help="Start after this step.")],
         model: ModelOpt = None, context: ContextOpt = None, base_url: BaseUrlOpt = None,
         api_key_env: KeyEnvOpt = None, max_steps: MaxStepsOpt = None,
         logs: Annotated[Path | None, typer.Option("--logs", help="Folder for the new run "
                                                   "(default: beside the parent).")] = None,
         run_id: RunIdOpt = None, quiet: QuietOpt = False, json_: JsonOpt = False) -> None:
    """A new run from a recorded step's conversation and workspace (e.g. with another model)."""
    if not is_run_dir(run_dir):
        raise UserError(f"{run_dir}: not a run folder (no run.json / events.jsonl)")
    if context is not None and context not in ("full", "mask", "compact"):
        raise UserError(f"--context {context!r}: use full, mask or compact")
    launch(lambda hooks: fork_run(run_dir, at, model=model, context=context, logs=logs,
                                  run_id=run_id, base_url=base_url, api_key_env=api_key_env,
                                  max_steps=max_steps, hooks=hooks),
           f"ultrarun fork · {run_dir.name} @ {at}", quiet=quiet, as_json=json_)


