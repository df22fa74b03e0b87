"""Fixtures of the team tests: the tiny team scenario (tests/data/team-parts) and its script,
and the upstream tree a run of it must end with."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.team.gitobjects import UpstreamObjects

DATA = Path(__file__).parents[1] / "data"
PARTS = DATA / "team-parts"
SCRIPT = DATA / "team-parts.yaml"
UR = [sys.executable, "-m", "agent.cli.main"]


def main_tree(team_dir: Path) -> str:
    """The tree of the upstream's main, read with ultrarun's own reader."""
    objects = UpstreamObjects(team_dir / "upstream" / "team.git")
    sha = objects.ref("refs/heads/main")
    assert sha is not None, f"{team_dir}: the upstream has no main"
    return objects.commit(sha).tree


@pytest.fixture(scope="session")
def parts_tree(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The tree every team-parts run of 3 agents ends with, built from what the scenario asks
    for (the seed, each agent's six parts and its `done` marker; the locks released)."""
    work = tmp_path_factory.mktemp("expected")
    (work / "README.md").write_bytes((PARTS / "workspace" / "README.md").read_bytes())
    for agent in ("a1", "a2", "a3"):
        (work / "parts").mkdir(exist_ok=True)
        (work / "done").mkdir(exist_ok=True)
        for k in range(1, 7):
            (work / "parts" / f"{agent}-{k}.txt").write_text(f"{agent}-{k}\n")
        (work / "done" / agent).write_text(f"{agent}\n")
    env = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "PATH": os.environ["PATH"],
           "HOME": "/nonexistent"}
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=work, env=env, check=True)
    return subprocess.run(["git", "write-tree"], cwd=work, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()
