"""`ultrarun batch MATRIX.yaml`: a matrix of runs, locally (threads) or on a Ray cluster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.cli.console import display_path, err_console, out_console
from agent.cli.run_cmd import JsonOpt, LogsOpt, QuietOpt, validated
from sandboxes.errors import UserError

if TYPE_CHECKING:
    from agent.batch.core import BatchResult


def batch(matrix: Annotated[Path, typer.Argument(help="The matrix file (YAML): scenarios, "
                                                 "models, seeds, overrides.")],
          parallel: Annotated[int, typer.Option(
              "--parallel", help="Runs in flight at once (threads; with --ray, tasks "
              "submitted at once).")] = 4,
          max_sandboxes: Annotated[int | None, typer.Option(
              "--max-sandboxes", help="Cap on runs holding an agent sandbox at once "
              "(default: --parallel).")] = None,
          ray: Annotated[str | None, typer.Option(
              "--ray", help="Ray cluster address (e.g. 10.0.0.1:6379, or auto): one task "
              "per run on nodes offering the `sandbox` resource.")] = None,
          logs: LogsOpt = Path("logs"),
          batch_id: Annotated[str | None, typer.Option(
              "--batch-id", help="Name of the batch folder (default: the matrix file's "
              "stem).")] = None,
          max_cost: Annotated[float | None, typer.Option(
              "--max-cost", help="Dollars all runs together may spend: runs stop (end reason "
              "shared_budget) and no other starts once spent; a re-run with more resumes "
              "them.")] = None,
          max_tokens_total: Annotated[int | None, typer.Option(
              "--max-tokens-total", help="Prompt + completion tokens all runs together may "
              "spend.")] = None,
          quiet: QuietOpt = False, json_: JsonOpt = False) -> None:
    """Run every scenario x model x seed of a matrix; a re-run resumes what is unfinished."""
    from rich.live import Live

    from agent.batch.core import BatchOptions, run_batch
    from agent.batch.view import BatchView

    opts = validated(BatchOptions, matrix=matrix, parallel=parallel,
                      max_sandboxes=max_sandboxes, ray=ray, logs=logs, batch_id=batch_id,
                      max_cost=max_cost, max_tokens_total=max_tokens_total)
    if not matrix.exists():
        raise UserError(f"{matrix}: no such matrix file")
    view = BatchView(f"ultrarun batch · {opts.batch_dir.name}"
                     + (f" · ray {ray}" if ray else ""))
    show_live = not quiet and not json_ and err_console.is_terminal

    def progress(msg: str) -> None:
        view.note = msg
        if not show_live and not quiet and not json_:
            err_console.print(f"[dim]{msg}[/dim]", highlight=False)

    if show_live:
        with Live(view, console=err_console, refresh_per_second=2, transient=False):
            result = run_batch(opts, on_ready=view.attach, progress=progress)
    else:
        result = run_batch(opts, progress=progress)
    report(result, as_json=json_, quiet=quiet)
    if result.index.state != "finished":
        raise typer.Exit(1)


def report(result: BatchResult, *, as_json: bool, quiet: bool) -> None:
    """The end-of-batch summary: table by scenario x model, compare page, totals."""
    from rich.console import Console

    from agent.batch.summary import summarize, summary_json, summary_table, write_compare_html

    console = out_console
    rows, dirs = summarize(result.batch_dir, result.index)
    html = write_compare_html(result.batch_dir, dirs)
    if as_json:
        print(json.dumps({"batch_dir": str(result.batch_dir), "state": result.index.state,
                          "totals": result.index.totals, "budget": result.index.budget,
                          "compare_html": str(html) if html
                          else None, "groups": summary_json(rows),
                          "entries": [e.model_dump(mode="json")
                                      for e in result.index.entries]}))
        return
    if not quiet:  # piped output has no width to respect: keep the table on one line a row
        (console if console.is_terminal else Console(width=160)).print(summary_table(rows))
    t = result.index.totals
    console.print(f"[bold]batch[/bold] {display_path(result.batch_dir)}  {result.index.state}: "
                  f"{t['finished']}/{t['total']} finished"
                  + "".join(f", {t[k]} {k}" for k in ("failed", "interrupted", "pending")
                            if t.get(k)))
    if result.index.budget:
        console.print(budget_text(result.index.budget), highlight=False, markup=False)
    if html:
        console.print(f"[bold]compare[/bold] {display_path(html)}")
    if result.interrupted:
        console.print("interrupted: run the same command again to resume")


def budget_text(b: dict[str, Any]) -> str:
    """The batch budget's line: what was spent of what, and what it could not see."""
    parts = []
    if b.get("max_cost") is not None:
        parts.append(f"${b['cost']:.4f} of ${b['max_cost']:.2f}")
    if b.get("max_tokens") is not None:
        parts.append(f"{b['tokens']:,} of {b['max_tokens']:,} tokens")
    line = "budget: " + ", ".join(parts) + " spent"
    if b.get("exhausted"):
        line += "; runs stopped and none started once it was: re-run with a larger budget"
    unpriced = b.get("runs_with_unpriced_calls") or []
    if unpriced and b.get("max_cost") is not None:
        line += (f"; {len(unpriced)} run(s) made calls of unknown cost, which --max-cost "
                 "cannot count (set prices in the profile)")
    return line
