"""The model registry: every spec form, parsed once; your own Model class by dotted path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.models.base import AssistantTurn, Model, ModelBase, native_tool_result_messages
from agent.models.openai_model import OpenAIModel
from agent.models.profiles import ModelOverrides, ModelProfile
from agent.models.recorded import RecordedTurnsModel
from agent.models.registry import ModelSpecError, make_model, parse_spec
from agent.models.script import ScriptModel
from agent.scenario.loader import load_scenario
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.models.helpers import FAKE_KEY, USER

TINY = Path(__file__).parents[1] / "data" / "scenarios" / "tiny"
PROFILES = {"glm": ModelProfile(name="glm", model="glm-4.6", base_url="http://glm/v1",
                                api_key_env="ZHIPUAI_API_KEY", temperature=0.6)}


class EchoModel(ModelBase):
    """A user's own Model class, named on the command line as ``py:MODULE:EchoModel``."""

    name = "echo"

    def __init__(self, settings: ModelOverrides) -> None:
        self.settings = settings

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
                 ) -> AssistantTurn:
        text = f"{messages[-1]['content']} (t={self.settings.temperature})"
        return AssistantTurn(message={"role": "assistant", "content": text}, content=text)



class NoSettings(EchoModel):
    def __init__(self) -> None:
        super().__init__(ModelOverrides(temperature=9.0))


class NotAModel:
    pass


class NoRetryHook:
    """Has the methods but not ``on_retry``/``deadline``: the loop could not tell it them."""

    name = "old"

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
                 ) -> AssistantTurn:
        raise NotImplementedError

    def tool_result_messages(self, turn: AssistantTurn, results: list[tuple[str, str, str]]
                             ) -> list[dict[str, Any]]:
        return native_tool_result_messages(results)


def test_spec_forms_are_parsed_once() -> None:
    kinds = {s: parse_spec(s) for s in ("reference", "script:a.yaml", "replay:runs/x",
                                        "py:pkg.mod:Cls", "glm", "qwen/coder:7b")}
    assert {s: p.kind for s, p in kinds.items()} == {
        "reference": "reference", "script:a.yaml": "script", "replay:runs/x": "replay",
        "py:pkg.mod:Cls": "python", "glm": "endpoint", "qwen/coder:7b": "endpoint"}
    assert [s for s, p in kinds.items() if p.scripted] == ["reference", "script:a.yaml",
                                                          "replay:runs/x"]
    assert kinds["script:a.yaml"].arg == "a.yaml"
    up = str.upper
    assert kinds["script:a.yaml"].with_path(up).text == "script:A.YAML"
    assert kinds["py:pkg.mod:Cls"].with_path(up).text == "py:pkg.mod:Cls"  # a module, no file
    assert parse_spec("py:my/m.py:Cls").with_path(up).text == "py:MY/M.PY:Cls"
    assert kinds["glm"].with_path(up).text == "glm"


def test_reference() -> None:
    model = make_model("reference", profiles={}, scenario=load_scenario("bugfix-ledger"))
    assert isinstance(model, Model)
    for scenario in (None, load_scenario(str(TINY))):  # no scenario, or none with a policy
        with pytest.raises(ModelSpecError, match="needs a built-in scenario"):
            make_model("reference", profiles={}, scenario=scenario)


def test_script(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("- content: hi\n")
    model = make_model(f"script:{path}", profiles={})
    assert isinstance(model, ScriptModel) and isinstance(model, Model)
    assert model.complete([], []).content == "hi"
    with pytest.raises(ModelSpecError, match="cannot read"):
        make_model(f"script:{tmp_path / 'missing.yaml'}", profiles={})


def test_replay_reads_the_recorded_turns(tmp_path: Path) -> None:
    (tmp_path / "events.jsonl").write_text(json.dumps({
        "seq": 0, "t": 1.0, "type": "model_call", "step": 1,
        "message": {"role": "assistant", "content": "again"}}) + "\n")
    model = make_model(f"replay:{tmp_path}", profiles={})
    assert isinstance(model, RecordedTurnsModel)
    assert model.complete([], []).content == "again"
    with pytest.raises(ModelSpecError, match="not a run folder"):
        make_model(f"replay:{tmp_path / 'nothing'}", profiles={})


def test_your_own_model_class_by_dotted_path(tmp_path: Path) -> None:
    here = "tests.models.test_model_registry"
    model = make_model(f"py:{here}:EchoModel", profiles={},
                       overrides=ModelOverrides(temperature=0.25))
    # (pytest imported this file under another module name: classes compare by name)
    assert type(model).__qualname__ == "EchoModel"  # given the command line's settings
    assert model.complete(USER, []).content == f"{USER[-1]['content']} (t=0.25)"
    plain = make_model(f"py:{here}:NoSettings", profiles={})
    assert plain.complete(USER, []).content.endswith("(t=9.0)")
    # A file outside any package works too.
    (tmp_path / "mine.py").write_text(Path(__file__).read_text())
    other = make_model(f"py:{tmp_path / 'mine.py'}:EchoModel", profiles={})
    assert type(other).__module__ == "_model_mine" and isinstance(other, Model)
    for bad, why in [(f"py:{here}:NotAModel", "not a Model"), (f"py:{here}:Gone", "has no 'Gone'"),
                     (f"py:{here}:NoRetryHook", "`on_retry` and `deadline`: subclass"),
                     ("py:no_such_module_x:C", "cannot import"), ("py:justaname", "write py:")]:
        with pytest.raises(ModelSpecError, match=why):
            make_model(bad, profiles={})


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
