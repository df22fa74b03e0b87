"""``parse_usage`` and ``cost_of`` on each dialect's shape and on values no provider should
send (the endpoint is untrusted: a count must never make a cost negative or a part exceed
its whole)."""

from __future__ import annotations

import pytest

from agent.models.base import Usage
from agent.models.profiles import ModelProfile
from agent.models.usage import cost_of, cost_text, parse_usage
from tests.fakes.openai_server import DIALECTS, usage_body


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_dialect_reads_to_the_same_counts(dialect: str) -> None:
    u = parse_usage(usage_body(dialect, 1000, 100, cached=700, cache_write=200, reasoning=30))
    writes = None if dialect in ("deepseek", "moonshot-legacy") else 200
    assert (u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.cache_write_tokens,
            u.reasoning_tokens) == (1000, 100, 700, writes, 30)


def test_anthropic_own_shape_counts_cache_reads_and_writes_as_prompt() -> None:
    u = parse_usage({"input_tokens": 12, "output_tokens": 40, "cache_read_input_tokens": 900,
                     "cache_creation_input_tokens": 88})
    assert (u.prompt_tokens, u.completion_tokens, u.cached_tokens,
            u.cache_write_tokens) == (1000, 40, 900, 88)


def test_deepseek_without_prompt_tokens_sums_hits_and_misses() -> None:
    u = parse_usage({"prompt_cache_hit_tokens": 300, "prompt_cache_miss_tokens": 200,
                     "completion_tokens": 5})
    assert (u.prompt_tokens, u.cached_tokens) == (500, 300)


@pytest.mark.parametrize("raw", [
    None, [], "usage", {"prompt_tokens": -5, "completion_tokens": True},
    {"prompt_tokens": float("nan"), "completion_tokens": 1e300},
    {"prompt_tokens": "100", "completion_tokens": None}])
def test_garbage_is_unknown_not_zero(raw: object) -> None:
    u = parse_usage(raw)
    assert (u.prompt_tokens, u.completion_tokens) == (None, None)


def test_parts_never_exceed_the_whole() -> None:
    u = parse_usage({"prompt_tokens": 100, "completion_tokens": 10,
                     "prompt_tokens_details": {"cached_tokens": 5000, "cache_write_tokens": 50},
                     "completion_tokens_details": {"reasoning_tokens": 99}})
    assert (u.cached_tokens, u.cache_write_tokens, u.reasoning_tokens) == (100, 0, 10)
    priced = ModelProfile(name="p", model="m", price_in_per_mtok=1, price_out_per_mtok=1,
                          price_cached_in_per_mtok=0.1)
    cost = cost_of(priced, u)
    assert cost is not None and cost >= 0


def test_cost_without_cache_prices_bills_cached_tokens_as_input() -> None:
    u = Usage(prompt_tokens=1_000_000, completion_tokens=0, cached_tokens=900_000)
    flat = ModelProfile(name="p", model="m", price_in_per_mtok=3, price_out_per_mtok=15)
    assert cost_of(flat, u) == pytest.approx(3.0)
    cached = flat.model_copy(update={"price_cached_in_per_mtok": 0.3})
    assert cost_of(cached, u) == pytest.approx(0.1 * 3 + 0.9 * 0.3)
    assert cost_of(ModelProfile(name="p", model="m"), u) is None


def test_cost_text_never_says_zero_for_unknown() -> None:
    assert cost_text(0.0, 3, 3) == "cost unknown (no prices for this model)"
    assert cost_text(0.0, 0, 0) == "no model call yet"
    assert cost_text(0.0, 4, 4, "script") == "no model cost (script model)"
    assert cost_text(1.5, 4, 1) == "$1.5000 + unknown (1 calls without a price)"
