"""What an endpoint says of its context window: the window and the refused prompt's size in a
context-length error's text, the window in ``GET /models`` (vLLM, OpenRouter, LM Studio) and in
llama.cpp's ``GET /props``. Read by ``OpenAIModel``; the loop learns the window and grounds its
estimate in the counts (agent/token_gauge.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Where a context-length error names the window: OpenAI and vLLM ("maximum context length is
# N"), llama-cpp-python ("context window of N"), llama.cpp's server ("available context size
# (N tokens)"), Anthropic ("N tokens > M maximum").
_WINDOW_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    r"maximum context length is (\d+)", r"context window of (\d+)",
    r"context size \((\d+) tokens?\)", r"context length (?:of|is) (\d+)",
    r"tokens? > (\d+) maximum", r"n_ctx\W{1,3}(\d+)")]
# Where it names the refused prompt's size: llama-cpp-python ("Requested tokens (N) exceed"),
# llama.cpp's server ("request (N tokens) exceeds" or "n_prompt_tokens": N in newer builds),
# OpenAI ("your messages resulted in N tokens"), OpenAI and vLLM ("N in the messages"),
# Anthropic ("prompt is too long: N tokens > M maximum").
_PROMPT_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    r"requested tokens \((\d+)\)", r"request \((\d+) tokens?\)", r"resulted in (\d+) tokens",
    r"\((\d+) in the messages", r"too long: (\d+) tokens", r"n_prompt_tokens\W{1,3}(\d+)")]
_WINDOW_KEYS = ("max_model_len", "context_length", "context_window", "max_context_length",
                "n_ctx")
_CONTEXT_PATTERNS = re.compile(
    r"context_length_exceeded|exceed_context_size|maximum context length|context length|"
    r"context window|available context size|"
    r"too many tokens|prompt is too long|input is too long|reduce the length|"
    r"exceeds the (?:model'?s? )?(?:maximum|context)|string_above_max_length",
    re.IGNORECASE,
)


def is_context_error(text: str) -> bool:
    """Whether an error body says the prompt is longer than the context window."""
    return _CONTEXT_PATTERNS.search(text) is not None


def window_from_error(text: str) -> int | None:
    """The context window size named in a context-length error message, if any."""
    for pattern in _WINDOW_PATTERNS:
        if (m := pattern.search(text)) and 128 <= (n := int(m.group(1))) <= 100_000_000:
            return n
    return None


def prompt_from_error(text: str) -> int | None:
    """The refused prompt's size in tokens named in a context-length error message, if any."""
    for pattern in _PROMPT_PATTERNS:
        if (m := pattern.search(text)) and 0 < (n := int(m.group(1))) <= 100_000_000:
            return n
    return None


def window_from_models(data: Any, model: str) -> int | None:
    """The context window in a ``GET /models`` answer (vLLM ``max_model_len``, OpenRouter or
    LM Studio ``context_length``...) for ``model``, or for the only model listed."""
    entries = data.get("data") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        return None
    entries = [e for e in entries if isinstance(e, Mapping)]
    mine = [e for e in entries if e.get("id") == model] or (entries if len(entries) == 1 else [])
    for entry in mine:
        for key in _WINDOW_KEYS:
            value = entry.get(key)
            if isinstance(value, int) and value > 0:
                return value
    return None


def window_from_props(data: Any) -> int | None:
    """The context window in llama.cpp's ``GET /props`` answer."""
    if not isinstance(data, Mapping):
        return None
    settings = data.get("default_generation_settings")
    for value in ((settings or {}).get("n_ctx") if isinstance(settings, Mapping) else None,
                  data.get("n_ctx")):
        if isinstance(value, int) and value > 0:
            return value
    return None
