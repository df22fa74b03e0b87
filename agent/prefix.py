"""Prefix stability: how much of each request repeats the start of the previous one exactly.

Providers' prompt caches (OpenAI, DeepSeek, GLM, Moonshot, Anthropic through a gateway, and
llama.cpp's own KV cache) only ever reuse an exact prefix of an earlier request: a context
policy that rewrites an early message (a stub, a dropped step, a summary) makes everything
after it a cache miss. The loop measures every request it sends, in JSON characters of its
messages (the provider's tokens are not known before the answer, and a tokenizer per model
is not ours to ship), and records the figures on the ``model_call`` event; ``report`` sums
them per run. The figure is an upper bound of what a cache can hit: providers cache in blocks
(OpenAI: 128 tokens, from 1,024) and evict.
"""

from __future__ import annotations

import json
from typing import Any

Message = dict[str, Any]


def common_prefix(a: str, b: str) -> int:
    """Length of the common start of ``a`` and ``b`` (a binary search over C-speed slice
    comparisons: a long message costs microseconds, not a Python loop per character)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


class PrefixTracker:
    """Measures successive requests of one session (a resumed run starts a new one).

    Messages are serialised once each: the conversation's dicts are not changed once added,
    so a message seen in the previous request (the same object) costs one identity check.
    """

    def __init__(self) -> None:
        self._prev: list[tuple[Message, str]] = []

    @staticmethod
    def _text(message: Message) -> str:
        return json.dumps(message, ensure_ascii=False, sort_keys=True)

    def measure(self, messages: list[Message]) -> tuple[int, int | None]:
        """``(request_chars, prefix_chars)`` of this request; ``prefix_chars`` is None for the
        first request of the session (there is nothing to repeat)."""
        prev = self._prev
        # ``prev`` holds its messages, so an id found here is still that message's.
        seen = {id(m): text for m, text in prev}
        current = [(m, seen.get(id(m)) or self._text(m)) for m in messages]
        total = sum(len(t) for _, t in current)
        prefix: int | None = None
        if prev:
            prefix = 0
            for (m, text), (pm, ptext) in zip(current, prev, strict=False):
                if m is pm or text == ptext:
                    prefix += len(text)
                    continue
                prefix += common_prefix(text, ptext)
                break
        self._prev = current
        return total, prefix
