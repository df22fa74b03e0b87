"""The API key value never shows in errors, reprs, records or turn dumps."""

from __future__ import annotations

import traceback
from collections.abc import Callable

import pytest

from agent.models.base import ModelError
from agent.models.openai_model import OpenAIModel
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.models.helpers import FAKE_KEY, USER


def full_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc) + "".join(
        r.model_dump_json() for r in getattr(exc, "retries", []))


def test_key_never_leaks(server: FakeOpenAIServer, make_model: Callable[..., OpenAIModel]) -> None:
    # A server echoing the key back in its errors, as some gateways do.
    def echo(status: int, headers: dict[str, str] | None = None) -> Reply:
        return Reply.error(status, f"bad request with key {FAKE_KEY}", headers=headers)

    model = make_model(price_in_per_mtok=1.0, price_out_per_mtok=1.0)
    server.enqueue(echo(500), Reply(drop=True), Reply(content="ok", tool_calls=[("bash", "{")]))
    turn = model.complete(USER, [])
    assert turn.retries and FAKE_KEY not in turn.model_dump_json()
    assert FAKE_KEY not in repr(turn) and FAKE_KEY not in repr(model) and FAKE_KEY not in str(
        vars(model.profile))

    seen: list[str] = []
    for status in (401, 403, 404, 400, 422):
        server.enqueue(echo(status))
        with pytest.raises(ModelError) as err:
            model.complete(USER, [])
        seen.append(full_text(err.value))
    server.enqueue(*[echo(503) for _ in range(5)])
    with pytest.raises(ModelError) as err:
        model.complete(USER, [])
    seen.append(full_text(err.value))
    for text in seen:
        assert FAKE_KEY not in text
    assert "***" in seen[0]  # the echoed key was scrubbed, not the whole message dropped
    # The key did reach the server (so the scan above is meaningful).
    assert server.completion_requests[0].header("authorization") == f"Bearer {FAKE_KEY}"
