"""Finding the Docker engine: a ``DOCKER_HOST`` naming another engine is never replaced by a
local ``dockerd`` (the fast lane, `make test-fast`, relies on this to keep Docker away)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandboxes import engine


def test_an_unreachable_docker_host_is_reported_and_no_daemon_is_started(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert engine.connect(timeout=2) is None
    assert not engine.can_self_install()
    with pytest.raises(engine.EngineUnavailable, match="DOCKER_HOST=unix:///nonexistent"):
        engine.ensure_engine(tmp_path, lambda _m: None, wait_s=1)
    assert not (tmp_path / "dockerd.log").exists()  # nothing was started


@pytest.mark.parametrize("host", ["", engine.LOCAL_SOCKET, "unix:///run/docker.sock"])
def test_the_local_socket_is_no_other_engine(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", host)
    assert engine.other_engine() is None
