"""The viewer's web server: Starlette routes over the catalog and the run trackers, served by
uvicorn on 127.0.0.1 (elsewhere only with a token).

The server never runs anything from a run and never writes a run folder: it reads run.json,
events.jsonl (``RunTracker``), outputs/ and snapshots.git (locked-down git, commit ids checked).
Every response carries a strict Content-Security-Policy (scripts and styles from this server
only, no inline script, no framing); the page puts run text in the DOM as text.

Access: bound to a loopback address, requests must name a loopback host (a DNS-rebinding page
cannot reach the API); bound elsewhere, every request needs the token (``?token=`` once, then
a cookie; or ``Authorization: Bearer``).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import mimetypes
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent.trajectory.catalog import RunRow, list_runs
from agent.view.detail import step_detail, step_diff_json
from agent.view.search import search
from agent.view.tracker import Cursor, RunTracker
from sandboxes.errors import UserError

STATIC = Path(__file__).parent / "static"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
COOKIE = "ultrarun_view"
#: Runs kept folded in memory at once (the least recently opened one is dropped).
TRACKERS = 8
#: How often a waiting live request looks at the run's file (seconds).
POLL_S = 0.2
MAX_WAIT_S = 30.0
#: A live request folds at most about this long before answering: a long run's page paints
#: its first steps at once, and the rest arrives over the next requests.
LOAD_BUDGET_S = 0.3
MAX_ROWS = 1000


class JSON(JSONResponse):
    """JSON in ASCII: a lone surrogate or a control character from a run travels escaped."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False,
                          separators=(",", ":")).encode("ascii")


class NotFound(UserError):
    """A run key or step the viewer does not have (HTTP 404)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Guard:
    """ASGI middleware: host or token check, and the security headers on every response."""

    def __init__(self, app: ASGIApp, token: str | None, loopback: bool) -> None:
        self.app = app
        self.token = token
        self.loopback = loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        host = headers.get("host", "").rsplit(":", 1)[0] if not headers.get("host", "")\
            .startswith("[") else headers.get("host", "").split("]")[0] + "]"
        request = Request(scope)
        if self.loopback and not is_loopback(host):
            await self._deny(scope, receive, send, 403, "this viewer answers on a loopback "
                             "address only")
            return
        if self.token is not None:
            given = request.cookies.get(COOKIE) or \
                headers.get("authorization", "").removeprefix("Bearer ").strip()
            query = request.query_params.get("token")
            if query and hmac.compare_digest(query, self.token):
                # Once: set the cookie and drop the token from the address bar.
                target = request.url.remove_query_params("token")
                reply = RedirectResponse(str(target.path) + (f"?{target.query}" if target.query
                                                              else ""), status_code=303)
                reply.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
                await self._send(reply, scope, receive, send)
                return
            if not given or not hmac.compare_digest(given, self.token):
                await self._deny(scope, receive, send, 401, "a token is needed: open the "
                                 "address `ultrarun view` printed (it carries ?token=)")
                return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", CSP.encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"),
                         (b"x-frame-options", b"DENY"),
                         (b"cache-control", b"no-store")]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, secured)

    async def _deny(self, scope: Scope, receive: Receive, send: Send, status: int,
                    why: str) -> None:
        await self._send(JSON({"error": why}, status_code=status), scope, receive, send)

    async def _send(self, reply: Response, scope: Scope, receive: Receive, send: Send) -> None:
        reply.headers["content-security-policy"] = CSP
        reply.headers["x-content-type-options"] = "nosniff"
        await reply(scope, receive, send)


class Viewer:
    """The runs under ``roots`` and the trackers of the ones opened."""

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = [Path(r) for r in roots]
        self._rows: dict[str, RunRow] = {}
        self._trackers: OrderedDict[str, RunTracker] = OrderedDict()

    def rows(self) -> list[RunRow]:
        rows = list_runs(self.roots)
        self._rows = {r.key: r for r in rows}
        return rows

    def tracker(self, key: str) -> RunTracker:
        if key not in self._rows:
            self.rows()
        row = self._rows.get(key)
        if row is None:
            raise NotFound(f"no run {key!r} under {', '.join(map(str, self.roots))}")
        t = self._trackers.get(key)
        if t is None or str(t.run_dir) != row.path:
            t = RunTracker(Path(row.path))
            self._trackers[key] = t
            while len(self._trackers) > TRACKERS:
                self._trackers.popitem(last=False)
        self._trackers.move_to_end(key)
        return t

    def compare(self, keys: Sequence[str]) -> dict[str, Any]:
        trackers = [(k, self.tracker(k)) for k in keys[:12]]
        for _, t in trackers:
            t.refresh()
        by_id = {t.header()["run_id"]: t for _, t in trackers}
        runs, warnings = [], []
        for key, t in trackers:
            h = t.header()
            parent = h["parent"] if isinstance(h["parent"], dict) else None
            offset = 0
            if parent and parent.get("run_id") in by_id:
                offset = by_id[parent["run_id"]].calls_through(int(parent.get("step") or 0))
            runs.append({"key": key, "label": h["run_id"], "header": h, "evals": t.evals,
                         "end": t.end_point(), "offset": offset})
        scenarios = {r["header"]["scenario"] for r in runs}
        if len(scenarios) > 1:
            warnings.append("these runs are of different scenarios "
                            f"({', '.join(sorted(map(str, scenarios)))}): their pass rates "
                            "measure different test suites")
        return {"runs": runs, "rows": compare_rows(runs), "warnings": warnings}


def compare_rows(runs: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """The comparison table: one row per figure, one column per run."""
    def grade(h: dict[str, Any]) -> str:
        g = h["grade"] or h["latest"]
        return f"{g['passed']}/{g['total']}" if g else "-"

    def best(r: dict[str, Any]) -> str:
        rates = [e["rate"] for e in r["evals"] if e["rate"] is not None]
        return f"{max(rates):.1%}" if rates else "-"

    figures: list[tuple[str, Any]] = [
        ("scenario", lambda r: r["header"]["scenario"] or "-"),
        ("model", lambda r: r["header"]["model"] or "-"),
        ("status", lambda r: r["header"]["status"]),
        ("steps", lambda r: f"{r['header']['totals']['steps']:,}"),
        ("tool calls", lambda r: f"{r['header']['totals']['tool_calls']:,}"),
        ("tokens", lambda r: f"{r['end']['tokens']:,}"),
        ("cost", lambda r: "-" if r["header"]["totals"]["cost"] is None
         else f"${r['header']['totals']['cost']:.4f}"),
        ("grade (final or latest)", lambda r: grade(r["header"])),
        ("best pass rate", best),
        ("evaluations", lambda r: str(len(r["evals"]))),
        ("retries", lambda r: str(r["header"]["totals"]["retries"])),
        ("elapsed", lambda r: f"{r['end']['t']:.0f} s"),
        ("fork offset (tool calls)", lambda r: str(r["offset"]))]
    return [[name, [str(f(r)) for r in runs]] for name, f in figures]


def _int(request: Request, name: str, default: int = 0) -> int:
    try:
        return int(request.query_params.get(name, default))
    except ValueError:
        return default


def make_app(roots: Sequence[Path], token: str | None = None, loopback: bool = True) -> ASGIApp:
    """The ASGI app serving the runs under ``roots``."""
    viewer = Viewer(roots)
    static = {p.name: p.read_bytes() for p in STATIC.iterdir() if p.is_file()}

    def tracker(request: Request) -> RunTracker:
        return viewer.tracker(request.path_params["key"])

    async def index(request: Request) -> Response:
        return Response(static["index.html"], media_type="text/html; charset=utf-8")

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in static:
            return JSON({"error": "no such file"}, status_code=404)
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(static[name], media_type=kind)

    def runs(request: Request) -> Response:
        return JSON({"runs": [r.model_dump() for r in viewer.rows()],
                             "roots": [str(r) for r in viewer.roots], "now": time.time()})

    async def delta(request: Request) -> Response:
        t = await run_in_threadpool(tracker, request)
        cursor = Cursor(version=_int(request, "version"), calls=_int(request, "calls"),
                        evals=_int(request, "evals"), alerts=_int(request, "alerts"))
        try:
            wait = min(max(float(request.query_params.get("wait", 0)), 0.0), MAX_WAIT_S)
        except ValueError:
            wait = 0.0
        deadline = time.monotonic() + wait
        await run_in_threadpool(t.refresh, LOAD_BUDGET_S)
        while t.version == cursor.version and time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
            if await request.is_disconnected():
                return Response(status_code=204)
            await run_in_threadpool(t.refresh, LOAD_BUDGET_S)
        return JSON(await run_in_threadpool(t.delta, cursor))

    def rows(request: Request) -> Response:
        start = max(0, _int(request, "start"))
        end = min(_int(request, "end", start + 100), start + MAX_ROWS)
        return JSON({"rows": tracker(request).rows_at(start, end)})

    def position(request: Request) -> Response:
        return JSON({"position": tracker(request).position(_int(request, "step"))})

    def failing(request: Request) -> Response:
        t = tracker(request)
        return JSON({"step": t.next_bad(_int(request, "after", -1),
                                                _int(request, "dir", 1))})

    def step(request: Request) -> Response:
        t = tracker(request)
        n = int(request.path_params["step"])
        out = step_detail(t.step_lines_raw(n), n, t.started_at)
        if out is None:
            return JSON({"error": f"no step {n}"}, status_code=404)
        return JSON(out)

    def diff(request: Request) -> Response:
        t = tracker(request)
        before, after = t.commits_for(int(request.path_params["step"]))
        return JSON(step_diff_json(t.run_dir / "snapshots.git", before, after))

    def find(request: Request) -> Response:
        return JSON(search(tracker(request), request.query_params.get("q", "")))

    def compare(request: Request) -> Response:
        keys = [k for k in request.query_params.get("keys", "").split(",") if k]
        return JSON(viewer.compare(keys))

    async def not_found(request: Request, exc: Exception) -> Response:
        return JSON({"error": str(exc)}, status_code=404)

    async def failed(request: Request, exc: Exception) -> Response:
        return JSON({"error": f"{type(exc).__name__}: {exc}"[:500]}, status_code=500)

    app = Starlette(routes=[
        Route("/", index), Route("/static/{name}", asset), Route("/api/runs", runs),
        Route("/favicon.ico", lambda _r: Response(status_code=204)),
        Route("/api/compare", compare),
        Route("/api/runs/{key}/delta", delta), Route("/api/runs/{key}/rows", rows),
        Route("/api/runs/{key}/position", position), Route("/api/runs/{key}/failing", failing),
        Route("/api/runs/{key}/search", find),
        Route("/api/runs/{key}/steps/{step:int}", step),
        Route("/api/runs/{key}/steps/{step:int}/diff", diff)],
        exception_handlers={NotFound: not_found, Exception: failed})
    return Guard(app, token, loopback)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, host: str, token: str | None) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host.strip("[]") else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


class ServerThread:
    """The viewer served from a thread, for tests and benchmarks: ``with ServerThread(roots)
    as url:`` (stopped and joined on exit)."""

    def __init__(self, roots: Sequence[Path], host: str = "127.0.0.1", port: int = 0,
                 token: str | None = None) -> None:
        import uvicorn

        self.sock = bind(host, port)
        self.url = url_of(self.sock, host, token)
        config = uvicorn.Config(make_app(roots, token, is_loopback(host)), log_level="warning",
                                access_log=False, lifespan="off", timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="ultrarun-view", daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and self.thread.is_alive():
            if time.monotonic() > deadline:
                raise TimeoutError("the viewer did not start within 30 s")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


def serve(roots: Sequence[Path], host: str, port: int, token: str | None,
          ready: Callable[[str], None]) -> None:
    """Serve until Ctrl-C; ``ready`` gets the address once the socket listens."""
    import uvicorn

    sock = bind(host, port)
    config = uvicorn.Config(make_app(roots, token, is_loopback(host)), log_level="warning",
                            access_log=False, lifespan="off", timeout_graceful_shutdown=2)
    ready(url_of(sock, host, token))
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
