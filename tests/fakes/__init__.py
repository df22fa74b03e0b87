"""Test doubles that speak real protocols (e.g. an OpenAI-compatible HTTP server)."""

from tests.fakes.openai_server import FakeOpenAIServer, RecordedRequest, Reply

__all__ = ["FakeOpenAIServer", "RecordedRequest", "Reply"]
