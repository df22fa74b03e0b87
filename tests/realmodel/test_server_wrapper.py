"""The real-model tier's server wrapper names how a server died (exit status or signal, and
what the signal usually means) on start and on its first completion, within seconds, instead
of a harness waiting on a dead process. Stand-in servers, no llama.cpp: runs in `make test`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.realmodel.server import LlamaServer, ServerDied, exit_cause

pytestmark = pytest.mark.serial  # servers killed by signals, within a time

# A stand-in for `python -m llama_cpp.server ...`: serves GET /v1/models, and on the first
# completion dies by the signal named in $DIE_BY (as a build for another CPU dies by SIGILL).
FAKE = r'''
import http.server, json, os, signal, sys
port = int(sys.argv[sys.argv.index("--port") + 1])
if os.environ.get("DIE_ON_START"):
    os.kill(os.getpid(), getattr(signal, os.environ["DIE_ON_START"]))
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        body = json.dumps({"data": [{"id": "m"}]}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        print("llama_decode: about to compute", flush=True)
        os.kill(os.getpid(), getattr(signal, os.environ["DIE_BY"]))
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
'''


def _server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> LlamaServer:
    script = tmp_path / "fake_server.py"
    script.write_text(FAKE)
    python = tmp_path / "python"  # what LlamaServer runs as `python -m llama_cpp.server`
    python.write_text(f"#!/bin/sh\nexec {sys.executable} {script} \"$@\"\n")
    python.chmod(0o755)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return LlamaServer(python, tmp_path / "model.gguf", tmp_path / "server.log")


@pytest.mark.parametrize("sig", ["SIGILL", "SIGKILL", "SIGSEGV"])
def test_death_on_the_first_completion_is_named(sig: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    server = _server(tmp_path, monkeypatch, DIE_BY=sig)
    start = time.monotonic()
    with pytest.raises(ServerDied) as err:
        server.start(timeout=60)
    assert time.monotonic() - start < 30
    text = str(err.value)
    assert f"died on its first completion: killed by {sig}" in text
    assert "llama_decode: about to compute" in text  # the log's last words
    if sig == "SIGILL":
        assert "instructions this CPU lacks" in text and "make realmodel-server" in text


def test_death_on_start_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = _server(tmp_path, monkeypatch, DIE_ON_START="SIGILL", DIE_BY="SIGILL")
    with pytest.raises(ServerDied, match="died on start: killed by SIGILL"):
        server.start(timeout=60)


def test_exit_statuses_in_words() -> None:
    assert exit_cause(3) == "exited with status 3"
    assert exit_cause(-9).startswith("killed by SIGKILL (killed from outside")
    assert exit_cause(-200) == "killed by signal 200"
