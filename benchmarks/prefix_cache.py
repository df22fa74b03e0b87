"""What each context policy costs in prompt-cache misses, on a scripted run.

An OpenAI-compatible endpoint (the test suite's fake server, on 127.0.0.1) plays an agent that
makes N tool calls with ~1 KB outputs and plays a provider's prompt cache: the part of each
request that starts like the previous one is read from the cache (DeepSeek-style, token for
token), the rest is fresh. Side by side: `full`, `mask` as it was (outputs stubbed
keep_outputs/2 at a time), `mask` now (keep_outputs at a time), and `compact` (16k window).
Columns: prompt tokens, the server's cached and fresh ones, ultrarun's prefix-stability figure
(`report`'s "prompt prefix reused"), prefix breaks, and what the prompts cost at DeepSeek's
and OpenAI's gpt-4o list prices (cached input at 1/50 and 1/2 of the input price).

    python benchmarks/prefix_cache.py [--calls 150] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from endpointkit import bench_profile  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

import agent.context  # noqa: E402
from agent.analysis.metrics import compute_metrics  # noqa: E402
from agent.runner import RunConfig, execute_run  # noqa: E402
from agent.trajectory import load_run  # noqa: E402
from tests.fakes.openai_server import FakeOpenAIServer, Reply  # noqa: E402

TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"
WINDOW = 16_000
# USD per 1M prompt tokens: (fresh, cached), list prices read 2026-12-07 (docs/endpoints.md).
PRICES = {"deepseek": (0.14, 0.0028), "gpt-4o": (2.50, 1.25)}


def responder(calls: int) -> Any:
    def agent(body: dict[str, Any]) -> Reply:
        if not body.get("tools"):  # a compaction request
            return Reply(content="## Goal\nappend lines\n## State\nlines written so far")
        n = sum(1 for m in body["messages"] if m["role"] == "assistant") + 1
        if n > calls:
            return Reply(tool_calls=[("finish", {"summary": "done"})])
        return Reply(tool_calls=[("bash", {"command": f"echo {n} >> log.txt; seq 1 250"})])

    return agent


@contextmanager
def half_chunks(on: bool) -> Iterator[None]:
    """`mask` as it was before it stubbed outputs keep_outputs at a time."""
    original = agent.context.MaskPolicy.__init__
    if on:
        def init(self: agent.context.MaskPolicy, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            self.out_chunk = max(1, self.keep_outputs // 2)

        agent.context.MaskPolicy.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        agent.context.MaskPolicy.__init__ = original  # type: ignore[method-assign]


def run_policy(label: str, policy: str, calls: int, root: Path) -> dict[str, Any]:
    with FakeOpenAIServer(responder=responder(calls), prompt_cache=True,
                          usage_dialect="deepseek") as server, half_chunks("before" in label), \
            bench_profile(server, root / f"home-{len(list(root.iterdir()))}", WINDOW) as profile:
        res = execute_run(RunConfig(scenario=str(TINY), profile=profile, sandbox="local",
                                    logs=root / "logs", context=policy,
                                    max_steps=calls + 10, eval_every=0, clock=False))
    m = compute_metrics(load_run(res.run_dir))
    prompt, cached = m.run.tokens_in, m.caching.tokens_cached
    return {"policy": label, "prompt": prompt, "cached": cached, "fresh": prompt - cached,
            "prefix_share": m.caching.prefix.share, "breaks": m.caching.prefix.breaks,
            **{f"cost_{k}": round(((prompt - cached) * f + cached * c) / 1e6, 4)
               for k, (f, c) in PRICES.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=150)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-prefix-") as tmp:
        rows = [run_policy(label, policy, args.calls, Path(tmp)) for label, policy in (
            ("full", "full"), ("mask (before: half chunks)", "mask"),
            ("mask", "mask"), ("compact", "compact"))]
    if args.json:
        print(json.dumps({"calls": args.calls, "window": WINDOW, "rows": rows}, indent=2))
        return
    table = Table(title=f"prompt-cache misses by context policy ({args.calls} scripted calls, "
                        "the fake server playing a prompt cache)")
    cols = [("policy", "policy"), ("prompt", "prompt tokens"), ("cached", "cached"),
            ("fresh", "fresh (misses)"), ("prefix_share", "prefix reused"),
            ("breaks", "breaks"), ("cost_deepseek", "$ DeepSeek"), ("cost_gpt-4o", "$ gpt-4o")]
    for key, label in cols:
        table.add_column(label, justify="left" if key == "policy" else "right")
    for r in rows:
        table.add_row(*(f"{r[k]:,}" if isinstance(r[k], int) else str(r[k]) for k, _ in cols))
    Console().print(table)


if __name__ == "__main__":
    main()
