"""Image building is cached by content, and scenario images build FROM the base image."""

from __future__ import annotations

import io
import os
import tarfile
import time
from pathlib import Path

import docker

from sandboxes import images


def test_base_image_is_cached(docker_client: docker.DockerClient, base_image: str) -> None:
    seen: list[str] = []
    t0 = time.monotonic()
    assert images.ensure_base_image(docker_client, seen.append) is False
    assert time.monotonic() - t0 < 5 and seen == []


def test_base_image_has_the_toolchain(docker_client: docker.DockerClient,
                                      base_image: str) -> None:
    out = docker_client.containers.run(
        base_image, ["bash", "-c", "id -un; for t in gcc as ld make git python3 ps; do "
                     "command -v $t >/dev/null || echo missing $t; done"], remove=True)
    assert out.decode().split() == ["agent"]


def test_scenario_image_built_once_and_rebuilt_on_change(
        docker_client: docker.DockerClient, base_image: str, tmp_path: Path) -> None:
    ctx = tmp_path / "scn"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(f"FROM {base_image}\nCOPY hello.txt /opt/hello.txt\n")
    (ctx / "hello.txt").write_text(f"v1 {time.time_ns()}")
    log: list[str] = []
    name = f"t-img-{os.getpid()}"  # concurrent suites (other checkouts) never share it
    tag1 = images.ensure_scenario_image(docker_client, name, ctx, "Dockerfile", log.append)
    assert log, "first build should report progress"
    log.clear()
    assert images.ensure_scenario_image(docker_client, name, ctx, "Dockerfile",
                                        log.append) == tag1
    assert log == []
    (ctx / "hello.txt").write_text("v2")
    tag2 = images.ensure_scenario_image(docker_client, name, ctx, "Dockerfile", log.append)
    assert tag2 != tag1
    # Read from the image's filesystem, not a container's log: the log of a container that
    # exits at once was seen empty on a loaded engine.
    box = docker_client.containers.create(tag2, ["true"])
    try:
        stream, _ = box.get_archive("/opt/hello.txt")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.extractfile("hello.txt")
            assert member is not None and member.read() == b"v2"
    finally:
        box.remove(force=True)
    for t in (tag1, tag2):
        docker_client.images.remove(t, force=True)


def test_host_mirror_is_read_from_apt_sources() -> None:
    assert images.host_debian_mirror().startswith("http")
