"""Faults a real server showed (issue 13), reproduced on the fake server through the real client:
null content next to tool calls, identical errors, budgets during waits, context windows."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from agent.models.base import ContextExceeded, DeadlineReached, ModelError
from agent.models.context_limits import window_from_error, window_from_models, window_from_props
from agent.models.openai_model import OpenAIModel
from agent.models.profiles import RetryPolicy
from agent.models.recorded import RecordedTurnsModel
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.models.helpers import BASH_TOOL, USER


def test_tool_call_turn_goes_back_with_a_string_content(
        server: FakeOpenAIServer, make_model: Callable[..., OpenAIModel]) -> None:
    server.reject_null_content = True  # as llama-cpp-python: HTTP 500 on content null
    server.enqueue(Reply(tool_calls=[("bash", {"command": "ls"})]),  # content: null on the wire
                   Reply(content="done"))
    model = make_model()
    turn = model.complete(USER, [BASH_TOOL])
    assert turn.message["content"] == "" and turn.tool_calls
    history = [*USER, turn.message, *model.tool_result_messages(turn, [
        (turn.tool_calls[0].id, "bash", "a.txt")])]
    assert model.complete(history, [BASH_TOOL]).content == "done"
    sent = server.completion_requests[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "assistant"] == [""]
    assert server.completion_requests[0].body["tool_choice"] == "auto"


def test_a_recorded_null_content_is_sent_as_empty_string(
        server: FakeOpenAIServer, make_model: Callable[..., OpenAIModel]) -> None:
    # Runs recorded before the fix hold nulls; resuming them must not hit the 500 again.
    server.reject_null_content = True
    server.enqueue(Reply(content="ok"))
    old = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "bash", "arguments": "{}"}}]}
    history = [*USER, old, {"role": "tool", "tool_call_id": "c1", "content": "x"}]
    assert make_model().complete(history, [BASH_TOOL]).content == "ok"
    assert RecordedTurnsModel([old]).complete([], []).message["content"] == ""


def test_identical_server_errors_stop_after_three(
        server: FakeOpenAIServer, make_model: Callable[..., OpenAIModel]) -> None:
    server.responder = lambda _body: Reply.error(500, "Jinja template error: content is None")
    model = make_model(retry=RetryPolicy(max_attempts=20, base_delay_s=0.01, max_delay_s=0.02))
    with pytest.raises(ModelError) as info:
        model.complete(USER, [BASH_TOOL])
    assert len(server.completion_requests) == 3
    message = str(info.value)
    assert "HTTP 500" in message and "Jinja template error: content is None" in message
    assert "not an outage" in message and info.value.status == 500


def test_outage_statuses_and_varying_errors_keep_retrying(
        server: FakeOpenAIServer, make_model: Callable[..., OpenAIModel]) -> None:
    server.enqueue(*[Reply.error(503, "overloaded") for _ in range(4)],
                   Reply.error(500, "a"), Reply.error(500, "b"), Reply.error(500, "a"),
                   Reply(content="back"))
    model = make_model(retry=RetryPolicy(max_attempts=20, base_delay_s=0.01, max_delay_s=0.02))
    turn = model.complete(USER, [BASH_TOOL])
    assert turn.content == "back" and len(turn.retries) == 7


def test_deadline_cuts_a_hanging_call(server: FakeOpenAIServer,
                                      make_model: Callable[..., OpenAIModel]) -> None:
    server.enqueue(Reply(delay_s=20, content="too late"))
    model = make_model(timeout_s=60.0)
    model.deadline = time.time() + 1.5
    start = time.monotonic()
    with pytest.raises(DeadlineReached, match="max-time"):
        model.complete(USER, [BASH_TOOL])
    assert time.monotonic() - start < 4.0


def test_a_backoff_never_sleeps_past_the_deadline(
        server: FakeOpenAIServer, make_model: Callable[..., OpenAIModel]) -> None:
    server.responder = lambda _b: Reply.error(503, "busy", headers={"Retry-After": "30"})
    model = make_model(retry=RetryPolicy(retry_after_cap_s=30, base_delay_s=0.01))
    model.deadline = time.time() + 2.0
    start = time.monotonic()
    with pytest.raises(DeadlineReached) as info:
        model.complete(USER, [BASH_TOOL])
    assert time.monotonic() - start < 2.5
    assert "503" in str(info.value) and len(server.completion_requests) == 1


def test_outage_budget_counts_attempts_not_only_sleeps(
        server: FakeOpenAIServer, make_model: Callable[..., OpenAIModel]) -> None:
    server.responder = lambda _b: Reply(delay_s=5, content="slow")
    model = make_model(timeout_s=1.0, retry=RetryPolicy(max_attempts=50, base_delay_s=0.01,
                                                        max_delay_s=0.02, outage_budget_s=2.5))
    start = time.monotonic()
    with pytest.raises(ModelError, match=r"outage budget of 2\.5 s"):
        model.complete(USER, [BASH_TOOL])
    # The first attempt (1 s) is before the outage; then at most 2.5 s of retrying.
    assert time.monotonic() - start < 4.5
    assert len(server.completion_requests) <= 4


@pytest.mark.parametrize("text, window", [
    ("This model's maximum context length is 2048 tokens. However, you requested 2399 tokens "
     "(2143 in the messages, 256 in the completion). Please reduce the length of the messages "
     "or completion.", 2048),  # llama-cpp-python's server, OpenAI, vLLM
    ("Requested tokens (2100) exceed context window of 2048", 2048),  # llama-cpp-python raw
    ("the request exceeds the available context size (4096 tokens), try increasing it", 4096),
    ("prompt is too long: 210000 tokens > 200000 maximum", 200000),  # Anthropic
    ("Please reduce the length of the messages.", None),
])
def test_window_from_error_texts(text: str, window: int | None) -> None:
    assert window_from_error(text) == window


def test_window_from_server_metadata() -> None:
    listing = {"data": [{"id": "a", "max_model_len": 32768}, {"id": "b", "context_length": 8000}]}
    assert window_from_models(listing, "a") == 32768
    assert window_from_models(listing, "b") == 8000
    assert window_from_models(listing, "c") is None  # several models, none of them ours
    assert window_from_models({"data": [{"id": "x", "owned_by": "me"}]}, "y") is None
    assert window_from_props({"default_generation_settings": {"n_ctx": 2048}}) == 2048
    assert window_from_props({"n_ctx": 512}) == 512 and window_from_props([]) is None


def test_probe_context_window(server: FakeOpenAIServer,
                              make_model: Callable[..., OpenAIModel]) -> None:
    model = make_model()
    assert model.probe_context_window() is None  # the fake says nothing by default
    server.props = {"default_generation_settings": {"n_ctx": 2048}}
    assert model.probe_context_window() == (2048, "GET /props")
    server.model_meta = {"max_model_len": 4096}
    assert model.probe_context_window() == (4096, "GET /models")


def test_context_error_carries_the_window(server: FakeOpenAIServer,
                                          make_model: Callable[..., OpenAIModel]) -> None:
    server.enqueue(Reply.context_exceeded(limit=3000, got=5000))
    with pytest.raises(ContextExceeded) as info:
        make_model().complete(USER, [BASH_TOOL])
    assert info.value.window == 3000
