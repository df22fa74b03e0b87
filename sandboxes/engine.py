"""Making sure a Docker engine answers (README, "Quick start"), and reporting on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import docker
from docker.errors import DockerException

from sandboxes.errors import HarnessError

Progress = Callable[[str], None]


class EngineUnavailable(HarnessError):
    """No Docker engine answers and none could be started; the message says what to do."""


def connect(timeout: float = 10) -> docker.DockerClient | None:
    """A client to a Docker engine that answers a ping, or None."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
        return client
    except DockerException:
        return None


#: The socket a local ``dockerd`` listens on; ``DOCKER_HOST`` naming anything else is an engine
#: we did not start and must not replace.
LOCAL_SOCKET = "unix:///var/run/docker.sock"


def other_engine() -> str | None:
    """``DOCKER_HOST`` when it names an engine other than the local default one."""
    host = os.environ.get("DOCKER_HOST", "").strip()
    return host if host and host not in (LOCAL_SOCKET, "unix:///run/docker.sock") else None


def can_self_install() -> bool:
    """Whether we may install and start Debian's docker.io ourselves (root with apt-get, and
    no ``DOCKER_HOST`` naming another engine: starting a local one would not reach it)."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None and other_engine() is None


def ensure_engine(log_dir: Path, progress: Progress, wait_s: float = 90) -> docker.DockerClient:
    """Return a client to a running engine, installing/starting ``dockerd`` when allowed."""
    client = connect()
    if client is not None:
        return client
    if (host := other_engine()) is not None:
        raise EngineUnavailable(
            f"No Docker engine answers at DOCKER_HOST={host}: start that engine, or unset "
            "DOCKER_HOST to use the local one, or run without isolation with `--sandbox local`.")
    if not can_self_install():
        raise EngineUnavailable(
            "No Docker engine answers (`docker info` fails) and this user cannot start one "
            "(that needs root with apt-get). Start Docker (Docker Desktop, or `sudo systemctl "
            "start docker`) and check that your user may use it, or run without isolation "
            "with `--sandbox local`.")
    if shutil.which("dockerd") is None:
        progress("installing Debian's docker.io (apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "docker.io", "debootstrap"]):
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                raise EngineUnavailable(f"`{' '.join(cmd)}` failed:\n{r.stderr[-2000:]}\n"
                                        "Install Docker yourself or use `--sandbox local`.")
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "dockerd.log"
    progress(f"starting dockerd (log: {log_path})")
    with open(log_path, "ab") as log:
        subprocess.Popen(["dockerd"], stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        client = connect()
        if client is not None:
            return client
        time.sleep(0.5)
    tail = log_path.read_text(errors="replace")[-1500:]
    raise EngineUnavailable(f"dockerd did not answer within {wait_s:.0f} s; the end of "
                            f"{log_path}:\n{tail}")


def engine_facts(client: docker.DockerClient) -> dict[str, str]:
    """A few facts about the engine for `sandbox doctor`."""
    info = client.info()
    return {
        "server version": str(info.get("ServerVersion", "?")),
        "cgroup": f"v{info.get('CgroupVersion', '?')} ({info.get('CgroupDriver', '?')})",
        "storage driver": str(info.get("Driver", "?")),
        "security options": ", ".join(info.get("SecurityOptions") or []) or "none",
        "cpus / memory": f"{info.get('NCPU', '?')} / "
                         f"{int(info.get('MemTotal', 0)) / 2**30:.1f} GiB",
    }
