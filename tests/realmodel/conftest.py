"""Fixtures of the real-model tier: the server's Python and weights, a HOME with the tier's
profiles, ultrarun's CLI as a subprocess, and the figures each scenario measured.

The tier runs with ``make test-realmodel`` (``pytest -m realmodel tests/realmodel``), which
builds the server first; plain ``make test`` deselects it (``-m "not realmodel"``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.realmodel.server import ROOT, SETUP_HINT, LlamaServer, gguf_path, server_python

UR = [sys.executable, "-m", "agent.cli.main"]
SCENARIO = Path(__file__).parent / "data" / "notes"
FIGURES = Path(os.environ.get("ULTRARUN_REALMODEL_FIGURES")
               or ROOT / "logs" / "realmodel-figures.json")
_COMMON = {"model": "smollm2-135m", "api_key_env": None, "temperature": 0.0, "seed": 1,
           "max_tokens": 96, "timeout_s": 300,
           "retry": {"max_attempts": 40, "base_delay_s": 0.5, "max_delay_s": 2.0,
                     "outage_budget_s": 180}}
PROFILES = {"rm-native": dict(_COMMON), "rm-text": {**_COMMON, "tool_mode": "text"}}
_rows: list[dict[str, Any]] = []


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


def record_figures(row: dict[str, Any]) -> None:
    """Keep one scenario's measurements for the session's table (and the JSON file)."""
    _rows.append(row)
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(_rows, indent=2))


@pytest.fixture(scope="session", autouse=True)
def figures_table(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the tier, print the figures each scenario recorded (see record_figures)."""
    yield
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    if tr is None or not _rows:
        return
    tr.write_line("")
    tr.section("real-model tier: llama-cpp-python server, SmolLM2-135M-Instruct")
    cols = ["scenario", "end_reason", "calls", "server_ok", "tokens_in", "server_in",
            "tokens_out", "server_out", "retries", "wall_s", "s_per_call"]
    tr.write_line("  ".join(f"{c:>16}" for c in cols))
    for r in _rows:
        tr.write_line("  ".join(f"{r.get(c, '-')!s:>16}" for c in cols))
    tr.write_line(f"(also in {FIGURES}; benchmarks/realmodel_tier.py prints them)")
