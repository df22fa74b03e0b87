"""Token accounting by kind against a real HTTP server speaking each provider's usage dialect:
what a run records, sums in run.json, reports, exports to ATIF and stops at (--max-cost), all
checked against hand-computed values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.analysis.metrics import compute_metrics
from agent.analysis.report import summary_rows
from agent.interchange import import_trajectory, to_atif
from agent.options import RunConfig
from agent.runner import execute_run
from agent.trajectory import load_run
from tests.agent.conftest import KEY_ENV, TINY, seqs_contiguous
from tests.fakes.openai_server import DIALECTS, FakeOpenAIServer, Reply, usage_body

# Per 1M tokens: input 2.00, cached input 0.50, cache write 2.50, output 8.00.
PRICES = {"price_in_per_mtok": 2.0, "price_cached_in_per_mtok": 0.5,
          "price_cache_write_per_mtok": 2.5, "price_out_per_mtok": 8.0}
# One call: 100,000 prompt tokens of which 80,000 read from the cache and 10,000 written to
# it; 2,000 completion tokens of which 1,500 reasoning.
CALL = {"prompt": 100_000, "completion": 2_000, "cached": 80_000, "cache_write": 10_000,
        "reasoning": 1_500}
# By hand: 10,000 fresh x 2.00 + 80,000 x 0.50 + 10,000 x 2.50 + 2,000 x 8.00
#        = 20,000 + 40,000 + 25,000 + 16,000 = 101,000 per 1M = $0.101 a call.
CALL_COST = 0.101


def _profile(server: FakeOpenAIServer, home: Path, **fields: Any) -> None:
    cfg = home / ".config" / "ultrarun"
    cfg.mkdir(parents=True, exist_ok=True)
    profile = {"model": "fake-model", "base_url": server.base_url, "api_key_env": KEY_ENV,
               "timeout_s": 5, "retry": {"max_attempts": 3, "base_delay_s": 0.01},
               **fields}
    (cfg / "models.yaml").write_text(yaml.safe_dump({"profiles": {"priced": profile}}))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv(KEY_ENV, "sk-test")
    return tmp_path / "home"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_dialect_is_recorded_and_priced_to_the_cent(dialect: str, home: Path,
                                                         tmp_path: Path) -> None:
    usage = usage_body(dialect, CALL["prompt"], CALL["completion"], cached=CALL["cached"],
                       cache_write=CALL["cache_write"], reasoning=CALL["reasoning"])
    if dialect in ("deepseek", "moonshot-legacy"):  # these report no cache writes
        usage = usage_body(dialect, CALL["prompt"], CALL["completion"], cached=CALL["cached"],
                           reasoning=CALL["reasoning"])
    writes = 0 if dialect in ("deepseek", "moonshot-legacy") else CALL["cache_write"]
    # Without a write count, the 10,000 written tokens are fresh input at $2.00, not $2.50.
    expected = CALL_COST - (CALL["cache_write"] - writes) * 0.5 / 1e6
    with FakeOpenAIServer() as server:
        _profile(server, home, **PRICES)
        server.enqueue(*[Reply(tool_calls=[("bash", {"command": "true"})], usage=usage)] * 3)
        res = execute_run(RunConfig(scenario=str(TINY), profile="priced", sandbox="local",
                                    logs=tmp_path / "logs", max_steps=3, clock=False))
    calls = [e for e in seqs_contiguous(res.run_dir) if e["type"] == "model_call"]
    assert len(calls) == 3
    for e in calls:
        assert (e["prompt_tokens"], e["completion_tokens"], e["cached_tokens"],
                e["reasoning_tokens"]) == (100_000, 2_000, 80_000, 1_500)
        assert e.get("cache_write_tokens") == (writes or None)
        assert round(e["cost"], 6) == pytest.approx(expected)
    t = json.loads((res.run_dir / "run.json").read_text())["totals"]
    assert (t["tokens_in"], t["tokens_out"], t["tokens_cached"], t["tokens_cache_write"],
            t["tokens_reasoning"]) == (300_000, 6_000, 240_000, 3 * writes, 4_500)
    assert t["cache_hit_rate"] == 0.8
    assert round(t["cost"], 2) == round(3 * expected, 2)


def test_max_cost_counts_cached_tokens_at_their_price(home: Path, tmp_path: Path) -> None:
    usage = usage_body("openai", CALL["prompt"], CALL["completion"], cached=CALL["cached"],
                       cache_write=CALL["cache_write"])
    with FakeOpenAIServer() as server:
        server.responder = lambda _body: Reply(tool_calls=[("bash", {"command": "true"})],
                                               usage=usage)
        _profile(server, home, **PRICES)
        # $0.101 a call: after 2 calls $0.202 < $0.25, after 3 $0.303: the 4th is not made.
        priced = execute_run(RunConfig(scenario=str(TINY), profile="priced", sandbox="local",
                                       logs=tmp_path / "logs", max_cost=0.25, clock=False))
        made = len(server.completion_requests)
        # The same budget with every prompt token at the input price ($0.216 a call): stops
        # after 2 calls, what the runs did before cached tokens had a price.
        _profile(server, home, price_in_per_mtok=2.0, price_out_per_mtok=8.0)
        flat = execute_run(RunConfig(scenario=str(TINY), profile="priced", sandbox="local",
                                     logs=tmp_path / "logs", max_cost=0.25, clock=False))
    assert (priced.info.end_reason, priced.info.totals.model_calls, made) == ("max_cost", 3, 3)
    assert priced.info.totals.cost == pytest.approx(3 * CALL_COST)
    assert (flat.info.end_reason, flat.info.totals.model_calls) == ("max_cost", 2)
    assert flat.info.totals.cost == pytest.approx(2 * 0.216)


def test_report_and_atif_carry_the_token_kinds(home: Path, tmp_path: Path) -> None:
    usage = usage_body("deepseek", 1_000, 50, cached=600, reasoning=20)
    with FakeOpenAIServer() as server:
        _profile(server, home)  # no prices: the cost is unknown, never $0
        server.enqueue(Reply(tool_calls=[("bash", {"command": "true"})], usage=usage),
                       Reply(tool_calls=[("finish", {"summary": "done"})], usage=usage))
        res = execute_run(RunConfig(scenario=str(TINY), profile="priced", sandbox="local",
                                    logs=tmp_path / "logs", clock=False))
    run = load_run(res.run_dir)
    metrics = compute_metrics(run)
    rows = dict(summary_rows(metrics))
    assert rows["prompt cache hit rate"] == "60.0%"
    assert rows["prompt cache read / written"] == "1,200 / 0 tokens"
    assert rows["reasoning tokens"] == "40 of 100"
    assert rows["cost"] == "unknown"
    assert metrics.caching.cache_hit_rate == 0.6
    doc = to_atif(run)
    agent_steps = [s for s in doc["steps"] if s["source"] == "agent"]
    assert [s["metrics"]["cached_tokens"] for s in agent_steps] == [600, 600]
    assert agent_steps[0]["metrics"]["extra"]["ultrarun"]["reasoning_tokens"] == 20
    assert doc["final_metrics"]["total_cached_tokens"] == 1_200
    path = tmp_path / "run.atif.json"
    path.write_text(json.dumps(doc))
    back = load_run(import_trajectory("atif", path, tmp_path / "imported"))
    calls = [e for e in back.events if e.type == "model_call"]
    assert [(e.cached_tokens, e.reasoning_tokens) for e in calls] == [(600, 20), (600, 20)]
    assert back.info is not None and back.info.totals.tokens_cached == 1_200


def test_replay_json_carries_usage_and_retries(home: Path, tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from agent.cli import replay_cmd

    with FakeOpenAIServer() as server:
        _profile(server, home, **PRICES)
        usage = usage_body("openai", 1_000, 10, cached=800)
        server.enqueue(Reply.error(429, "slow down", headers={"Retry-After": "0"}),
                       Reply(tool_calls=[("bash", {"command": "true"})], usage=usage),
                       Reply(tool_calls=[("finish", {"summary": "done"})], usage=usage))
        res = execute_run(RunConfig(scenario=str(TINY), profile="priced", sandbox="local",
                                    logs=tmp_path / "logs", clock=False))
    app = typer.Typer()
    app.command()(replay_cmd.replay)
    out = CliRunner().invoke(app, [str(res.run_dir), "--json"])
    steps = json.loads(out.stdout)
    first = steps[0]
    assert [r["status"] for r in first["retries"]] == [429]
    assert first["retries"][0]["error"].startswith("HTTP 429")
    assert first["usage"]["cached_tokens"] == 800 and first["usage"]["prompt_tokens"] == 1_000
    assert first["usage"]["cost"] == pytest.approx((200 * 2.0 + 800 * 0.5 + 10 * 8.0) / 1e6)
    assert steps[1]["retries"] == [] and steps[1]["model_error"] is None
