"""OpenAIModel against the fake server, through the real openai client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from agent.models.base import ContextExceeded, ModelError
from agent.models.openai_model import OpenAIModel
from agent.models.profiles import ModelProfile, RetryPolicy
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.models.helpers import BASH_TOOL, FAKE_KEY, USER

Build = Callable[..., OpenAIModel]


# -- happy path and request shape ---------------------------------------------------------------

def test_tool_calls_happy_path(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(content="Let me look.",
                         tool_calls=[("bash", {"command": "ls"}), ("bash", '{"command": "pwd"}')]))
    turn = make_model().complete(USER, [BASH_TOOL])

    assert turn.content == "Let me look."
    assert [c.arguments for c in turn.tool_calls] == [{"command": "ls"}, {"command": "pwd"}]
    assert all(c.name == "bash" and c.parse_error is None for c in turn.tool_calls)
    assert turn.finish_reason == "tool_calls"
    assert turn.format_error is None and turn.retries == []
    assert turn.latency_s > 0
    # The message goes back as is: valid assistant message with raw argument strings and ids.
    msg = turn.message
    assert msg["role"] == "assistant" and msg["content"] == "Let me look."
    assert [c["function"]["arguments"] for c in msg["tool_calls"]] == [
        json.dumps({"command": "ls"}), '{"command": "pwd"}']
    assert [c["id"] for c in msg["tool_calls"]] == [c.id for c in turn.tool_calls]
    assert all(c["type"] == "function" for c in msg["tool_calls"])


def test_request_carries_profile_settings(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(content="ok"))
    model = make_model(temperature=0.3, max_tokens=123, seed=7, headers={"X-Test": "yes"},
                       extra_body={"thinking": {"type": "enabled"}})
    model.complete(USER, [BASH_TOOL])

    req = server.completion_requests[0]
    assert req.body["model"] == "fake-model"
    assert req.body["messages"] == USER
    assert req.body["tools"] == [BASH_TOOL]
    assert req.body["temperature"] == 0.3
    assert req.body["max_tokens"] == 123
    assert req.body["seed"] == 7
    assert req.body["thinking"] == {"type": "enabled"}
    assert req.header("x-test") == "yes"
    assert req.header("authorization") == f"Bearer {FAKE_KEY}"
    assert req.size_bytes == len(json.dumps(req.body).encode()) or req.size_bytes > 0


def test_unset_settings_are_omitted(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(content="ok"))
    make_model(max_tokens=50, max_tokens_param="max_completion_tokens").complete(USER, [])
    body = server.completion_requests[0].body
    assert "tools" not in body and "temperature" not in body and "seed" not in body
    assert body["max_completion_tokens"] == 50 and "max_tokens" not in body


def test_tool_results_are_native_messages(make_model: Build) -> None:
    model = make_model()
    from agent.models.base import AssistantTurn
    turn = AssistantTurn(message={"role": "assistant", "content": ""})
    assert model.tool_result_messages(turn, [("c1", "bash", "out")]) == [
        {"role": "tool", "tool_call_id": "c1", "content": "out"}]


# -- provider dialects --------------------------------------------------------------------------

def test_reasoning_content_kept_out_of_message_by_default(server: FakeOpenAIServer,
                                                          make_model: Build) -> None:
    server.enqueue(Reply(content="answer", reasoning_content="thinking hard"))
    turn = make_model().complete(USER, [])
    assert turn.reasoning == "thinking hard"
    assert "reasoning_content" not in turn.message


def test_reasoning_content_sent_back_when_profile_says(server: FakeOpenAIServer,
                                                       make_model: Build) -> None:
    server.enqueue(Reply(content="answer", reasoning_content="thinking hard"))
    turn = make_model(send_reasoning=True).complete(USER, [])
    assert turn.message["reasoning_content"] == "thinking hard"


def test_missing_usage_gives_none_counts_and_cost(server: FakeOpenAIServer,
                                                  make_model: Build) -> None:
    server.enqueue(Reply(content="x", usage=None))
    turn = make_model(price_in_per_mtok=1.0, price_out_per_mtok=2.0).complete(USER, [])
    assert turn.usage.prompt_tokens is None and turn.usage.completion_tokens is None
    assert turn.usage.cost is None


def test_cost_from_usage_and_prices(server: FakeOpenAIServer, make_model: Build) -> None:
    usage = {"prompt_tokens": 2_000_000, "completion_tokens": 500_000, "total_tokens": 2_500_000}
    server.enqueue(Reply(content="x", usage=usage), Reply(content="y", usage=usage))
    turn = make_model(price_in_per_mtok=0.15, price_out_per_mtok=0.60).complete(USER, [])
    assert turn.usage.prompt_tokens == 2_000_000 and turn.usage.completion_tokens == 500_000
    assert turn.usage.cost == pytest.approx(2 * 0.15 + 0.5 * 0.60)
    # No prices in the profile: tokens recorded, cost unknown.
    assert make_model().complete(USER, []).usage.cost is None


def test_finish_reason_length_kept(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(content="truncated ans", finish_reason="length"))
    turn = make_model().complete(USER, [])
    assert turn.finish_reason == "length" and turn.content == "truncated ans"


def test_text_only_turn(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(content="All done."))
    turn = make_model().complete(USER, [BASH_TOOL])
    assert turn.tool_calls == [] and turn.content == "All done."
    assert turn.message == {"role": "assistant", "content": "All done."}
    assert turn.finish_reason == "stop"


@pytest.mark.parametrize("raw, why", [
    ('{"command": "ls"', "not valid JSON"),
    ('["ls"]', "must be a JSON object"),
    ('"ls"', "must be a JSON object"),
])
def test_bad_arguments_give_parse_error(server: FakeOpenAIServer, make_model: Build,
                                        raw: str, why: str) -> None:
    server.enqueue(Reply(tool_calls=[("bash", raw), ("bash", {"command": "ok"})]))
    turn = make_model().complete(USER, [BASH_TOOL])
    bad, good = turn.tool_calls
    assert bad.arguments is None and why in (bad.parse_error or "")
    assert bad.raw_arguments == raw
    assert turn.message["tool_calls"][0]["function"]["arguments"] == raw
    assert good.arguments == {"command": "ok"} and good.parse_error is None


def test_empty_arguments_mean_no_arguments(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(tool_calls=[("list_files", "")]))
    call = make_model().complete(USER, []).tool_calls[0]
    assert call.arguments == {} and call.parse_error is None


def test_missing_tool_call_ids_are_generated(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(tool_calls=[("bash", {"command": "a"}), ("bash", {"command": "b"})],
                         omit_tool_call_ids=True))
    turn = make_model().complete(USER, [BASH_TOOL])
    ids = [c.id for c in turn.tool_calls]
    assert all(ids) and len(set(ids)) == 2
    assert [c["id"] for c in turn.message["tool_calls"]] == ids


def test_arguments_as_object_dialect(server: FakeOpenAIServer, make_model: Build) -> None:
    body = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": [
        {"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": None, "tool_calls": [
                {"id": "t1", "type": "function",
                 "function": {"name": "bash", "arguments": {"command": "ls"}}}]}}]}
    server.enqueue(Reply(body=body))
    turn = make_model().complete(USER, [BASH_TOOL])
    assert turn.tool_calls[0].arguments == {"command": "ls"}
    assert json.loads(turn.message["tool_calls"][0]["function"]["arguments"]) == {"command": "ls"}
    assert turn.usage.prompt_tokens is None


def test_empty_choices_is_format_error(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(empty_choices=True))
    turn = make_model().complete(USER, [])
    assert turn.format_error and "no choices" in turn.format_error
    assert turn.message == {"role": "assistant", "content": ""}
    assert turn.tool_calls == []


def test_non_json_200_is_format_error(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(body="<html>gateway</html>"))
    turn = make_model().complete(USER, [])
    assert turn.format_error and "not a JSON object" in turn.format_error


# -- faults and retries -------------------------------------------------------------------------

def test_429_retry_after_is_honoured(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply.error(429, "slow down", code="rate_limit_exceeded",
                               headers={"Retry-After": "1"}), Reply(content="ok"))
    turn = make_model().complete(USER, [])

    first, second = server.completion_requests
    assert second.arrived_at - first.arrived_at >= 1.0
    assert turn.content == "ok"
    (record,) = turn.retries
    assert record.status == 429 and record.wait_s >= 1.0 and record.attempt == 1
    assert "slow down" in record.error


def test_retry_after_is_capped(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply.error(429, headers={"Retry-After": "3600"}), Reply(content="ok"))
    waits: list[float] = []
    model = make_model(retry=RetryPolicy(base_delay_s=0.01, retry_after_cap_s=0.2))
    model._sleep = waits.append  # injectable sleep: the cap is what we would have waited
    model.complete(USER, [])
    assert waits == [0.2]


@pytest.mark.parametrize("status", [500, 502, 503, 408])
def test_server_errors_are_retried_and_recorded(server: FakeOpenAIServer, make_model: Build,
                                                status: int) -> None:
    server.enqueue(Reply.error(status, "boom"), Reply.error(status, "boom again"),
                   Reply(content="ok"))
    turn = make_model().complete(USER, [])
    assert turn.content == "ok"
    assert [r.status for r in turn.retries] == [status, status]
    assert [r.attempt for r in turn.retries] == [1, 2]
    assert all(0 < r.wait_s <= 0.05 for r in turn.retries)
    assert "boom again" in turn.retries[1].error


def test_dropped_connection_is_retried(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(drop=True), Reply(content="ok"))
    turn = make_model().complete(USER, [])
    assert turn.content == "ok"
    (record,) = turn.retries
    assert record.status is None and "connection error" in record.error


def test_slow_answer_times_out_then_succeeds(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply(content="late", delay_s=6.0), Reply(content="fast"))
    start = time.monotonic()
    turn = make_model(timeout_s=1.0).complete(USER, [])
    assert turn.content == "fast"
    (record,) = turn.retries
    assert "timeout" in record.error and record.status is None
    assert time.monotonic() - start < 5.0  # we did not wait for the slow answer


def test_refused_connection_during_outage(server: FakeOpenAIServer, make_model: Build) -> None:
    model = make_model(retry=RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.01))
    server.stop()
    with pytest.raises(ModelError) as err:
        model.complete(USER, [])
    assert "gave up after 3 attempts" in str(err.value)
    assert len(err.value.retries) == 2
    server.start()  # same port: the endpoint is back
    server.enqueue(Reply(content="back"))
    assert model.complete(USER, []).content == "back"


def test_outage_recovers_within_budget(server: FakeOpenAIServer, make_model: Build) -> None:
    server.go_down(0.3)
    server.enqueue(Reply(content="back"))
    model = make_model(retry=RetryPolicy(max_attempts=50, base_delay_s=0.05, max_delay_s=0.1,
                                         outage_budget_s=5.0))
    turn = model.complete(USER, [])
    assert turn.content == "back"
    assert turn.retries and all(r.status == 503 for r in turn.retries)


def test_outage_budget_exhausted(server: FakeOpenAIServer, make_model: Build) -> None:
    server.go_down(60)
    model = make_model(retry=RetryPolicy(max_attempts=100, base_delay_s=0.05, max_delay_s=0.05,
                                         outage_budget_s=0.2))
    with pytest.raises(ModelError) as err:
        model.complete(USER, [])
    assert "outage budget of 0.2 s exhausted" in str(err.value)
    assert err.value.status == 503
    assert sum(r.wait_s for r in err.value.retries) <= 0.2


def test_401_not_retried_and_names_key_variable(server: FakeOpenAIServer,
                                                make_model: Build) -> None:
    server.enqueue(Reply.error(401, "Incorrect API key provided", code="invalid_api_key"))
    with pytest.raises(ModelError) as err:
        make_model().complete(USER, [])
    text = str(err.value)
    assert err.value.status == 401 and err.value.retries == []
    assert "ULTRARUN_TEST_KEY" in text and "'fake'" in text and server.base_url in text
    assert len(server.completion_requests) == 1


@pytest.mark.parametrize("status, hint", [(404, "model name 'fake-model'"),
                                          (403, "access denied"),
                                          (422, "rejected the request"),
                                          (400, "rejected the request")])
def test_client_errors_not_retried(server: FakeOpenAIServer, make_model: Build,
                                   status: int, hint: str) -> None:
    server.enqueue(Reply.error(status, "nope"), Reply(content="never"))
    with pytest.raises(ModelError) as err:
        make_model().complete(USER, [])
    assert not isinstance(err.value, ContextExceeded)
    assert err.value.status == status and hint in str(err.value) and "nope" in str(err.value)
    assert len(server.completion_requests) == 1


@pytest.mark.parametrize("message, code", [
    ("This model's maximum context length is 8192 tokens.", "context_length_exceeded"),
    ("prompt is too long: 210000 tokens > 200000 maximum", None),
    ("Too many tokens in the request", None),
])
def test_context_exceeded(server: FakeOpenAIServer, make_model: Build,
                          message: str, code: str | None) -> None:
    server.enqueue(Reply.error(400, message, code=code, type="invalid_request_error"))
    with pytest.raises(ContextExceeded) as err:
        make_model().complete(USER, [])
    assert err.value.status == 400 and "context window" in str(err.value)


def test_server_prompt_limit_gives_context_exceeded(make_model: Build,
                                                    server: FakeOpenAIServer) -> None:
    server.max_prompt_tokens = 50
    server.enqueue(Reply(content="short ok"))
    model = make_model()
    assert model.complete(USER, []).content == "short ok"
    with pytest.raises(ContextExceeded):
        model.complete([*USER, {"role": "user", "content": "x" * 400}], [])


def test_retries_exhausted_carry_records(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(*[Reply.error(500, f"down {i}") for i in range(5)])
    with pytest.raises(ModelError) as err:
        make_model().complete(USER, [])
    assert "gave up after 5 attempts" in str(err.value) and "down 4" in str(err.value)
    assert err.value.status == 500 and len(err.value.retries) == 4


def test_missing_key_variable_is_named() -> None:
    profile = ModelProfile(name="p", model="m", base_url="http://127.0.0.1:9/v1",
                           api_key_env="ULTRARUN_UNSET_VAR")
    with pytest.raises(ModelError, match="ULTRARUN_UNSET_VAR is not set"):
        OpenAIModel(profile, env={}).complete(USER, [])


def test_keyless_profile_sends_placeholder(server: FakeOpenAIServer) -> None:
    server.enqueue(Reply(content="local"))
    profile = ModelProfile(name="local", model="m", base_url=server.base_url, api_key_env=None)
    assert OpenAIModel(profile, env={}).complete(USER, []).content == "local"


def test_insufficient_quota_not_retried(server: FakeOpenAIServer, make_model: Build) -> None:
    server.enqueue(Reply.error(429, "You exceeded your current quota", code="insufficient_quota"))
    with pytest.raises(ModelError, match="billing") as err:
        make_model().complete(USER, [])
    assert err.value.status == 429 and len(server.completion_requests) == 1


def test_401_on_keyless_profile_says_no_key_sent(server: FakeOpenAIServer) -> None:
    server.enqueue(Reply.error(401, "auth required"))
    profile = ModelProfile(name="local", model="m", base_url=server.base_url, api_key_env=None)
    with pytest.raises(ModelError, match="sends no key"):
        OpenAIModel(profile, env={}).complete(USER, [])
