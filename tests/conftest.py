"""Shared fixtures: a Docker engine (required, never skipped) and sandbox factories.

A test that asks for the engine (``docker_client``, ``base_image``) is marked ``docker`` here, so
the fast lane (`make test-fast`: ``-m "not docker and not slow"``, run with ``DOCKER_HOST``
pointing nowhere) leaves it out; a test reaching Docker another way carries the mark itself, or
fails the fast lane.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from sandboxes import engine, images

DOCKER_FIXTURES = {"docker_client", "base_image"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DOCKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    """A client to the engine that `make test` ensured; fails loudly when there is none."""
    client = engine.connect()
    if client is None:
        pytest.fail("No Docker engine answers: run the suite through `make test`, which "
                    "starts one (or start Docker yourself).")
    return client


@pytest.fixture(scope="session")
def base_image(docker_client: docker.DockerClient) -> str:
    """The base image, built if missing (cached by content)."""
    images.ensure_base_image(docker_client, lambda _m: None)
    return images.BASE_IMAGE


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, one for the session (Playwright's sync API
    allows one driver per process); never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    from tests.analysis.browser import chromium

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(),
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Path]:
    ws = tmp_path / "ws"
    ws.mkdir()
    yield ws
