"""A model profile aiming at the fake endpoint, for the benchmarks that run the loop against
it (prefix_cache.py, context_growth.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from tests.fakes.openai_server import FakeOpenAIServer

PROFILE = "bench"


@contextmanager
def bench_profile(server: FakeOpenAIServer, home: Path, window: int) -> Iterator[str]:
    """A ``bench`` profile for ``server`` (no key, ``window`` tokens of context) in a home of
    its own (``home``, which must not exist); ``$HOME`` points there until the block ends."""
    (home / ".config" / "ultrarun").mkdir(parents=True)
    (home / ".config" / "ultrarun" / "models.yaml").write_text(yaml.safe_dump(
        {"profiles": {PROFILE: {"model": "bench", "base_url": server.base_url,
                                "api_key_env": None, "context_window": window}}}))
    before = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        yield PROFILE
    finally:
        if before is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = before
