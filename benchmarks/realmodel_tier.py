"""The real-model tier's figures: the server's build time, tokens per second, the cached-prefix
share per context policy on the 135M model over 100 steps, and the tier's total time.

- The tier (`make test-realmodel`) writes one row per scenario to `logs/realmodel-figures.json`
  (or `$ULTRARUN_REALMODEL_FIGURES`), and the server's build time to
  `.venv-llm/build-time.txt`; `--run` runs the tier first and times the whole.
- `--policies` runs the long scenario (`tests/realmodel/data/long-log`, text mode, an 8k
  window the profile names) for `--steps` steps under `full`, `mask` (token budget 5,700,
  ten steps kept: in text mode results are user messages, which `mask` does not stub, so it
  only drops steps) and `compact`, side by side, each with its own server: ultrarun's
  prefix-stability figure (the share of each request that repeats the previous one), the
  server's own KV-cache reuse (llama-cpp-python logs "N prefix-match hit, remaining M prompt
  tokens to eval" per request), context-length overflows, compactions, and the server's
  prompt-eval and generation speeds (its perf log lines). Written to
  `logs/realmodel-policies.json`.
- `--threads` starts the server with each thread setting in turn (threads generating, threads
  reading prompts: 1/1, 1/2 as the tier runs, 2/2) and times what a long run asks of it: a
  whole ~6k-token prompt read afresh (a run's first call, and each call after a compaction),
  the same prompt with one turn appended (the KV cache holds the rest), and 40 tokens
  generated on a prompt the cache holds whole.

    python benchmarks/realmodel_tier.py [--run] [--policies [--steps 100]] [--threads] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

FIGURES = Path(os.environ.get("ULTRARUN_REALMODEL_FIGURES")
               or ROOT / "logs" / "realmodel-figures.json")
POLICIES = ROOT / "logs" / "realmodel-policies.json"
BUILD_TIME = ROOT / ".venv-llm" / "build-time.txt"
COLUMNS = [("scenario", "scenario"), ("end_reason", "end reason"), ("calls", "model calls"),
           ("server_ok", "server answered"), ("tokens_in", "tokens in (ultrarun)"),
           ("server_in", "tokens in (server)"), ("tokens_out", "tokens out (ultrarun)"),
           ("server_out", "tokens out (server)"), ("retries", "retries"),
           ("wall_s", "run wall s"), ("s_per_call", "s / model call"),
           ("overflows", "overflows"), ("prefix_share", "prefix reused")]
POLICY_COLUMNS = [("policy", "policy"), ("end_reason", "end reason"), ("steps", "steps"),
                  ("wall_s", "wall s"), ("overflows", "overflows"),
                  ("changes", "context changes"), ("tokens_in", "prompt tokens"),
                  ("prefix_share", "prefix reused (ultrarun)"),
                  ("kv_reused", "KV reused (server)"), ("prompt_tps", "prompt tok/s"),
                  ("gen_tps", "gen tok/s")]
_HIT = re.compile(r"(\d+) prefix-match hit, remaining (\d+) prompt tokens")
_PERF = re.compile(r"(prompt eval|  eval) time =\s+([\d.]+) ms /\s+(\d+) (?:tokens|runs)")


def run_tier() -> float:
    """Run `make test-realmodel`; return its wall time in seconds."""
    FIGURES.unlink(missing_ok=True)
    start = time.monotonic()
    subprocess.run(["make", "test-realmodel"], cwd=ROOT, check=True)
    return round(time.monotonic() - start, 1)


def server_figures(log: Path) -> dict[str, float | None]:
    """KV-cache reuse and speeds from a llama-cpp-python server's log."""
    text = log.read_text(errors="replace")
    hits = [(int(a), int(b)) for a, b in _HIT.findall(text)]
    seen = sum(a + b for a, b in hits)
    speeds: dict[str, list[tuple[float, int]]] = {"prompt eval": [], "  eval": []}
    for kind, ms, n in _PERF.findall(text):
        speeds[kind].append((float(ms), int(n)))

    def tps(kind: str) -> float | None:
        ms = sum(m for m, _ in speeds[kind])
        return round(sum(n for _, n in speeds[kind]) / (ms / 1000), 1) if ms else None

    return {"kv_reused": round(sum(a for a, _ in hits) / seen, 4) if seen else None,
            "prompt_tps": tps("prompt eval"), "gen_tps": tps("  eval")}


def run_policies(steps: int) -> list[dict[str, Any]]:
    """The long scenario under each policy, each with a fresh 8k-window server the profile
    names (so `compact` plans with it from the start; `mask` is held under ~70% of it by its
    token budget and drops steps ten at a time; `full` overflows and falls back)."""
    from agent.options import RunConfig
    from agent.runner import execute_run
    from agent.trajectory.run_info import MaskOptions
    from tests.realmodel.conftest import LONG, PROFILES
    from tests.realmodel.server import LlamaServer, RecordingProxy, gguf_path, server_python

    python = server_python()
    if python is None:
        sys.exit("no .venv-llm: run `make realmodel-server` first")
    model = gguf_path(python)
    rows = []
    home_before = os.environ.get("HOME")
    with tempfile.TemporaryDirectory(prefix="realmodel-policies-") as tmp:
        home = Path(tmp) / "home"
        (home / ".config" / "ultrarun").mkdir(parents=True)
        profile = {**PROFILES["rm-text-long"], "context_window": 8192}
        (home / ".config" / "ultrarun" / "models.yaml").write_text(
            yaml.safe_dump({"profiles": {"rm-8k": profile}}))
        os.environ["HOME"] = str(home)
        try:
            for policy in ("full", "mask", "compact"):
                log = Path(tmp) / f"server-{policy}.log"
                start = time.monotonic()
                with LlamaServer(python, model, log, n_ctx=8192) as server, \
                        RecordingProxy(f"http://127.0.0.1:{server.port}") as proxy:
                    res = execute_run(RunConfig(
                        scenario=str(LONG), profile="rm-8k", base_url=proxy.base_url,
                        context=policy, max_steps=steps, logs=Path(tmp) / "logs",
                        run_id=policy, eval_every=0,
                        mask=MaskOptions(keep_outputs=4, keep_steps=10, token_budget=5700)))
                    statuses = [x.status for x in proxy.completions()]
                report = json.loads(subprocess.run(
                    [sys.executable, "-m", "agent.cli.main", "report", str(res.run_dir),
                     "--json"], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
                m = report["metrics"]
                rows.append({"policy": policy, "end_reason": res.info.end_reason,
                             "steps": m["run"]["steps"],
                             "wall_s": round(time.monotonic() - start),
                             "overflows": statuses.count(400),
                             "changes": sum(e["action"] in ("mask", "compact")
                                            for e in m["context_events"]),
                             "tokens_in": m["run"]["tokens_in"],
                             "prefix_share": m["caching"]["prefix"]["share"],
                             **server_figures(log)})
                print(f"{policy}: {rows[-1]}", file=sys.stderr, flush=True)
        finally:
            if home_before is not None:
                os.environ["HOME"] = home_before
    POLICIES.parent.mkdir(parents=True, exist_ok=True)
    POLICIES.write_text(json.dumps(rows, indent=2))
    return rows


THREAD_SETTINGS = [(1, 1), (1, 2), (2, 2)]
THREAD_COLUMNS = [("threads", "threads (generate/read)"), ("prompt_tokens", "prompt tokens"),
                  ("fresh_s", "whole prompt s"), ("appended_s", "one turn appended s"),
                  ("cached_s", "40 tokens, prompt cached s")]


def run_threads() -> list[dict[str, Any]]:
    """Time a server per thread setting on the same prompts (in turns, one server at a time)."""
    import urllib.request

    from tests.realmodel.server import LlamaServer, gguf_path, server_python

    python = server_python()
    if python is None:
        sys.exit("no .venv-llm: run `make realmodel-server` first")
    model = gguf_path(python)
    log_text = "\n".join(f"line {i}: the quick brown fox {i * 7} jumps over the lazy dog "
                         f"{i * 13}" for i in range(250))
    first = [{"role": "system", "content": "You are a helpful agent."},
             {"role": "user", "content": log_text}]
    later = [*first, {"role": "assistant", "content": "ok"},
             {"role": "user", "content": "line extra: more text " * 20}]
    rows = []
    with tempfile.TemporaryDirectory(prefix="realmodel-threads-") as tmp:
        for gen, read in THREAD_SETTINGS:
            with LlamaServer(python, model, Path(tmp) / f"server-{gen}-{read}.log", n_ctx=8192,
                             threads=(gen, read)) as server:
                def ask(messages: list[dict[str, str]], url: str = server.base_url
                        ) -> tuple[float, int]:
                    body = json.dumps({"model": "m", "messages": messages, "max_tokens": 40,
                                       "temperature": 0}).encode()
                    req = urllib.request.Request(f"{url}/chat/completions", body,
                                                 {"Content-Type": "application/json"})
                    t0 = time.perf_counter()
                    with urllib.request.urlopen(req, timeout=1800) as resp:
                        usage = json.loads(resp.read())["usage"]
                    return time.perf_counter() - t0, int(usage["prompt_tokens"])

                fresh, tokens = ask(first)
                appended, _ = ask(later)
                cached, _ = ask(later)
            rows.append({"threads": f"{gen}/{read}", "prompt_tokens": tokens,
                         "fresh_s": round(fresh, 1), "appended_s": round(appended, 2),
                         "cached_s": round(cached, 2)})
            print(f"threads {gen}/{read}: {rows[-1]}", file=sys.stderr, flush=True)
    return rows


def _table(title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> Table:
    table = Table(title=title)
    for key, label in columns:
        table.add_column(label, justify="left" if key in ("scenario", "end_reason", "policy")
                         else "right")
    for r in rows:
        table.add_row(*(str(r.get(k, "-")) for k, _ in columns))
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", action="store_true", help="run the tier first")
    ap.add_argument("--policies", action="store_true",
                    help="run the long scenario under each context policy first")
    ap.add_argument("--steps", type=int, default=100, help="steps per policy (--policies)")
    ap.add_argument("--threads", action="store_true",
                    help="time the server with 1/1, 1/2 and 2/2 threads (generate/read)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = ap.parse_args()
    if args.threads:
        threads = run_threads()
        if args.json:
            print(json.dumps({"threads": threads, "load_average": os.getloadavg()}, indent=2))
        else:
            Console().print(_table("llama-cpp-python server, SmolLM2-135M Q4_1, 8k window: "
                                   "threads generating / reading prompts", THREAD_COLUMNS,
                                   threads))
        return
    tier_s = run_tier() if args.run else None
    policies = run_policies(args.steps) if args.policies else (
        json.loads(POLICIES.read_text()) if POLICIES.exists() else [])
    rows: list[dict[str, Any]] = json.loads(FIGURES.read_text()) if FIGURES.exists() else []
    build = BUILD_TIME.read_text().strip() if BUILD_TIME.exists() else ""
    m = re.search(r"(\d+) s", build)
    out = {"build_s": int(m.group(1)) if m else None, "tier_s": tier_s, "scenarios": rows,
           "policies": policies}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    if not rows and not policies:
        sys.exit(f"{FIGURES}: no figures yet; run `make test-realmodel` (or this with --run "
                 "or --policies)")
    console = Console()
    title = ("llama-cpp-python 0.3.36 server, SmolLM2-135M-Instruct Q4_1, 1 thread generating "
             "and 2 reading prompts, temperature 0")
    if rows:
        console.print(_table(f"real-model tier: {title}", COLUMNS, rows))
    if policies:
        console.print(_table(f"context policies, {policies[0]['steps']} steps of the long "
                             f"scenario, 8k window: {title}", POLICY_COLUMNS, policies))
    console.print(f"server build (make realmodel-server): {out['build_s'] or 'n/a'} s"
                  + (f"; tier (make test-realmodel): {tier_s} s" if tier_s is not None else ""))


if __name__ == "__main__":
    main()
