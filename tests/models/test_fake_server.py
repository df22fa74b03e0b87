"""The fake server itself, driven by the real openai client."""

from __future__ import annotations

import threading
from typing import Any

import openai
import pytest

from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.models.helpers import USER as _USER

USER: Any = _USER  # the typed client wants TypedDict messages; these are plain dicts


def client(server: FakeOpenAIServer, timeout: float = 5.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=timeout)


def test_models_endpoint() -> None:
    with FakeOpenAIServer(models=["a", "b"]) as server:
        assert [m.id for m in client(server).models.list()] == ["a", "b"]
        assert server.requests[0].method == "GET"


def test_typed_client_parses_replies(server: FakeOpenAIServer) -> None:
    server.enqueue(Reply(content="hi", tool_calls=[("bash", {"command": "ls"})]))
    out = client(server).chat.completions.create(model="m", messages=USER)
    msg = out.choices[0].message
    assert msg.content == "hi" and msg.tool_calls
    call: Any = msg.tool_calls[0]  # a union with custom tool calls, which have no .function
    assert call.function.name == "bash"
    assert out.usage is not None and out.usage.prompt_tokens > 0
    req = server.completion_requests[0]
    assert req.body["messages"] == USER and req.size_bytes > 0


def test_responder_after_queue_and_default_500(server: FakeOpenAIServer) -> None:
    calls: list[Any] = []

    def respond(body: Any) -> Reply:
        calls.append(body)
        return Reply(content=f"echo {len(body['messages'])}")

    server.enqueue(Reply(content="queued"))
    c = client(server)
    assert c.chat.completions.create(model="m", messages=USER).choices[0].message.content == (
        "queued")
    with pytest.raises(openai.InternalServerError, match="no scripted reply"):
        c.chat.completions.create(model="m", messages=USER)
    server.responder = respond
    assert c.chat.completions.create(model="m", messages=USER).choices[0].message.content == (
        "echo 2")
    assert len(calls) == 1 and server.pending == 0


def test_faults(server: FakeOpenAIServer) -> None:
    server.enqueue(Reply.error(429, headers={"Retry-After": "1"}), Reply(drop=True),
                   Reply(delay_s=3.0, content="late"), Reply.context_exceeded())
    c = client(server, timeout=30)  # only the late reply's call has a short one
    with pytest.raises(openai.RateLimitError) as rate:
        c.chat.completions.create(model="m", messages=USER)
    assert rate.value.response.headers["retry-after"] == "1"
    with pytest.raises(openai.APIConnectionError):
        c.chat.completions.create(model="m", messages=USER)
    with pytest.raises(openai.APITimeoutError):
        c.with_options(timeout=0.5).chat.completions.create(model="m", messages=USER)
    with pytest.raises(openai.BadRequestError) as bad:
        c.chat.completions.create(model="m", messages=USER)
    assert bad.value.code == "context_length_exceeded"


def test_prompt_char_limit(server: FakeOpenAIServer) -> None:
    server.max_prompt_chars = 200
    with pytest.raises(openai.BadRequestError, match="maximum context length"):
        client(server).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "x" * 300}])


def test_stop_refuses_and_start_reuses_port(server: FakeOpenAIServer) -> None:
    port = server.port
    server.stop()
    with pytest.raises(openai.APIConnectionError):
        client(server).models.list()
    server.start()
    assert server.port == port
    assert client(server).models.list().data[0].id == "fake-model"


def test_concurrent_requests_each_get_one_reply(server: FakeOpenAIServer) -> None:
    n = 16
    server.enqueue(*[Reply(content=str(i), delay_s=0.05) for i in range(n)])
    got: list[str] = []
    lock = threading.Lock()

    def call() -> None:
        out = client(server).chat.completions.create(model="m", messages=USER)
        with lock:
            got.append(out.choices[0].message.content or "")

    threads = [threading.Thread(target=call) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got, key=int) == [str(i) for i in range(n)]
    assert len(server.completion_requests) == n
