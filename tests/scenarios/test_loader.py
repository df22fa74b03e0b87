"""Scenario loading: built-ins by name, user scenarios by path, errors naming file and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from agent.scenario.loader import ScenarioError, builtin_names, load_scenario, parse_duration

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"


def _write(tmp: Path, data: dict, files: bool = True) -> Path:
    d = tmp / "scn"
    d.mkdir(exist_ok=True)
    if files:
        (d / "prompt.md").write_text("do it")
        (d / "grader").mkdir(exist_ok=True)
        (d / "grader" / "mine.py").write_text("")
    (d / "scenario.yaml").write_text(yaml.safe_dump(data))
    return d


GOOD = {"name": "mine", "prompt": "prompt.md",
        "grader": {"command": "python3 /grader/g.py", "files": "grader/"}}


def test_loads_by_path_folder_and_file(tmp_path: Path) -> None:
    d = _write(tmp_path, GOOD)
    for ref in (str(d), str(d / "scenario.yaml")):
        s = load_scenario(ref)
        assert s.name == "mine" and s.prompt_text == "do it"
        assert s.limits.network is False and "bash" in s.tools
    assert load_scenario(str(TINY)).grader.every == 10  # type: ignore[union-attr]


def test_builtins_are_found_by_name() -> None:
    names = builtin_names()
    assert "toy-c-compiler" in names
    for name in names:
        assert load_scenario(name).name == name


@pytest.mark.parametrize("patch, field", [
    ({"name": None}, "name"),
    ({"name": "Bad Name"}, "name"),
    ({"prompt": None}, "prompt"),
    ({"prompt": "missing.md"}, "prompt"),
    ({"image": {"dockerfile": "Dockerfile", "name": "x"}}, "image"),
    ({"image": {"dockerfile": "nope.Dockerfile"}}, "image.dockerfile"),
    ({"limits": {"cpus": "lots"}}, "limits.cpus"),
    ({"limits": {"gpus": 1}}, "limits.gpus"),
    ({"budgets": {"max_time": "soon"}}, "budgets.max_time"),
    ({"tools": ["bash", "teleport"]}, "tools.1"),
    ({"grader": {"files": "grader/"}}, "grader.command"),
    ({"grader": {"command": "x", "files": "nowhere/"}}, "grader.files"),
    ({"grader": {"command": "x", "every": 0}}, "grader.every"),
    ({"grader": {"command": "x", "tmpfs": {"/grader": "rw"}}}, "grader.tmpfs"),
    ({"grader": {"command": "x", "tmpfs": {"tmp": "rw"}}}, "grader.tmpfs"),
    ({"grader": {"command": "x", "tmpfs": {"/tmp": "rw exec; rm -rf /"}}}, "grader.tmpfs"),
    ({"workspace": "seed/"}, "workspace"),
    ({"colour": "blue"}, "colour"),
    ({"include": [{"scenario": "no-such", "path": "grader/jail.py", "to": "grader/j.py"}]},
     "include.0.scenario"),
    ({"include": [{"scenario": "toy-c-compiler", "path": "../../README.md",
                   "to": "grader/r.md"}]}, "include.0.path"),
    ({"include": [{"scenario": "toy-c-compiler", "path": "grader/nothing.py",
                   "to": "grader/n.py"}]}, "include.0.path"),
    ({"include": [{"scenario": "toy-c-compiler", "path": "grader/jail.py",
                   "to": "jail.py"}]}, "include.0.to"),
    ({"include": [{"scenario": "toy-c-compiler", "path": "grader/jail.py",
                   "to": "grader/../../jail.py"}]}, "include.0.to"),
    ({"include": [{"scenario": "toy-c-compiler", "path": "grader/jail.py",
                   "to": "/grader/jail.py"}]}, "include.0.to"),
    ({"include": [{"scenario": "toy-c-compiler", "path": "grader/jail.py",
                   "to": "grader/mine.py"}]}, "include.0.to"),  # replaces the scenario's own
    ({"include": [{"scenario": "toy-c-compiler", "path": "grader/jail.py"}]}, "include.0.to"),
    ({"include": [{"path": "../outside", "to": "grader/o"}]}, "include.0.path"),  # our own
    ({"include": [{"path": "prompt.md", "to": "grader/mine.py"}]}, "include.0.to"),
])
def test_each_broken_field_is_named(tmp_path: Path, patch: dict, field: str) -> None:
    data = {**GOOD, **patch}
    data = {k: v for k, v in data.items() if v is not None}
    d = _write(tmp_path, data)
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(d))
    msg = str(err.value)
    assert str(d / "scenario.yaml") in msg and f"`{field}" in msg, msg


def test_an_include_lands_where_the_scenario_is_assembled(tmp_path: Path) -> None:
    """A user scenario builds on a built-in one: the included files appear in the grader's
    folder and the seed workspace as ultrarun assembles them, and nowhere in its own folder."""
    toy = ROOT / "scenarios" / "toy-c-compiler"
    d = _write(tmp_path, {**GOOD, "workspace": "ws/", "include": [
        {"scenario": "toy-c-compiler", "path": "grader/jail.py", "to": "grader/lib/jail.py"},
        {"scenario": "toy-c-compiler", "path": "workspace/tests/01-return",
         "to": "ws/tests/01"}]})
    (d / "ws").mkdir()
    (d / "ws" / "mine.txt").write_text("seed")
    s = load_scenario(str(d))
    assert s.grader_tree is not None and s.workspace_tree is not None
    grader = s.grader_tree.assemble(tmp_path / "grader")
    assert (grader / "lib" / "jail.py").read_bytes() == (toy / "grader" / "jail.py").read_bytes()
    assert (grader / "mine.py").exists()
    ws = s.workspace_tree.assemble(tmp_path / "ws")
    assert (ws / "mine.txt").read_text() == "seed"
    assert sorted(p.name for p in (ws / "tests" / "01").iterdir()) == \
        sorted(p.name for p in (toy / "workspace" / "tests" / "01-return").iterdir())
    assert not (d / "grader" / "lib").exists() and not (d / "ws" / "tests").exists()
    assert s.sandbox_spec().grading.files == s.grader_tree  # type: ignore[union-attr]


def test_an_include_through_a_symlink_out_is_refused(tmp_path: Path) -> None:
    d = _write(tmp_path, {**GOOD, "include": [
        {"scenario": "toy-c-compiler", "path": "grader/jail.py", "to": "grader/out/jail.py"}]})
    (d / "grader" / "out").symlink_to(tmp_path)
    with pytest.raises(ScenarioError, match=r"include\.0\.to`: .* outside the scenario"):
        load_scenario(str(d))


def test_not_yaml_and_not_found(tmp_path: Path) -> None:
    d = tmp_path / "scn"
    d.mkdir()
    (d / "scenario.yaml").write_text("name: [unclosed")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(str(d))
    with pytest.raises(ScenarioError, match="no scenario 'nothing-here'"):
        load_scenario("nothing-here")


def test_cli_exit_2_names_file_and_field(tmp_path: Path) -> None:
    d = _write(tmp_path, {**GOOD, "limits": {"memory": 5, "pids": "many"}})
    r = subprocess.run([sys.executable, "-m", "agent.cli.main", "run", str(d), "--model",
                        "reference", "--logs", str(tmp_path / "logs")], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 2
    assert "scenario.yaml" in r.stderr and "limits.pids" in r.stderr
    assert "Traceback" not in r.stderr


def test_durations() -> None:
    assert parse_duration("6h") == 21600 and parse_duration("1h30m") == 5400
    assert parse_duration("45s") == 45 and parse_duration(90) == 90
    with pytest.raises(ValueError):
        parse_duration("6 hours")
