"""A multi-node Ray cluster on this machine, for tests and benchmarks (not for production).

Every node is a separate raylet bound to 127.0.0.1, offering ``{"sandbox": N}``; token
authentication is on (``RAY_AUTH_MODE=token`` with a fresh token), exactly as on a real cluster
where every node and the driver get the same token (see docs/scale.md).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

#: Faster failure detection than Ray's defaults, so a killed node is noticed in seconds.
FAST_HEALTH = {"health_check_period_ms": 1000, "health_check_timeout_ms": 1000,
               "health_check_failure_threshold": 3}


@contextmanager
def cluster_env(token: str | None = None) -> Iterator[str]:
    """The environment the cluster's processes inherit: token auth, loopback addresses."""
    token = token or secrets.token_hex(24)
    want = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token,
            # Ray's switch to keep every address on 127.0.0.1 (no LAN address is used).
            "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
            "RAY_USAGE_STATS_ENABLED": "0"}
    saved = {k: os.environ.get(k) for k in want}
    os.environ.update(want)
    try:
        yield token
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def local_cluster(sandboxes: Sequence[int] = (2, 2, 2), *, cpus_per_node: int = 1,
                  token: str | None = None) -> Iterator[Any]:
    """Start ``len(sandboxes)`` nodes (the first is the head); yield the ray Cluster.

    Ray keeps the first token it reads for the life of the process: a process that starts
    several clusters passes the same ``token`` to each.
    """
    with cluster_env(token):
        from ray.cluster_utils import Cluster  # Ray reads RAY_AUTH_MODE when first loaded

        args: dict[str, Any] = {"num_cpus": cpus_per_node, "include_dashboard": False}
        cluster = Cluster(initialize_head=True, connect=False,
                          head_node_args={**args, "resources": {"sandbox": sandboxes[0]},
                                          "_system_config": FAST_HEALTH})
        try:
            for n in sandboxes[1:]:
                cluster.add_node(**args, resources={"sandbox": n})
            cluster.wait_for_nodes()
            yield cluster
        finally:
            cluster.shutdown()
