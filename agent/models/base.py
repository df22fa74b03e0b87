"""The seam between the loop and any model: a `Model` protocol and the typed turn it returns.

Messages are OpenAI chat-completions dicts (``{"role": ..., "content": ..., "tool_calls": ...}``)
because every supported endpoint speaks that dialect; the loop owns the history, a model only
turns a list of messages plus tool schemas into one assistant turn.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from sandboxes.errors import HarnessError, UltrarunError


class ToolCall(BaseModel):
    """One tool call as the model asked for it.

    ``arguments`` is None when ``raw_arguments`` did not parse as a JSON object; ``parse_error``
    then says why, and the loop answers the model with a tool error instead of running it.
    """

    id: str
    name: str
    arguments: dict[str, Any] | None = None
    raw_arguments: str = ""
    parse_error: str | None = None


class Usage(BaseModel):
    """Token counts by kind as the endpoint reported them (None when it did not) and the
    derived cost. Every dialect is normalised to OpenAI's sense (``agent/models/usage.py``):
    ``prompt_tokens`` counts every prompt token, cached or not; ``cached_tokens`` and
    ``cache_write_tokens`` are parts of it, ``reasoning_tokens`` a part of
    ``completion_tokens``."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None  # prompt tokens read from the provider's cache
    cache_write_tokens: int | None = None  # prompt tokens written to it (billed apart)
    reasoning_tokens: int | None = None
    cost: float | None = None

    def fields(self) -> dict[str, int | float | None]:
        """The counts as recorded on a ``model_call`` event (and a compaction's details)."""
        return self.model_dump()


class RetryRecord(BaseModel):
    """One failed attempt that was retried: what failed and how long we waited before retrying."""

    attempt: int
    error: str
    status: int | None = None
    wait_s: float


class AssistantTurn(BaseModel):
    """What one model call produced.

    ``message`` is the assistant message exactly as it goes back into the history (the loop
    appends it as is); the other fields are the parsed view of it, for tools and records.
    """

    message: dict[str, Any]
    content: str | None = None
    reasoning: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    retries: list[RetryRecord] = Field(default_factory=list)
    format_error: str | None = None  # e.g. empty choices, unparsable text action


class ModelError(HarnessError):
    """A model call failed for good (after retries, or on a non-retryable status)."""

    def __init__(self, message: str, *, status: int | None = None,
                 retries: list[RetryRecord] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retries = retries or []


class ContextExceeded(ModelError):
    """The endpoint refused the prompt as longer than its context window.

    ``window`` is the window size the endpoint named in its error text, and ``prompt_tokens``
    the size it counted for the refused prompt, when it named them.
    """

    def __init__(self, message: str, *, status: int | None = None,
                 retries: list[RetryRecord] | None = None, window: int | None = None,
                 prompt_tokens: int | None = None) -> None:
        super().__init__(message, status=status, retries=retries)
        self.window = window
        self.prompt_tokens = prompt_tokens


class DeadlineReached(ModelError):
    """The run's time budget (``--max-time``) ran out while a model call waited or retried."""


class ScriptExhausted(UltrarunError):
    """A scripted model has no turn left: the run ends with ``script_exhausted``."""


@runtime_checkable
class Model(Protocol):
    """Anything that turns a conversation into the next assistant turn.

    The loop sets ``on_retry`` (told of every failed attempt the model retries, which the run
    records) and ``deadline`` (``time.time()`` by which every call and its retries must end:
    ``--max-time`` is wall time) before its first call; a model without retries or waits only
    keeps them. ``ModelBase`` gives both, and native tool results.
    """

    name: str
    on_retry: Callable[[RetryRecord], None] | None
    deadline: float | None

    def complete(self, messages: list[dict[str, Any]],
                 tools: list[dict[str, Any]]) -> AssistantTurn:
        """Return the next assistant turn; raise ModelError, ContextExceeded or ScriptExhausted."""
        ...

    def tool_result_messages(self, turn: AssistantTurn,
                             results: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
        """History messages that answer ``turn``'s tool calls.

        ``results`` holds ``(call_id, tool_name, text)``. Native tool-calling models return
        ``native_tool_result_messages(results)``; text-action models fold them into a user turn.
        """
        ...


class ModelBase:
    """A base for a ``Model`` of your own: ``on_retry`` and ``deadline`` kept for the loop, and
    tool results as native ``role: tool`` messages. Set ``name`` and write ``complete``."""

    name: str = "model"
    on_retry: Callable[[RetryRecord], None] | None = None
    deadline: float | None = None

    def complete(self, messages: list[dict[str, Any]],
                 tools: list[dict[str, Any]]) -> AssistantTurn:
        raise NotImplementedError

    def tool_result_messages(self, turn: AssistantTurn,
                             results: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
        return native_tool_result_messages(results)


def tool_turn(calls: Sequence[tuple[str, dict[str, Any]]], content: str | None = None,
              ids: Iterator[str] | None = None) -> AssistantTurn:
    """The assistant turn that makes ``calls`` (``(tool name, arguments)``, in order) after
    saying ``content``: its history message and parsed view. ``ids`` names the calls (default:
    fresh random ids)."""
    made = [ToolCall(id=next(ids) if ids else f"call_{secrets.token_hex(6)}", name=name,
                     arguments=args, raw_arguments=json.dumps(args)) for name, args in calls]
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if made:
        message["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.raw_arguments}}
                                 for c in made]
    return AssistantTurn(message=message, content=content, tool_calls=made,
                         finish_reason="tool_calls" if made else "stop")


def native_tool_result_messages(results: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """History messages answering native tool calls: one ``role: tool`` message per result.

    ``results`` holds ``(call_id, tool_name, text shown to the model)`` in call order.
    """
    return [{"role": "tool", "tool_call_id": cid, "content": text} for cid, _name, text in results]
