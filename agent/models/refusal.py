"""A server that is gone, told apart from a server that is busy.

A refused connection (nothing listens on the port) after the endpoint answered earlier in the
run means its process is gone: crashed (a llama.cpp build for another CPU dies with SIGILL on
its first completion), killed, or stopped. Waiting out the whole outage budget (300-600 s)
for it wastes the run's time and hides the cause; a server restarted by hand or by a
supervisor is back within a short ``refused_budget_s`` (default 60 s for a server on this
machine, where a refused connection can only mean no process; the outage budget for a remote
one, where a load balancer may refuse while it fails over).
"""

from __future__ import annotations

import ipaddress
import time
from urllib.parse import urlsplit

#: How long a local server may refuse connections after it was reachable (default).
LOCAL_REFUSED_BUDGET_S = 60.0


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    x: BaseException | None = exc
    while x is not None and len(out) < 10:
        out.append(x)
        x = x.__cause__ or x.__context__
    return out


def is_refused(exc: BaseException) -> bool:
    """The connection was refused: nothing listens where the endpoint should be."""
    return any(isinstance(x, ConnectionRefusedError) for x in _chain(exc))


def is_dropped(exc: BaseException) -> bool:
    """The server closed the connection without an answer (it may have died answering)."""
    return any("disconnected without sending a response" in str(x)
               or isinstance(x, ConnectionResetError) for x in _chain(exc))


def is_local(base_url: str | None) -> bool:
    """Whether the endpoint is on this machine (a loopback address or localhost)."""
    host = urlsplit(base_url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class GoneWatch:
    """Follows one model call's failures: since when the endpoint, reachable before, has
    refused every connection, and whether it dropped the request before that."""

    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s
        self.since: float | None = None  # monotonic time of the first refusal in a row
        self.dropped = False  # the request was dropped just before the refusals

    def failed(self, exc: BaseException | None) -> None:
        """Note an attempt's failure (``exc`` None: not a connection failure)."""
        if exc is not None and is_refused(exc):
            self.since = self.since if self.since is not None else time.monotonic()
            return
        self.since = None
        self.dropped = exc is not None and is_dropped(exc)

    def gone_for(self) -> float | None:
        """Seconds the endpoint has refused connections in a row (None: it has not)."""
        return None if self.since is None else time.monotonic() - self.since

    def message(self, where: str, base_url: str | None) -> str:
        """Why the run stops, naming the likely cause and where to look."""
        how = ("dropped this request without an answer and has refused every connection "
               "since" if self.dropped else "has refused every connection")
        return (f"{where}: the server answered earlier in this run, then {how} for "
                f"{self.gone_for() or 0:.0f} s (refused_budget_s {self.budget_s:g}): nothing "
                f"listens at {base_url or 'the endpoint'} any more, so its process is gone "
                f"(crashed, killed or stopped). Its log says why; a llama.cpp server that dies "
                f"on its first completion with SIGILL was built for another CPU (see "
                f"docs/endpoints.md, 'A local model on any x86-64').")
