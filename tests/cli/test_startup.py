"""Start-up stays cheap: commands that only read or print never import the run machinery.

Checked on `sys.modules` of a fresh interpreter, so a new top-level import anywhere on the
path of `ultrarun --help` fails here rather than slowing every command down unnoticed
(benchmarks/cli_startup.py measures the time itself).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
HEAVY = ("openai", "ray", "docker", "git", "httpx", "agent.runner", "agent.loop")

PROBE = """
import json, sys
sys.argv = ["ultrarun", *json.loads(sys.argv[1])]
from agent.cli.main import main
code = 0
try:
    main()
except SystemExit as e:
    code = e.code or 0
print("MODULES=" + json.dumps(sorted(sys.modules)), file=sys.stderr)
sys.exit(code)
"""


def loaded(*args: str, cwd: Path = ROOT) -> set[str]:
    r = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], cwd=cwd,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, "\n".join(x for x in r.stderr.splitlines()
                                         if not x.startswith("MODULES="))
    line = next(x for x in r.stderr.splitlines() if x.startswith("MODULES="))
    return set(json.loads(line.removeprefix("MODULES=")))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("args", [("--help",), ("run", "--help"), ("scenarios", "list")])
def test_help_and_listing_import_no_run_machinery(args: tuple[str, ...]) -> None:
    assert heavy(loaded(*args)) == []


def test_help_imports_no_pydantic_either() -> None:
    mods = loaded("--help")
    assert "pydantic" not in mods and "yaml" not in mods


def test_replay_of_a_step_reads_the_run_without_the_run_machinery(tmp_path: Path) -> None:
    from agent.runner import RunConfig, execute_run

    (tmp_path / "calls.yaml").write_text(
        '- tool_calls: [{name: bash, arguments: {command: "echo 1 >> log.txt"}}]\n')
    run = execute_run(RunConfig(scenario=str(ROOT / "tests/data/scenarios/tiny"),
                                model=f"script:{tmp_path / 'calls.yaml'}", sandbox="local",
                                logs=tmp_path / "logs", run_id="r", eval_every=0)).run_dir
    assert heavy(loaded("replay", str(run), "--step", "1")) == []
