#!/usr/bin/env python3
"""An agent's way to its team's upstream (``core.gitProxy``): runs in the agent's sandbox.

git runs it for ``git://upstream/team.git`` and speaks the git protocol over its standard
input and output; it carries both over the unix socket the harness mounted at
``/upstream/git.sock``, the only way out of a sandbox that has no network.
"""

import os
import socket
import sys
import threading

SOCKET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "git.sock")


def main() -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(SOCKET)
    except OSError as e:
        print(f"upstream: cannot reach the team's upstream at {SOCKET}: {e}", file=sys.stderr)
        return 1

    def send() -> None:
        try:
            while True:
                data = os.read(0, 65536)
                if not data:
                    break
                conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    threading.Thread(target=send, daemon=True).start()
    while True:
        data = conn.recv(65536)
        if not data:
            return 0
        view = memoryview(data)
        while view:
            view = view[os.write(1, view):]


if __name__ == "__main__":
    sys.exit(main())
