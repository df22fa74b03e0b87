"""Finding and removing containers that ultrarun left behind (`ultrarun sandbox reap`)."""

from __future__ import annotations

import socket
from typing import Any

import docker
from docker.errors import DockerException, NotFound

from sandboxes.docker_sandbox import LABEL_HOST, LABEL_MANAGED, LABEL_PID, LABEL_RUN
from sandboxes.leftovers import pid_alive


def managed_containers(client: docker.DockerClient, **label_filters: str) -> list[Any]:
    """Every container (running or not) carrying ultrarun's labels, optionally filtered."""
    labels = [f"{LABEL_MANAGED}=true", *(f"{k}={v}" for k, v in label_filters.items())]
    # ignore_removed: a neighbour's container may vanish between listing and inspecting.
    return client.containers.list(all=True, filters={"label": labels}, ignore_removed=True)


def is_orphan(container: Any) -> bool:
    """A container whose harness process (on this host) is gone."""
    labels = container.labels or {}
    if labels.get(LABEL_HOST) != socket.gethostname():
        return False  # another machine's harness: we cannot tell, leave it
    try:
        return not pid_alive(int(labels.get(LABEL_PID, "0")))
    except ValueError:
        return True


def reap(client: docker.DockerClient, *, everything: bool = False,
         run_id: str | None = None) -> list[str]:
    """Remove orphaned ultrarun containers (all of them with ``everything``); return their names."""
    filters = {LABEL_RUN: run_id} if run_id else {}
    removed = []
    for c in managed_containers(client, **filters):
        if everything or run_id or is_orphan(c):
            try:
                c.remove(force=True)
                removed.append(c.name)
            except NotFound:
                pass
            except DockerException as e:
                if "already in progress" not in str(e):
                    raise
                removed.append(c.name)
    return removed

