"""The thaw guard: ``python -m sandboxes.thaw_guard CONTAINER_ID``.

Started by ``DockerFreezer`` in a session of its own, with the harness's environment (so
``docker.from_env()`` reaches the same engine). The harness writes ``frozen`` before it
pauses the container and ``thawed`` after it unpauses it; ``exit`` ends the guard. When its
stdin closes without ``exit`` (the harness died, however it died) while the last word was
``frozen``, it unpauses the container: no crash leaves a container frozen for good.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    container_id = argv[1]
    frozen = False
    for line in sys.stdin:
        word = line.strip()
        if word == "exit":
            return 0
        frozen = word == "frozen"
    if frozen:
        import docker

        from sandboxes.sealing import _unpause

        _unpause(docker.from_env().api, container_id, attempts=20)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
