"""Plug-ins named `py:MODULE:NAME`: a sandbox backend and a scenario's tools load the way
`--model py:MODULE:CLASS` does, and every mistake is one line naming what to fix (the happy
paths run in docs/api.md's examples: tests/docs/test_api_doc.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from agent.options import RunConfig
from agent.scenario.loader import ScenarioError, load_scenario
from sandboxes.backends import LocalConfig, PluginConfig, backend_config
from sandboxes.errors import UserError
from sandboxes.plugins import PluginError

ROOT = Path(__file__).parents[2]
WORD_COUNT = ROOT / "docs" / "examples" / "word-count"


def test_a_sandbox_plugin_is_a_backend_config(tmp_path: Path) -> None:
    cfg = RunConfig(scenario="x", sandbox="py:tests.sandboxes.thirdparty:make_wrapped")
    assert isinstance(cfg.sandbox, PluginConfig) and cfg.sandbox.backend == "python"
    assert cfg.sandbox.grader.backend == "docker"  # hidden graders stay in their container
    # A file reference is recorded absolute (resume may run from elsewhere).
    rel = PluginConfig(factory="py:backends/mine.py:make")
    assert rel.factory == f"{Path('backends/mine.py').absolute()}:make"
    again = backend_config(cfg.sandbox.model_dump())
    assert again == cfg.sandbox
    with PluginConfig(factory="tests.sandboxes.thirdparty:make_wrapped",
                      grader=LocalConfig()).create(workspace=tmp_path / "ws") as sb:
        assert sb.backend == "wrapped" and sb.exec("echo hi").output == "hi\n"


@pytest.mark.parametrize("ref, why", [
    ("py:no_such_module_x:make", "cannot import 'no_such_module_x'"),
    ("py:tests.sandboxes.thirdparty:nothing", "has no 'nothing'"),
    ("py:tests.sandboxes.test_plugins:WORD_COUNT", "is not callable"),
    ("py:justaname", "write py:MODULE:NAME"),
])
def test_a_broken_sandbox_plugin_says_what_to_fix(ref: str, why: str) -> None:
    with pytest.raises(PluginError, match=why):
        backend_config(ref).load()  # type: ignore[union-attr]


def test_an_unknown_backend_name_lists_the_choices() -> None:
    with pytest.raises(UserError, match="use docker, local or py:MODULE:FACTORY"):
        backend_config("podman")


def _with_tools(tmp_path: Path, tools: list[str]) -> Path:
    d = tmp_path / "scn"
    d.mkdir()
    for name in ("prompt.md", "grader", "workspace"):
        src = WORD_COUNT / name
        if src.is_dir():
            shutil.copytree(src, d / name)
        else:
            (d / name).write_text(src.read_text())
    data = yaml.safe_load((WORD_COUNT / "scenario.yaml").read_text())
    data["tools"] = ["bash", "finish", *tools]
    (d / "scenario.yaml").write_text(yaml.safe_dump(data))
    return d


def test_a_tool_file_inside_the_scenario_loads(tmp_path: Path) -> None:
    d = _with_tools(tmp_path, ["py:tools/count.py:Count"])
    (d / "tools").mkdir()
    (d / "tools" / "count.py").write_text(
        "from pydantic import BaseModel\n"
        "from ultrarun import ToolOutput\n\n"
        "class Count:\n    name = 'count'\n\n"
        "    class Args(BaseModel):\n        '''Count.'''\n\n"
        "    def run(self, args, ctx):\n        return ToolOutput(text='1')\n")
    from agent.setup import Prepared

    s = load_scenario(str(d))
    box = Prepared(s, LocalConfig().prepare(s.sandbox_spec())).toolbox()
    assert box.names == ["count", "bash", "finish"]


@pytest.mark.parametrize("tools, why", [
    (["py:no_such_tools_x:T"], "tools.2`: tool 'py:no_such_tools_x:T': cannot import"),
    (["py:tests.sandboxes.test_plugins:WORD_COUNT"], "tools.2`: tool .*: not a Tool"),
    (["py:../outside.py:T"], "tools.2`: '../outside.py' is outside the scenario's folder"),
])
def test_a_broken_tool_plugin_is_named_by_its_field(tmp_path: Path, tools: list[str],
                                                   why: str) -> None:
    (tmp_path / "outside.py").write_text("class T: pass\n")
    d = _with_tools(tmp_path, tools)
    with pytest.raises(ScenarioError, match=why):
        load_scenario(str(d))
