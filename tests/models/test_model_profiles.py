"""Profile files: merge order, validation errors naming file and field, the repo models.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.models.profiles import (
    REPO_PROFILES,
    ModelOverrides,
    ModelProfile,
    ProfileError,
    load_profiles,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_later_file_wins_whole_entry(tmp_path: Path) -> None:
    repo = write(tmp_path / "repo.yaml", """
profiles:
  a: {model: m-a, base_url: "http://x/v1", extra_body: {thinking: {type: enabled}}}
  b: {model: m-b, price_in_per_mtok: 1.0, price_out_per_mtok: 2.0}
""")
    user = write(tmp_path / "user.yaml", """
profiles:
  a: {model: m-a2, base_url: "http://y/v1"}
  c: {model: m-c, tool_mode: text, api_key_env: null}
""")
    profiles = load_profiles([repo, user, tmp_path / "missing.yaml"])
    assert sorted(profiles) == ["a", "b", "c"]
    assert profiles["a"].model == "m-a2" and profiles["a"].base_url == "http://y/v1"
    assert profiles["a"].extra_body == {}  # replaced as a whole, nothing inherited
    assert profiles["b"].price_out_per_mtok == 2.0
    assert profiles["c"].tool_mode == "text" and profiles["c"].api_key_env is None
    assert profiles["a"].name == "a"


def test_bad_field_names_file_and_field(tmp_path: Path) -> None:
    bad = write(tmp_path / "models.yaml", "profiles:\n  glm:\n    model: glm-4.6\n"
                                          "    temperature: hot\n")
    with pytest.raises(ProfileError) as err:
        load_profiles([bad])
    text = str(err.value)
    assert str(bad) in text and "'glm'" in text and "'temperature'" in text
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("body, words", [
    ("profiles:\n  x:\n    base_url: http://h/v1\n", ["'model' is required"]),
    ("profiles:\n  x: {model: m, tool_mode: xml}\n", ["'tool_mode'"]),
    ("profiles:\n  x: {model: m, api_key: sk-123}\n", ["'api_key'", "Extra inputs"]),
    ("profiles:\n  x: {model: m, retry: {max_attempts: 0}}\n", ["'retry.max_attempts'"]),
    ("profiles:\n  x: just-a-string\n", ["profile 'x' must be a mapping"]),
    ("- a\n- b\n", ["single top-level key 'profiles'"]),
    ("profiles: [\n", ["not valid YAML"]),
])
def test_invalid_files(tmp_path: Path, body: str, words: list[str]) -> None:
    path = write(tmp_path / "m.yaml", body)
    with pytest.raises(ProfileError) as err:
        load_profiles([path])
    assert str(path) in str(err.value)
    for word in words:
        assert word in str(err.value)


def test_repo_models_yaml_loads_without_keys() -> None:
    profiles = load_profiles([REPO_PROFILES])
    for name in ["gpt-4o-mini", "glm-4.6", "deepseek-chat", "deepseek-reasoner",
                 "openrouter-qwen3-coder", "vllm-local", "ollama-local"]:
        assert name in profiles
    assert profiles["vllm-local"].base_url == "http://localhost:8000/v1"
    assert profiles["ollama-local"].base_url == "http://localhost:11434/v1"
    assert profiles["deepseek-reasoner"].send_reasoning is False
    assert profiles["gpt-4o-mini"].price_in_per_mtok is not None


def test_empty_file_and_default_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_profiles([write(tmp_path / "e.yaml", "")]) == {}
    monkeypatch.setenv("HOME", str(tmp_path))  # user file absent: repo defaults only
    assert "gpt-4o-mini" in load_profiles()


def test_overrides_replace_only_set_fields() -> None:
    profile = ModelProfile(name="p", model="m", temperature=0.5, max_tokens=100)
    out = profile.with_overrides(ModelOverrides(temperature=0.0, seed=3))
    assert (out.temperature, out.seed, out.max_tokens) == (0.0, 3, 100)
    assert profile.with_overrides(None) is profile
