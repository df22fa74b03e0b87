"""A server that answered and then went away (its process crashed or was killed): the call
fails after ``refused_budget_s`` naming that, instead of waiting out the outage budget; a
server that is only restarting within that time is waited for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from agent.models.base import ModelError
from agent.models.openai_model import OpenAIModel
from agent.models.profiles import RetryPolicy
from agent.models.refusal import is_local
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.models.helpers import BASH_TOOL, USER

pytestmark = pytest.mark.serial  # measures how long a call waits for a dead server

RETRY = RetryPolicy(max_attempts=100, base_delay_s=0.05, max_delay_s=0.2,
                    outage_budget_s=120.0, refused_budget_s=1.5)


def test_a_server_gone_after_answering_fails_fast_naming_it(
        server: FakeOpenAIServer, make_model: Callable[..., OpenAIModel]) -> None:
    model = make_model(retry=RETRY)
    server.enqueue(Reply(content="hi"))
    assert model.complete(USER, [BASH_TOOL]).content == "hi"
    server.stop()  # the process is gone: connections are refused
    start = time.monotonic()
    with pytest.raises(ModelError) as err:
        model.complete(USER, [BASH_TOOL])
    took = time.monotonic() - start
    # The refused budget (less the wait that would overrun it), not the 120 s outage budget.
    assert 1.5 - 0.2 <= took < 5, took
    text = str(err.value)
    assert "has refused every connection for" in text and "its process is gone" in text
    assert "SIGILL" in text and err.value.retries  # the attempts are kept for the record


def test_a_server_dying_on_the_request_is_named_so(
        server: FakeOpenAIServer, make_model: Callable[..., OpenAIModel]) -> None:
    model = make_model(retry=RETRY)

    def die(_body: object) -> Reply:
        # The first completion kills the server (as a SIGILL build does): the connection is
        # dropped without an answer, then nothing listens.
        threading.Thread(target=server.stop).start()
        return Reply(drop=True, delay_s=0.3)

    server.responder = die
    with pytest.raises(ModelError) as err:
        model.complete(USER, [BASH_TOOL])
    assert "dropped this request without an answer and has refused every connection since" \
        in str(err.value)


def test_a_restart_within_the_refused_budget_is_waited_for(
        server: FakeOpenAIServer, make_model: Callable[..., OpenAIModel]) -> None:
    model = make_model(retry=RETRY.model_copy(update={"refused_budget_s": 10.0}))
    server.enqueue(Reply(content="before"))
    model.complete(USER, [BASH_TOOL])
    server.stop()
    threading.Timer(1.0, lambda: (server.enqueue(Reply(content="after")), server.start())).start()
    turn = model.complete(USER, [BASH_TOOL])
    assert turn.content == "after" and turn.retries
    assert all(r.status is None for r in turn.retries)


def test_the_default_is_short_only_for_a_server_on_this_machine() -> None:
    assert is_local("http://127.0.0.1:8080/v1") and is_local("http://localhost:11434/v1")
    assert is_local("http://[::1]:8000/v1")
    assert not is_local("https://api.deepseek.com/v1") and not is_local(None)
