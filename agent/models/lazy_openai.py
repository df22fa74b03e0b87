"""The ``openai`` package, imported on first use: scripted, replayed and reference runs (and
resume, which rebuilds turns with ``turn_from_message``) never pay its ~0.5 s."""

from __future__ import annotations

from typing import Any


class _LazyOpenAI:
    def __getattr__(self, name: str) -> Any:
        import openai

        return getattr(openai, name)


openai = _LazyOpenAI()
