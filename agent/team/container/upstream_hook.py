#!/usr/bin/env python3
"""The upstream repository's pre-receive and post-receive hook (installed under both names).

Runs in the upstream's container, inside ``git receive-pack``, never on the host. pre-receive
bounds a push (refs per push, the repository's size); post-receive keeps every pushed state
(``refs/ultrarun/seen/<sha>``, hidden from agents by ``transfer.hideRefs``, so no force-push or
deletion can make git drop it) and appends one JSON line per push to ``/workspace/pushes.jsonl``
with who pushed it (``ULTRARUN_AGENT``, set by the gateway from the socket the push came in
on). Standard library only.
"""

import fcntl
import json
import os
import subprocess
import sys
import time

LOG = "/workspace/pushes.jsonl"
ZERO = "0" * 40
MAX_UPDATES = 64  # refs one push may change
MAX_BYTES = int(os.environ.get("ULTRARUN_UPSTREAM_MAX_BYTES", "0") or 0)  # set in the config


def repo_bytes() -> int:
    total = 0
    for folder, _dirs, files in os.walk("objects"):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except OSError:
                pass
    return total


def main() -> int:
    hook = os.path.basename(sys.argv[0])
    updates = []
    for line in sys.stdin.read(1 << 20).splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            updates.append(parts)
    if hook == "pre-receive":
        if len(updates) > MAX_UPDATES:
            print(f"upstream: a push may change at most {MAX_UPDATES} refs", file=sys.stderr)
            return 1
        if MAX_BYTES and repo_bytes() > MAX_BYTES:
            print(f"upstream: the team's repository is over its limit of {MAX_BYTES} bytes",
                  file=sys.stderr)
            return 1
        return 0
    for _old, new, _ref in updates:
        if new != ZERO:
            subprocess.run(["git", "update-ref", f"refs/ultrarun/seen/{new}", new],
                           check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    record = {"t": time.time(), "agent": os.environ.get("ULTRARUN_AGENT", ""),
              "updates": [{"old": o, "new": n, "ref": r} for o, n, r in updates]}
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (json.dumps(record) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
