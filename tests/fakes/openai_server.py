"""A real OpenAI-compatible HTTP server for tests, scripted reply by reply.

Example::

    with FakeOpenAIServer([Reply.error(429, headers={"Retry-After": "1"}),
                           Reply(tool_calls=[("bash", {"command": "ls"})])]) as server:
        client = OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
        ...
        assert len(server.requests) == 2

Each ``POST /v1/chat/completions`` consumes one queued ``Reply``; when the queue is empty the
``responder`` (if any) is asked, else the server answers 500 naming the missing reply. Every
response carries ``Connection: close`` so ``stop()`` really takes the endpoint away.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ToolCallSpec = tuple[str, str | dict[str, Any]]


@dataclass
class Reply:
    """One scripted answer: an assistant message, or a fault.

    ``usage="auto"`` estimates tokens as chars/4; ``usage=None`` omits the field. ``body``
    (any JSON value, or a str sent verbatim) replaces the whole response body.
    """

    content: str | None = None
    tool_calls: list[ToolCallSpec] = field(default_factory=list)
    reasoning_content: str | None = None
    usage: dict[str, int] | str | None = "auto"
    finish_reason: str | None = None
    omit_tool_call_ids: bool = False
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    drop: bool = False
    delay_s: float = 0.0
    empty_choices: bool = False

    @staticmethod
    def error(status: int, message: str = "fake error", *, code: str | None = None,
              type: str = "server_error", headers: dict[str, str] | None = None) -> Reply:
        """An OpenAI-style error response."""
        body = {"error": {"message": message, "type": type, "param": None, "code": code}}
        return Reply(status=status, body=body, headers=headers or {})

    @staticmethod
    def context_exceeded(limit: int = 1000, got: int = 2000, wording: str = "openai") -> Reply:
        """The 400 a server sends for a prompt longer than its context window, worded as
        OpenAI, llama-cpp-python's server or llama.cpp's own server word it."""
        if wording == "llama-cpp-python":
            return Reply.error(400, f"Requested tokens ({got}) exceed context window of {limit}",
                               type="invalid_request_error")
        if wording == "llama.cpp":
            return Reply.error(400, f"request ({got} tokens) exceeds the available context "
                                    f"size ({limit} tokens), try increasing it",
                               type="exceed_context_size_error")
        return Reply.error(
            400, f"This model's maximum context length is {limit} tokens. However, your "
                 f"messages resulted in {got} tokens. Please reduce the length of the messages.",
            code="context_length_exceeded", type="invalid_request_error")


#: The ``usage`` shapes of real providers (see agent/models/usage.py for who sends which).
DIALECTS = ("openai", "deepseek", "anthropic-gateway", "anthropic-gateway-exclusive",
            "moonshot-legacy")


def usage_body(dialect: str, prompt: int, completion: int, *, cached: int = 0,
               cache_write: int = 0, reasoning: int | None = None) -> dict[str, Any]:
    """A ``usage`` object in ``dialect`` for a call with these counts (``prompt`` counts
    every prompt token, cached or written ones included, as OpenAI does).

    - openai: OpenAI, Zhipu GLM, Moonshot, OpenRouter (``prompt_tokens_details``);
    - deepseek: ``prompt_cache_hit_tokens`` / ``prompt_cache_miss_tokens``;
    - anthropic-gateway: LiteLLM-style, ``prompt_tokens`` inclusive, plus
      ``cache_read_input_tokens`` / ``cache_creation_input_tokens``;
    - anthropic-gateway-exclusive: a gateway passing Anthropic's ``input_tokens`` (which
      count neither) through as ``prompt_tokens``;
    - moonshot-legacy: ``cached_tokens`` at the top level.
    """
    body: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": completion,
                            "total_tokens": prompt + completion}
    if reasoning is not None:
        body["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    if dialect == "openai":
        body["prompt_tokens_details"] = {"cached_tokens": cached}
        if cache_write:
            body["prompt_tokens_details"]["cache_write_tokens"] = cache_write
    elif dialect == "deepseek":
        body.update(prompt_cache_hit_tokens=cached, prompt_cache_miss_tokens=prompt - cached)
    elif dialect == "anthropic-gateway":
        body.update(cache_read_input_tokens=cached, cache_creation_input_tokens=cache_write,
                    prompt_tokens_details={"cached_tokens": cached})
    elif dialect == "anthropic-gateway-exclusive":
        fresh = prompt - cached - cache_write
        body.update(prompt_tokens=fresh, total_tokens=fresh + completion,
                    cache_read_input_tokens=cached, cache_creation_input_tokens=cache_write)
    elif dialect == "moonshot-legacy":
        body["cached_tokens"] = cached
    else:
        raise ValueError(f"unknown usage dialect {dialect!r}; known: {', '.join(DIALECTS)}")
    return body


@dataclass
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    size_bytes: int
    arrived_at: float  # time.monotonic()

    def header(self, name: str) -> str | None:
        """A request header by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


Responder = Callable[[Any], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 makes bursts of clients wait for SYN retries


class FakeOpenAIServer:
    """Threaded HTTP server on 127.0.0.1 speaking the chat-completions dialect (see module doc).

    ``max_prompt_chars`` / ``max_prompt_tokens`` (chars/4) make over-long prompts fail with the
    OpenAI 400 ``context_length_exceeded``; ``down_until`` (a ``time.monotonic()`` value) makes
    every completion a 503 until then.

    Quirks of real servers, off by default: ``reject_null_content`` answers a request holding
    an assistant message with ``content: null`` with the HTTP 500 llama-cpp-python sends;
    ``props`` is served as llama.cpp's ``GET /props``; ``model_meta`` is merged into every
    ``GET /v1/models`` entry (e.g. vLLM's ``max_model_len``).

    ``count_tokens`` is the server's tokenizer (default: 4 characters of the messages' JSON
    a token), used by the "auto" usage and the context check; ``overflow_wording`` names
    whose context-length error text it sends (see ``Reply.context_exceeded``).

    ``usage_dialect`` is the shape of the "auto" usage (see ``usage_body``); with
    ``prompt_cache`` the server plays a provider's prompt cache: the part of each request's
    messages (JSON) that starts like the previous request's counts as cached, in whole blocks
    of ``cache_block`` tokens (4 characters a token), and the rest as written.
    """

    def __init__(self, replies: Iterable[Reply] = (), *, responder: Responder | None = None,
                 max_prompt_chars: int | None = None, max_prompt_tokens: int | None = None,
                 down_until: float | None = None, models: Iterable[str] = ("fake-model",),
                 reject_null_content: bool = False, props: dict[str, Any] | None = None,
                 model_meta: dict[str, Any] | None = None, usage_dialect: str = "openai",
                 prompt_cache: bool = False, cache_block: int = 1,
                 count_tokens: Callable[[str], int] | None = None,
                 overflow_wording: str = "openai") -> None:
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque(replies)
        self.responder = responder
        self.max_prompt_chars = max_prompt_chars
        self.max_prompt_tokens = max_prompt_tokens
        self.down_until = down_until
        self.models = list(models)
        self.reject_null_content = reject_null_content
        self.props = props
        self.model_meta = model_meta or {}
        self.usage_dialect = usage_dialect
        self.prompt_cache = prompt_cache
        self.cache_block = cache_block
        self._last_prompt = ""  # the previous request's messages (JSON), for prompt_cache
        self.count_tokens = count_tokens or (lambda text: len(text) // 4)
        self.overflow_wording = overflow_wording
        self._requests: list[RecordedRequest] = []
        self._counter = 0
        self._port = 0
        self._held: socket.socket | None = None  # the port, held while the server is down
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeOpenAIServer:
        """Listen (again, on the same port after ``stop()``) and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        if self._held is not None:
            self._held.close()
            self._held = None
        handler = _make_handler(self)
        httpd = _Server(("127.0.0.1", self._port), handler)
        self._port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name=f"fake-openai-{self._port}")
        self._thread.start()
        return self

    def stop(self, *, hold_port: bool = True) -> None:
        """Close the listening socket: new connections are refused until ``start()``. The port
        stays bound (not listening: connections are refused) so that no other server on the
        machine takes it while this one is down."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if hold_port and self._port and self._held is None:
            held = socket.socket()
            held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # its own TIME_WAITs
            try:
                held.bind(("127.0.0.1", self._port))
                self._held = held
            except OSError:
                held.close()
        elif not hold_port and self._held is not None:
            self._held.close()
            self._held = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop(hold_port=False)

    @property
    def port(self) -> int:
        """The bound port (stable across ``stop()``/``start()``)."""
        return self._port

    @property
    def base_url(self) -> str:
        """The URL to give the openai client, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self._port}/v1"

    # -- scripting and inspection -------------------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        """Append replies to the queue."""
        with self._lock:
            self._queue.extend(replies)

    def go_down(self, seconds: float) -> None:
        """Answer 503 to every completion for the next ``seconds``."""
        self.down_until = time.monotonic() + seconds

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def completion_requests(self) -> list[RecordedRequest]:
        """Only the chat-completions requests."""
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def pending(self) -> int:
        """Replies still queued."""
        with self._lock:
            return len(self._queue)

    # -- behaviour (called from handler threads) -----------------------------------------------

    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(req)

    def _next_reply(self, body: Any) -> Reply:
        if self.down_until is not None and time.monotonic() < self.down_until:
            return Reply.error(503, "fake server is down", type="server_error")
        if self.reject_null_content and isinstance(body, dict) and any(
                isinstance(m, dict) and m.get("role") == "assistant" and m.get("content") is None
                for m in body.get("messages", [])):
            # What llama-cpp-python's request validation answers (HTTP 500, same every time).
            return Reply.error(500, "1 validation error: ('body', 'messages', 'assistant', "
                                    "'content'): Input should be a valid string")
        if isinstance(body, dict):
            text = json.dumps(body.get("messages", []), ensure_ascii=False)
            if self.max_prompt_chars is not None and len(text) > self.max_prompt_chars:
                return Reply.context_exceeded(self.max_prompt_chars // 4, len(text) // 4,
                                              self.overflow_wording)
            got = self.count_tokens(text)
            if self.max_prompt_tokens is not None and got > self.max_prompt_tokens:
                return Reply.context_exceeded(self.max_prompt_tokens, got, self.overflow_wording)
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.responder is not None:
            return self.responder(body)
        return Reply.error(500, "fake server: no scripted reply left for this request")

    def _completion_body(self, reply: Reply, request: Any) -> dict[str, Any]:
        with self._lock:
            self._counter += 1
            n = self._counter
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.reasoning_content is not None:
            message["reasoning_content"] = reply.reasoning_content
        if reply.tool_calls:
            calls = []
            for i, (name, args) in enumerate(reply.tool_calls):
                call: dict[str, Any] = {"type": "function", "function": {
                    "name": name,
                    "arguments": args if isinstance(args, str) else json.dumps(args)}}
                if not reply.omit_tool_call_ids:
                    call["id"] = f"call_fake_{n}_{i}"
                calls.append(call)
            message["tool_calls"] = calls
        finish = reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop")
        model = request.get("model", "fake-model") if isinstance(request, dict) else "fake-model"
        body: dict[str, Any] = {
            "id": f"chatcmpl-fake-{n}", "object": "chat.completion", "created": int(time.time()),
            "model": model,
            "choices": [] if reply.empty_choices else [
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        }
        if reply.usage == "auto":
            messages = request.get("messages", []) if isinstance(request, dict) else []
            text = json.dumps(messages)
            prompt = self.count_tokens(json.dumps(messages, ensure_ascii=False))
            out = len(reply.content or "") + sum(len(str(a)) for _n, a in reply.tool_calls)
            cached = written = 0
            if self.prompt_cache:
                with self._lock:
                    last, self._last_prompt = self._last_prompt, text
                # A plain character loop, independent of the prefix code under test.
                same = next((i for i, (a, b) in enumerate(zip(text, last, strict=False))
                             if a != b), min(len(text), len(last)))
                cached = same // 4 // self.cache_block * self.cache_block
                written = prompt - cached
            body["usage"] = usage_body(self.usage_dialect, prompt, out // 4 + 1,
                                       cached=cached, cache_write=written)
        elif reply.usage is not None:
            body["usage"] = reply.usage
        return body


def _make_handler(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection; see module doc

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def handle(self) -> None:
            # A client that timed out has gone away; writing to it must not crash the thread.
            with contextlib.suppress(OSError):
                super().handle()

        def finish(self) -> None:
            with contextlib.suppress(OSError):
                super().finish()

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

        def _read(self) -> tuple[Any, int]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return (json.loads(raw) if raw else None), len(raw)
            except json.JSONDecodeError:
                return raw.decode(errors="replace"), len(raw)

        def _record(self, body: Any, size: int) -> None:
            server._record(RecordedRequest(
                method=self.command, path=self.path, headers=dict(self.headers.items()),
                body=body, size_bytes=size, arrived_at=time.monotonic()))

        def do_GET(self) -> None:
            self._record(None, 0)
            if self.path.rstrip("/") == "/v1/models":
                self._send(200, {"object": "list", "data": [
                    {"id": m, "object": "model", "created": 0, "owned_by": "fake",
                     **server.model_meta} for m in server.models]})
            elif self.path.rstrip("/") == "/props" and server.props is not None:
                self._send(200, server.props)
            else:
                self._send(404, {"error": {"message": f"no route {self.path}",
                                           "type": "invalid_request_error", "code": None}})

        def do_POST(self) -> None:
            body, size = self._read()
            self._record(body, size)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": f"no route {self.path}",
                                           "type": "invalid_request_error", "code": None}})
                return
            reply = server._next_reply(body)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.drop:
                # Close without a byte of response: the client sees a dropped connection.
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if reply.body is not None:
                self._send(reply.status, reply.body, reply.headers)
            elif reply.status != 200:
                self._send(reply.status, {"error": {"message": "fake error", "code": None}},
                           reply.headers)
            else:
                self._send(200, server._completion_body(reply, body), reply.headers)

    return Handler
