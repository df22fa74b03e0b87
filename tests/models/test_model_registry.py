"""make_model: every spec form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.models.base import Model
from agent.models.openai_model import OpenAIModel
from agent.models.profiles import ModelOverrides, ModelProfile
from agent.models.recorded import RecordedTurnsModel
from agent.models.registry import ModelSpecError, make_model
from agent.models.script import ScriptModel
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.models.helpers import FAKE_KEY, USER

PROFILES = {"glm": ModelProfile(name="glm", model="glm-4.6", base_url="http://glm/v1",
                                api_key_env="ZHIPUAI_API_KEY", temperature=0.6)}


def test_reference() -> None:
    sentinel = ScriptModel([])
    assert make_model("reference", profiles={}, reference_factory=lambda: sentinel) is sentinel
    with pytest.raises(ModelSpecError, match="needs a built-in scenario"):
        make_model("reference", profiles={})


def test_script(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("- content: hi\n")
    model = make_model(f"script:{path}", profiles={})
    assert isinstance(model, ScriptModel) and isinstance(model, Model)
    assert model.complete([], []).content == "hi"


def test_replay_uses_loader(tmp_path: Path) -> None:
    seen: list[Path] = []

    def loader(run_dir: Path) -> list[dict[str, Any]]:
        seen.append(run_dir)
        return [{"role": "assistant", "content": "again"}]

    model = make_model(f"replay:{tmp_path}", profiles={}, replay_loader=loader)
    assert isinstance(model, RecordedTurnsModel) and seen == [tmp_path]
    assert model.complete([], []).content == "again"
    with pytest.raises(ModelSpecError, match="loader"):
        make_model(f"replay:{tmp_path}", profiles={})


def test_profile_with_overrides() -> None:
    model = make_model("glm", profiles=PROFILES,
                       overrides=ModelOverrides(temperature=0.0, timeout_s=30, seed=1))
    assert isinstance(model, OpenAIModel) and model.name == "glm"
    assert model.profile.temperature == 0.0 and model.profile.timeout_s == 30
    assert model.profile.api_key_env == "ZHIPUAI_API_KEY" and model.profile.seed == 1


def test_raw_model_name_needs_base_url() -> None:
    with pytest.raises(ModelSpecError) as err:
        make_model("qwen-coder", profiles=PROFILES, env={})
    assert "--base-url" in str(err.value) and "OPENAI_BASE_URL" in str(err.value)
    assert "glm" in str(err.value)


def test_raw_model_name_from_env_and_flag() -> None:
    model = make_model("qwen-coder", profiles={}, env={"OPENAI_BASE_URL": "http://env/v1"})
    assert isinstance(model, OpenAIModel)
    assert (model.profile.model, model.profile.base_url) == ("qwen-coder", "http://env/v1")
    flagged = make_model("qwen-coder", profiles={}, env={"OPENAI_BASE_URL": "http://env/v1"},
                         overrides=ModelOverrides(base_url="http://flag/v1", api_key_env="K"))
    assert isinstance(flagged, OpenAIModel)
    assert flagged.profile.base_url == "http://flag/v1" and flagged.profile.api_key_env == "K"


def test_raw_model_name_end_to_end() -> None:
    with FakeOpenAIServer([Reply(content="raw ok")]) as server:
        model = make_model("some-model", profiles={},
                           overrides=ModelOverrides(base_url=server.base_url, api_key_env="MY_KEY"),
                           env={"MY_KEY": FAKE_KEY})
        assert model.complete(USER, []).content == "raw ok"
        assert server.completion_requests[0].body["model"] == "some-model"
