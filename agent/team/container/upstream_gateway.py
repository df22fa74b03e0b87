"""The team's upstream gateway: runs in the upstream's container (never on the host).

It listens on one unix socket per agent (``/workspace/sockets/<agent>/git.sock``; each agent's
sandbox sees only its own folder, read-only, at ``/upstream``) and serves the git protocol on
each connection: it reads the ``git://`` request line, allows only fetching from and pushing
to ``/team.git``, and runs ``git upload-pack`` or ``git receive-pack`` on the bare repository
with the connection as its standard input and output. Which socket a connection came in on is
who pushed: the hooks get it as ``ULTRARUN_AGENT``, which no agent can forge (an agent has
no network and no other socket). Standard library only; it lives as long as its container
(which stops when the harness is gone).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

REPO = "/workspace/team.git"
SOCKETS = "/workspace/sockets"
PATHS = {"/team.git", "/team.git/", "/team", "/team/"}
SERVICES = {"git-upload-pack": "upload-pack", "git-receive-pack": "receive-pack"}
MAX_CONNECTIONS = 8  # per agent at once; more are closed unanswered
REQUEST_TIMEOUT_S = 20.0


def read_request(conn: socket.socket) -> bytes | None:
    """The first pkt-line of a ``git://`` connection, or None when it is not one."""
    conn.settimeout(REQUEST_TIMEOUT_S)
    head = b""
    while len(head) < 4:
        chunk = conn.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    try:
        size = int(head, 16)
    except ValueError:
        return None
    if not 4 < size <= 4096:
        return None
    body = b""
    while len(body) < size - 4:
        chunk = conn.recv(size - 4 - len(body))
        if not chunk:
            return None
        body += chunk
    conn.settimeout(None)
    return body


def serve(conn: socket.socket, agent: str, slots: threading.BoundedSemaphore) -> None:
    try:
        request = read_request(conn)
        if request is None:
            return
        command, _, rest = request.partition(b" ")
        path, _, extra = rest.partition(b"\0")
        service = SERVICES.get(command.decode("ascii", "replace"))
        if service is None or path.decode("utf-8", "replace") not in PATHS:
            return
        versions = [p.decode("ascii", "replace") for p in extra.split(b"\0")
                    if p.startswith(b"version=")]
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
               "ULTRARUN_AGENT": agent, "ULTRARUN_UPSTREAM_MAX_BYTES":
               os.environ.get("ULTRARUN_UPSTREAM_MAX_BYTES", "0")}
        if versions:
            env["GIT_PROTOCOL"] = ":".join(versions)
        args = ["git", service]
        if service == "upload-pack":
            args += ["--strict", "--timeout=600"]
        subprocess.run([*args, REPO], stdin=conn.fileno(), stdout=conn.fileno(),
                       stderr=subprocess.DEVNULL, env=env, check=False)
    except OSError:
        pass
    finally:
        conn.close()
        slots.release()


def listen(agent: str) -> None:
    path = f"{SOCKETS}/{agent}/git.sock"
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".new")
    os.chmod(path + ".new", 0o777)  # agents run as the same uid; the folder is theirs only
    os.rename(path + ".new", path)  # appears only once it accepts
    server.listen(16)
    slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
    while True:
        conn, _ = server.accept()
        if not slots.acquire(blocking=False):
            conn.close()
            continue
        threading.Thread(target=serve, args=(conn, agent, slots), daemon=True).start()


def main() -> None:
    agents = [a for a in sys.argv[1].split(",") if a]
    threads = [threading.Thread(target=listen, args=(agent,), daemon=True) for agent in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
