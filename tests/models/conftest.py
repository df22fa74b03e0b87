"""Fixtures for model tests: a live fake OpenAI server and models pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from agent.models.openai_model import OpenAIModel
from agent.models.profiles import ModelProfile
from tests.fakes.openai_server import FakeOpenAIServer
from tests.models.helpers import FAKE_KEY, FAST_RETRY, KEY_ENV


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    """A started fake server with an empty reply queue."""
    with FakeOpenAIServer() as srv:
        yield srv


@pytest.fixture
def make_model(server: FakeOpenAIServer) -> Callable[..., OpenAIModel]:
    """Build an OpenAIModel aimed at ``server`` with a fake key and millisecond backoff."""

    def build(**fields: Any) -> OpenAIModel:
        base: dict[str, Any] = {"name": "fake", "model": "fake-model",
                                "base_url": server.base_url, "api_key_env": KEY_ENV,
                                "timeout_s": 5.0, "retry": FAST_RETRY}
        return OpenAIModel(ModelProfile(**{**base, **fields}), env={KEY_ENV: FAKE_KEY})

    return build
