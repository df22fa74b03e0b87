"""Each protocol test runs against both backends unless it is marked docker-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandboxes import Sandbox, open_sandbox


@pytest.fixture(params=[pytest.param("docker", marks=pytest.mark.docker), "local"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "docker":
        request.getfixturevalue("base_image")
    return request.param


@pytest.fixture
def sb(backend: str, workspace: Path, tmp_path: Path) -> Iterator[Sandbox]:
    with open_sandbox(backend, workspace=workspace, cpus=1, memory="512m", pids=256,
                      outputs_dir=tmp_path / "outputs") as s:
        yield s


@pytest.fixture
def dsb(base_image: str, workspace: Path, tmp_path: Path) -> Iterator[Sandbox]:
    """A Docker sandbox (for the isolation guarantees LocalSandbox cannot give)."""
    with open_sandbox("docker", image=base_image, workspace=workspace, cpus=1, memory="256m",
                      pids=128, outputs_dir=tmp_path / "outputs") as s:
        yield s
