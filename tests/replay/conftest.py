"""Real run folders for the replay tests, made by the runner with a scripted model."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import typer
import yaml

from agent.cli import replay_cmd
from agent.runner import RunConfig, execute_run

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"

SCRIPT = [
    {"content": "Let me look around.",
     "tool_calls": [{"name": "bash", "arguments": {"command": "ls; cat SEED.txt"}}]},
    {"content": "Append a line.",
     "tool_calls": [{"name": "bash", "arguments": {"command": "echo one >> log.txt && wc -l "
                                                   "log.txt"}}]},
    {"content": "A long output.",
     "tool_calls": [{"name": "bash", "arguments": {"command": "seq 1 5000"}}]},
    {"content": "Fail, then append.",
     "tool_calls": [{"name": "bash", "arguments": {"command": "false"}},
                    {"name": "bash", "arguments": {"command": "echo two >> log.txt"}}]},
    {"content": "Read the cut output back.",
     "tool_calls": [{"name": "read_log", "arguments": {"id": "call_3", "mode": "tail",
                                                       "lines": 2}}]},
    {"content": "done", "tool_calls": [{"name": "finish", "arguments": {"summary": "ok"}}]},
]


def make_run(logs: Path, run_id: str, script: list[dict] | None = None) -> Path:
    """Run the tiny scenario on the local sandbox with a script; return the run folder."""
    logs.mkdir(parents=True, exist_ok=True)
    path = logs / f"{run_id}.yaml"
    path.write_text(yaml.safe_dump(script or SCRIPT))
    cfg = RunConfig(scenario=str(TINY), model=f"script:{path}", sandbox="local", logs=logs,
                    run_id=run_id, eval_every=0)
    return execute_run(cfg).run_dir


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run (never modified by tests: copy it first)."""
    return make_run(tmp_path_factory.mktemp("replay-logs"), "recorded")


@pytest.fixture
def run_copy(recorded: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy"
    shutil.copytree(recorded, dest, symlinks=True)
    return dest


@pytest.fixture(scope="session")
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("replay")(replay_cmd.replay)
    app.command("noop")(lambda: None)  # two commands: `replay` stays a subcommand
    return app


APP_SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import typer
from agent.cli.replay_cmd import replay
app = typer.Typer()
app.command()(replay)
app()
"""


def viewer_command(run_dir: Path) -> list[str]:
    """A command line that opens the viewer on ``run_dir`` (main.py is the lead's to wire)."""
    return [sys.executable, "-c", APP_SCRIPT, str(run_dir)]
