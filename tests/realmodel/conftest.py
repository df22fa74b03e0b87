"""Fixtures of the real-model tier: the server's Python and weights, a HOME with the tier's
profiles, ultrarun's CLI as a subprocess, and the figures each scenario measured.

The tier runs with ``make test-realmodel`` (``pytest -m realmodel tests/realmodel``), which
builds the server first; plain ``make test`` deselects it (``-m "not realmodel"``).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.realmodel import figures
from tests.realmodel.server import ROOT, SETUP_HINT, LlamaServer, gguf_path, server_python

UR = [sys.executable, "-m", "agent.cli.main"]
SCENARIO = Path(__file__).parent / "data" / "notes"
_RETRY = {"max_attempts": 40, "base_delay_s": 0.5, "max_delay_s": 2.0, "outage_budget_s": 180}
_COMMON: dict[str, Any] = {"model": "smollm2-135m", "api_key_env": None, "temperature": 0.0,
                           "seed": 1, "max_tokens": 96, "timeout_s": 300, "retry": _RETRY}
# rm-failfast: a server gone (nothing listens) ends the run after 3 s, not the default 60 s.
PROFILES = {"rm-native": dict(_COMMON), "rm-text": {**_COMMON, "tool_mode": "text"},
            "rm-failfast": {**_COMMON, "retry": {**_RETRY, "refused_budget_s": 3}},
            # Text mode: llama-cpp-python's chatml-function-calling template renders no tool
            # result, so only text mode makes what the tools print reach the model (and the
            # window); short replies keep 100 steps quick, and a long timeout lets a summary
            # request of half the window finish on a loaded machine (4k tokens took 5 min at
            # a load of 25: a timed-out one is answered to nobody, and accounting differs).
            "rm-text-long": {**_COMMON, "tool_mode": "text", "max_tokens": 48,
                             "timeout_s": 1800}}
LONG = Path(__file__).parent / "data" / "long-log"


@pytest.fixture(scope="session")
def llm() -> tuple[Path, Path]:
    """(the server's Python, the GGUF file); fails (never skips) when they are missing."""
    python = server_python()
    if python is None:
        pytest.fail(SETUP_HINT)
    try:
        return python, gguf_path(python)
    except (subprocess.SubprocessError, OSError, StopIteration) as e:
        pytest.fail(f"{SETUP_HINT} ({e})")


@pytest.fixture
def server(llm: tuple[Path, Path], tmp_path: Path) -> Iterator[LlamaServer]:
    """A started server with a 2048-token context; killed after the test."""
    with LlamaServer(*llm, tmp_path / "server.log", n_ctx=2048) as srv:
        yield srv


@pytest.fixture
def env(tmp_path: Path, base_image: str) -> dict[str, str]:
    """The environment for ultrarun: a HOME whose models.yaml holds the tier's profiles."""
    home = tmp_path / "home"
    (home / ".config" / "ultrarun").mkdir(parents=True)
    (home / ".config" / "ultrarun" / "models.yaml").write_text(
        yaml.safe_dump({"profiles": PROFILES}))
    return {**os.environ, "HOME": str(home), "COLUMNS": "200"}


def ultrarun(env: dict[str, str], *args: str, timeout: float = 900,
             check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion."""
    out = subprocess.run([*UR, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=timeout)
    if check and out.returncode not in (0, 1):
        raise AssertionError(f"ultrarun {' '.join(args)} exited {out.returncode}:\n"
                             f"{out.stdout}\n{out.stderr}")
    return out


@pytest.fixture(scope="session", autouse=True)
def figures_table(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the tier, print the figures each scenario recorded (see ``figures.record``)."""
    yield
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if tr is None or not figures.rows:
        return
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        figures.print_table(tr.write_line)
