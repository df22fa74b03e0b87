"""Fixtures for loop tests: a fake endpoint with a user profile pointing at it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.openai_server import FakeOpenAIServer

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"
SECRET = "sk-ultrarun-SECRET-5e6f7a8b9c0d1e2f"
KEY_ENV = "ULTRARUN_LOOP_TEST_KEY"


@pytest.fixture
def endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAIServer]:
    """A fake server plus a `fake` profile in ~/.config/ultrarun/models.yaml aiming at it."""
    with FakeOpenAIServer() as server:
        home = tmp_path / "home"
        cfg = home / ".config" / "ultrarun"
        cfg.mkdir(parents=True)
        profile = {"model": "fake-model", "base_url": server.base_url, "api_key_env": KEY_ENV,
                   # Long: a stall of a loaded machine must not time a call out and shift
                   # the scripted replies (a test about time-outs sets its own).
                   "timeout_s": 30.0, "price_in_per_mtok": 1000.0, "price_out_per_mtok": 2000.0,
                   "retry": {"max_attempts": 6, "base_delay_s": 0.01, "max_delay_s": 0.05}}
        (cfg / "models.yaml").write_text(yaml.safe_dump({"profiles": {"fake": profile}}))
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv(KEY_ENV, SECRET)
        yield server


def edit_profile(**fields: Any) -> None:
    """Change the `fake` profile the endpoint fixture wrote."""
    path = Path.home() / ".config" / "ultrarun" / "models.yaml"
    data = yaml.safe_load(path.read_text())
    data["profiles"]["fake"].update(fields)
    path.write_text(yaml.safe_dump(data))


def assert_secret_absent(run_dir: Path) -> None:
    """The key's value is in no file of the run folder, nor in any snapshot's content."""
    for p in run_dir.rglob("*"):
        if p.is_file():
            assert SECRET.encode() not in p.read_bytes(), f"API key leaked into {p}"
    git_dir = run_dir / "snapshots.git"
    if git_dir.exists():
        log = subprocess.run(["git", "--git-dir", str(git_dir), "log", "-p", "--all"],
                             capture_output=True).stdout
        assert SECRET.encode() not in log, "API key leaked into a snapshot"


def seqs_contiguous(run_dir: Path) -> list[dict]:
    import json

    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(len(events)))
    return events
