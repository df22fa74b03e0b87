"""Sandbox backends as configs: names and mappings become configs, a run records its whole
config, and each backend prepares a scenario, opens sandboxes and grades."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.options import RunConfig
from agent.runner import run_sandbox
from agent.scenario.grading import grade_workspace
from agent.scenario.loader import load_scenario
from agent.setup import prepare
from agent.trajectory.run_info import RunInfo
from sandboxes.backends import BACKENDS, DockerConfig, LocalConfig, PluginConfig, backend_config
from sandboxes.errors import UserError

TINY = Path(__file__).parents[1] / "data" / "scenarios" / "tiny"


def test_names_and_mappings_become_configs() -> None:
    assert isinstance(backend_config("docker"), DockerConfig)
    assert isinstance(backend_config("local"), LocalConfig)
    cfg = backend_config({"backend": "docker", "image": "my/img:1", "grader_memory": "1g"})
    assert isinstance(cfg, DockerConfig) and cfg.image == "my/img:1"
    with pytest.raises(UserError, match="use docker, local or py:MODULE:FACTORY"):
        backend_config("podman")
    with pytest.raises(ValidationError):  # a field the backend does not have
        backend_config({"backend": "local", "image": "x"})
    assert isinstance(RunConfig(scenario="s", sandbox="local").sandbox, LocalConfig)
    assert isinstance(RunConfig(scenario="s").sandbox, DockerConfig)
    with pytest.raises(ValidationError, match="docker"):
        RunConfig(scenario="s", sandbox="nope")


def test_run_json_keeps_the_whole_config() -> None:
    cfg = DockerConfig(image="my/img:1", reap=False)
    info = RunInfo(run_id="r", scenario="s", model="m", sandbox="docker", sandbox_config=cfg)
    back = RunInfo.model_validate_json(info.model_dump_json())
    assert run_sandbox(back) == cfg
    old = RunInfo(run_id="r", scenario="s", model="m", sandbox="local")  # before configs
    assert run_sandbox(old) == LocalConfig()


#: One config of each backend (a plug-in: a backend defined outside the package, its graders
#: in Docker as by default).
CONFIGS = {"docker": DockerConfig(), "local": LocalConfig(),
           "python": PluginConfig(factory="tests.sandboxes.thirdparty:make_wrapped")}


def test_every_backend_is_tested() -> None:
    assert set(CONFIGS) == set(BACKENDS)


@pytest.mark.docker
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_each_backend_prepares_opens_and_grades(name: str, base_image: str,
                                                tmp_path: Path) -> None:
    config = CONFIGS[name]
    assert config.engine_problem() is None
    scenario = load_scenario(str(TINY))
    prepared = prepare(scenario, config)
    ws = tmp_path / "ws"
    ws.mkdir()
    with prepared.workbench(ws, run_id="backend-test", outputs_dir=tmp_path / "out") as bench:
        assert bench.sandbox.exec("seq 1 3 > log.txt && echo ok").output == "ok\n"
        assert "bash" in bench.toolbox.names
    result = grade_workspace(scenario, ws, config)
    assert (result.error, result.passed, result.total) == (None, 3, 10)
