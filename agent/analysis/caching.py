"""Prompt caching figures of one run: the endpoint's cache counts and the prefix stability of
the requests (see docs/metrics.md, ``caching``)."""

from __future__ import annotations

from pydantic import BaseModel

from agent.models.usage import cache_hit_rate
from agent.trajectory import LoadedRun
from agent.trajectory.events import ContextEvent, ModelCall
from agent.trajectory.reader import totals_from_events
from agent.trajectory.run_info import Totals

#: A request repeating less than this share of the previous one's start is a prefix break.
BREAK_BELOW = 0.5


class PrefixStability(BaseModel):
    """How much of each request repeated the previous request's start (JSON characters)."""

    requests: int  # requests measured (a session's first has nothing to repeat)
    share: float | None  # repeated characters / characters, over those requests
    mean_share: float | None  # the mean of each request's share
    breaks: int  # requests that repeated less than BREAK_BELOW of their characters


class Caching(BaseModel):
    tokens_cached: int  # prompt tokens the endpoint read from its cache
    tokens_cache_write: int  # prompt tokens it wrote to it (where it says)
    tokens_reasoning: int  # completion tokens spent reasoning (where it says)
    cache_hit_rate: float | None  # tokens_cached / prompt tokens; None: no call reported it
    context: str  # the policy the requests went through ("full → compact" after a fallback)
    prefix: PrefixStability
    prefix_by_context: dict[str, PrefixStability]  # the same, per policy in effect


def _stability(pairs: list[tuple[int, int]]) -> PrefixStability:
    chars = sum(n for n, _ in pairs)
    shares = [p / n for n, p in pairs]
    return PrefixStability(
        requests=len(pairs), share=round(sum(p for _, p in pairs) / chars, 4) if chars else None,
        mean_share=round(sum(shares) / len(shares), 4) if shares else None,
        breaks=sum(s < BREAK_BELOW for s in shares))


def compute_caching(run: LoadedRun, counted: Totals | None = None) -> Caching:
    """Cache counts and prefix stability from the model_call events (``counted``: the run's
    totals counted from them already)."""
    t = counted or totals_from_events(run.events)
    policy = run.info.context if run.info is not None else "full"
    policies = [policy]
    by_policy: dict[str, list[tuple[int, int]]] = {}
    for e in run.events:
        if isinstance(e, ContextEvent) and e.action == "fallback":
            policy = str(e.details.get("to") or "compact")
            policies.append(policy)
        elif isinstance(e, ModelCall) and e.request_chars and e.prefix_chars is not None:
            by_policy.setdefault(policy, []).append((e.request_chars, e.prefix_chars))
    every = [pair for pairs in by_policy.values() for pair in pairs]
    return Caching(
        tokens_cached=t.tokens_cached, tokens_cache_write=t.tokens_cache_write,
        tokens_reasoning=t.tokens_reasoning,
        cache_hit_rate=cache_hit_rate(t.tokens_cached, t.tokens_in, t.cache_reported_calls),
        context=" → ".join(policies), prefix=_stability(every),
        prefix_by_context={k: _stability(v) for k, v in by_policy.items()})
