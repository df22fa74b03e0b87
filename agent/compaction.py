"""Compaction's model call and its last resort, for the loop (which decides when).

``summarize`` asks the model for the summary that replaces the history (a request that holds
only as much of the history as fits half the window). ``fit_summary`` cuts the summary message
(summary and notes) in its middle when the compacted request would not fit the window (a huge
notes file, a long summary), or did not (a server that counts far more tokens than estimated):
instead of compacting again and again to the same size.
"""

from __future__ import annotations

from typing import Any

from agent.context import estimate_tokens, summary_request
from agent.models.base import Model, ModelError, ScriptExhausted
from agent.stop import StopSignal

#: A compacted request is cut to this share of the window (the rest is for the answer and
#: the next steps' growth).
CUT_SHARE = 0.5
#: A summary is never cut below this many estimated tokens.
MIN_SUMMARY_TOKENS = 64


def summarize(model: Model, stop: StopSignal, messages: list[dict[str, Any]], prompt: str,
              budget_tokens: int) -> tuple[str | None, dict[str, Any]]:
    """The model's summary of ``messages`` (None when the call failed) and what to record of
    the call: its usage, latency and retries, or the error."""
    ask = summary_request(messages, prompt, budget_tokens)
    try:
        with stop.waiting():
            turn = model.complete(ask, [])
    except (ModelError, ScriptExhausted) as e:
        failed = e.retries if isinstance(e, ModelError) else []
        return None, {"summary_error": str(e)[:300],
                      "retries": [r.model_dump() for r in failed]}
    return turn.content, {**turn.usage.fields(), "latency_s": turn.latency_s,
                          "retries": [r.model_dump() for r in turn.retries],
                          "summary_request_est_tokens": estimate_tokens(ask)}


def _cut_middle(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = max(0, limit // 2 - 60)
    return (f"{text[:half]}\n[... {len(text) - 2 * half} characters of the summary and notes "
            f"cut to fit the context window ...]\n{text[len(text) - half:]}")


def fit_summary(summary: dict[str, Any], head_tokens: float, window: int, density: float,
                share: float = CUT_SHARE) -> dict[str, Any]:
    """``summary`` as it is when it and the head (system prompt, task and tool schemas,
    ``head_tokens`` endpoint tokens) fill at most ``share`` of ``window``, counting
    ``density`` endpoint tokens per estimated token of the summary; else cut in its middle to
    fit (to ``MIN_SUMMARY_TOKENS`` when the head alone fills that share: then only the
    endpoint can say whether it fits)."""
    room = max(MIN_SUMMARY_TOKENS, (window * share - head_tokens) / max(density, 0.01))
    if estimate_tokens([summary]) <= room:
        return summary
    return {**summary, "content": _cut_middle(str(summary.get("content") or ""), int(room * 4))}


def cut_to_count(summary: dict[str, Any], counted: int, head_tokens: float, window: int,
                 share: float) -> dict[str, Any]:
    """``summary`` cut in proportion to what the endpoint counted for the request it refused
    (``counted`` tokens, ``head_tokens`` of them the head's), so that the request fills
    ``share`` of ``window``: exact whatever the text's density, where an estimate is not."""
    text = str(summary.get("content") or "")
    own = max(1.0, counted - head_tokens)
    keep = max(MIN_SUMMARY_TOKENS * 4, int(len(text) * (window * share - head_tokens) / own))
    return {**summary, "content": _cut_middle(text, keep)}
