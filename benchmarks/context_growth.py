"""Prompt tokens per model call over a long scripted run, for the three context policies.

An OpenAI-compatible endpoint (the test suite's fake server, on 127.0.0.1) plays an agent that
makes N tool calls with ~1 KB outputs; the harness runs it with `--context full`, `mask` and
`compact` (window 16k tokens) side by side. Prompt tokens are the endpoint's own count.
`mask` and `compact` must stay bounded while `full` grows. Writes an SVG plot next to the table.

    python benchmarks/context_growth.py [--calls 500] [--json] [--svg FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from endpointkit import bench_profile  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.analysis.svg import Chart, Series, line_chart  # noqa: E402
from agent.runner import RunConfig, execute_run  # noqa: E402
from agent.trajectory import load_run  # noqa: E402
from agent.trajectory.events import ModelCall  # noqa: E402
from tests.fakes.openai_server import FakeOpenAIServer, Reply  # noqa: E402

TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"
WINDOW = 16_000


def responder(calls: int) -> Any:
    state = {"n": 0}

    def agent(body: dict[str, Any]) -> Reply:
        if not body.get("tools"):  # a compaction request
            return Reply(content="## Goal\nappend lines\n## State\nlines written so far\n"
                                 "## Next steps\ncontinue")
        state["n"] += 1
        if state["n"] > calls:
            return Reply(tool_calls=[("finish", {"summary": "done"})])
        return Reply(tool_calls=[("bash", {"command": f"echo {state['n']} >> log.txt; "
                                                      "seq 1 250"})])

    return agent


def run_policy(policy: str, calls: int, root: Path) -> list[int]:
    with FakeOpenAIServer(responder=responder(calls)) as server, \
            bench_profile(server, root / f"home-{policy}", WINDOW) as profile:
        res = execute_run(RunConfig(scenario=str(TINY), profile=profile, sandbox="local",
                                    logs=root / "logs", context=policy,
                                    max_steps=calls + 50, eval_every=0))
        run = load_run(res.run_dir)
        return [e.prompt_tokens or 0 for e in run.events_of(ModelCall)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--svg", type=Path, default=ROOT / "benchmarks" / "context_growth.svg")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-ctx-"))
    tokens = {p: run_policy(p, args.calls, root) for p in ("full", "mask", "compact")}
    marks = [c for c in (50, 100, 200, 300, 400, args.calls) if c <= args.calls]
    summary = {p: {"at_call": {str(c): t[c - 1] for c in marks}, "max": max(t),
                   "late_over_call_50": t[args.calls - 1] / max(1, t[49])}
               for p, t in tokens.items()}
    args.svg.write_text(line_chart(Chart(
        "Prompt tokens per model call", "model call", "prompt tokens",
        [Series(p, list(enumerate(t, 1)), color)
         for (p, t), color in zip(tokens.items(), ("#d62728", "#1f77b4", "#2ca02c"),
                                  strict=True)])))
    if args.json:
        print(json.dumps({"calls": args.calls, "window": WINDOW, "summary": summary,
                          "svg": str(args.svg)}, indent=2))
        return
    table = Table(title=f"prompt tokens at model call N ({args.calls} calls; compact window "
                        f"{WINDOW:,})")
    table.add_column("policy")
    for c in marks:
        table.add_column(f"call {c}", justify="right")
    table.add_column("max", justify="right")
    table.add_column("last / call 50", justify="right")
    for p, s in summary.items():
        table.add_row(p, *(f"{s['at_call'][str(c)]:,}" for c in marks), f"{s['max']:,}",
                      f"{s['late_over_call_50']:.2f}x")
    console = Console()
    console.print(table)
    console.print(f"plot: {args.svg}")


if __name__ == "__main__":
    main()
