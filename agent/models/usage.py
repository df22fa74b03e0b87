"""Token accounting by kind: each provider's ``usage`` dialect read into one ``Usage``, its
cost from a profile's prices, and the sums a run keeps (run.json ``totals``, the live view).

Dialects (every one normalised to OpenAI's sense: ``prompt_tokens`` counts all prompt tokens,
cached or not, and the cache counts are parts of it):

- OpenAI, Zhipu GLM, Moonshot (Kimi), xAI, OpenRouter, vLLM, llama.cpp's server:
  ``prompt_tokens`` (cached included), ``prompt_tokens_details.cached_tokens``, and
  OpenRouter's ``prompt_tokens_details.cache_write_tokens``; Moonshot's older responses put
  ``cached_tokens`` at the top level.
- DeepSeek: ``prompt_cache_hit_tokens`` + ``prompt_cache_miss_tokens`` = ``prompt_tokens``.
- Gateways in front of Anthropic models (LiteLLM and others): ``cache_read_input_tokens`` and
  ``cache_creation_input_tokens`` next to ``prompt_tokens``. Most gateways count both in
  ``prompt_tokens`` (OpenAI's sense); some older ones pass Anthropic's ``input_tokens``
  through, which counts neither: a ``prompt_tokens`` smaller than the two together cannot
  include them, and they are added. Anthropic's own shape (``input_tokens``,
  ``output_tokens``, no ``prompt_tokens``) is read the same way.
- ``completion_tokens_details.reasoning_tokens`` (OpenAI, DeepSeek, OpenRouter): a part of
  ``completion_tokens``, which is what providers bill for output.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from agent.models.base import Usage
from agent.models.profiles import ModelProfile

#: The token-count keys of a recorded usage (a ``model_call`` event, a compaction's details).
COUNT_KEYS = ("prompt_tokens", "completion_tokens", "cached_tokens", "cache_write_tokens",
              "reasoning_tokens")


def _count(raw: Mapping[str, Any] | None, key: str) -> int | None:
    """A non-negative whole count, or None (absent, null, negative, not a number)."""
    if not isinstance(raw, Mapping):
        return None
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return int(value) if 0 <= value < 1e15 else None


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)


def parse_usage(raw: Any) -> Usage:
    """The ``usage`` object of a chat-completions answer, in any dialect, as a ``Usage``
    (cost not set: that needs the profile's prices, see ``cost_of``)."""
    if not isinstance(raw, Mapping):
        return Usage()
    details = raw.get("prompt_tokens_details")
    out_details = raw.get("completion_tokens_details")
    hit, miss = _count(raw, "prompt_cache_hit_tokens"), _count(raw, "prompt_cache_miss_tokens")
    read = _count(raw, "cache_read_input_tokens")
    write = _first(_count(details, "cache_write_tokens"),
                   _count(raw, "cache_creation_input_tokens"))
    cached = _first(_count(details, "cached_tokens"), hit, read, _count(raw, "cached_tokens"))
    prompt = _count(raw, "prompt_tokens")
    if prompt is None and hit is not None and miss is not None:
        prompt = hit + miss
    anthropic_parts = (read or 0) + (_count(raw, "cache_creation_input_tokens") or 0)
    if prompt is None and (plain := _count(raw, "input_tokens")) is not None:
        prompt = plain + anthropic_parts  # Anthropic's input_tokens count no cached token
    elif prompt is not None and anthropic_parts > prompt:
        prompt += anthropic_parts  # a gateway passing input_tokens through as prompt_tokens
    completion = _first(_count(raw, "completion_tokens"), _count(raw, "output_tokens"))
    if prompt is not None:  # a part can never exceed the whole, whatever the server says
        cached = None if cached is None else min(cached, prompt)
        write = None if write is None else min(write, prompt - (cached or 0))
    reasoning = _count(out_details, "reasoning_tokens")
    if completion is not None and reasoning is not None:
        reasoning = min(reasoning, completion)
    return Usage(prompt_tokens=prompt, completion_tokens=completion, cached_tokens=cached,
                 cache_write_tokens=write, reasoning_tokens=reasoning)


def cost_of(profile: ModelProfile, usage: Usage) -> float | None:
    """Dollar cost of one call, or None when the prices or the token counts are unknown.

    Cached prompt tokens cost ``price_cached_in_per_mtok`` and cache writes
    ``price_cache_write_per_mtok``; a profile without those prices bills them at the input
    price (what the call would cost without a cache: never less than the truth for reads).
    Reasoning tokens are part of the completion tokens and cost what they do.
    """
    p = profile
    if (p.price_in_per_mtok is None or p.price_out_per_mtok is None
            or usage.prompt_tokens is None or usage.completion_tokens is None):
        return None
    cached, written = usage.cached_tokens or 0, usage.cache_write_tokens or 0
    fresh = max(0, usage.prompt_tokens - cached - written)
    read_price = p.price_in_per_mtok if p.price_cached_in_per_mtok is None \
        else p.price_cached_in_per_mtok
    write_price = p.price_in_per_mtok if p.price_cache_write_per_mtok is None \
        else p.price_cache_write_per_mtok
    return (fresh * p.price_in_per_mtok + cached * read_price + written * write_price
            + usage.completion_tokens * p.price_out_per_mtok) / 1_000_000


class UsageCounters(Protocol):
    """What sums model calls: the loop's ``LoopState`` and run.json's ``Totals`` alike."""

    tokens_in: int
    tokens_out: int
    tokens_cached: int
    tokens_cache_write: int
    tokens_reasoning: int
    cache_reported_calls: int
    model_calls: int
    unpriced_calls: int
    retries: int
    request_chars: int
    prefix_chars: int


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def count_call(target: UsageCounters, usage: Mapping[str, Any]) -> float:
    """Add one model call's recorded usage (a ``model_call`` event's fields, or a compaction's
    details) to ``target``; return its cost (0.0 when unknown, counted in ``unpriced_calls``).
    """
    target.tokens_in += _int(usage.get("prompt_tokens"))
    target.tokens_out += _int(usage.get("completion_tokens"))
    target.tokens_cached += _int(usage.get("cached_tokens"))
    target.tokens_cache_write += _int(usage.get("cache_write_tokens"))
    target.tokens_reasoning += _int(usage.get("reasoning_tokens"))
    target.cache_reported_calls += isinstance(usage.get("cached_tokens"), int)
    target.model_calls += 1
    cost = usage.get("cost")
    target.unpriced_calls += not isinstance(cost, int | float)
    target.retries += len(usage.get("retries") or [])
    if isinstance(usage.get("prefix_chars"), int) and (chars := _int(usage.get("request_chars"))):
        target.request_chars += chars
        target.prefix_chars += min(chars, _int(usage.get("prefix_chars")))
    return float(cost) if isinstance(cost, int | float) else 0.0


def cache_hit_rate(cached: int, prompt: int, reported_calls: int) -> float | None:
    """Share of prompt tokens read from the cache; None when no call said (not a made-up 0)."""
    if not reported_calls or prompt <= 0:
        return None
    return round(cached / prompt, 4)


#: Model kinds whose turns cost nothing: scripted or recorded turns, not a model's.
UNPAID_KINDS = frozenset({"script", "replay", "reference"})


def cost_text(cost: float | None, model_calls: int, unpriced_calls: int,
              model_kind: str | None = "endpoint", short: bool = False) -> str:
    """A run's cost as a person should read it: never a made-up $0 for unknown prices.
    ``short``: a table cell's words (``report``)."""
    if model_kind in UNPAID_KINDS:
        return f"none ({model_kind})" if short else f"no model cost ({model_kind} model)"
    if not model_calls:
        return "none yet" if short else "no model call yet"
    if unpriced_calls >= model_calls or cost is None:
        return "unknown" if short else "cost unknown (no prices for this model)"
    if unpriced_calls:
        return f"${cost:.4f} + unknown" + (
            "" if short else f" ({unpriced_calls} calls without a price)")
    return f"${cost:.4f}"
