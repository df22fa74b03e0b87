"""ScriptModel and RecordedTurnsModel (`replay:RUN_DIR`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.models.base import ScriptExhausted
from agent.models.recorded import RecordedTurnsModel
from agent.models.script import ScriptModel

TURNS = [
    {"content": "I'll look around.",
     "tool_calls": [{"name": "bash", "arguments": {"command": "ls"}},
                    {"name": "bash", "arguments": {"command": "pwd"}}]},
    {"tool_calls": [{"name": "bash", "arguments": "{not json"}], "delay_s": 0.05},
    {"content": "Done."},
]


def test_yaml_script(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("""
- content: "I'll look around."
  tool_calls:
    - {name: bash, arguments: {command: ls}}
    - {name: bash, arguments: {command: pwd}}
- content: Done.
""")
    model = ScriptModel.from_file(path)
    assert model.name == f"script:{path}"
    first = model.complete([], [])
    assert [c.id for c in first.tool_calls] == ["call_1", "call_2"]
    assert first.tool_calls[0].arguments == {"command": "ls"}
    assert first.message["tool_calls"][1]["function"]["arguments"] == '{"command": "pwd"}'
    assert first.usage.prompt_tokens is None and first.usage.cost is None
    assert first.finish_reason == "tool_calls"
    assert model.complete([], []).content == "Done."
    with pytest.raises(ScriptExhausted):
        model.complete([], [])


def test_json_script_with_delay_and_bad_arguments(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(TURNS))
    slept: list[float] = []
    model = ScriptModel.from_file(path, sleep=slept.append)
    model.complete([], [])
    second = model.complete([], [])
    assert slept == [0.05]
    assert second.tool_calls[0].id == "call_3"
    assert second.tool_calls[0].arguments is None and second.tool_calls[0].parse_error
    assert model.remaining == 1


def test_real_delay_is_latency() -> None:
    turn = ScriptModel([{"content": "x", "delay_s": 0.05}]).complete([], [])
    assert turn.latency_s >= 0.05


@pytest.mark.parametrize("body, words", [
    ('[{"content": "ok"}, {"tool_calls": [{"arguments": {}}]}]', ["index 1", "name"]),
    ('[{"content": "ok"}, {"contnet": "typo"}]', ["index 1", "contnet"]),
    ('{"content": "ok"}', ["expected a list"]),
    ("[", ["not valid JSON"]),
])
def test_bad_script_names_file_and_index(tmp_path: Path, body: str, words: list[str]) -> None:
    path = tmp_path / "bad.json"
    path.write_text(body)
    with pytest.raises(ValueError) as err:
        ScriptModel.from_file(path)
    assert str(path) in str(err.value)
    for word in words:
        assert word in str(err.value)


def test_missing_script_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        ScriptModel.from_file(tmp_path / "nope.yaml")


def test_replay_model() -> None:
    recorded: list[dict[str, Any]] = [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_abc", "type": "function",
             "function": {"name": "bash", "arguments": '{"command": "make"}'}}]},
        {"role": "assistant", "content": "finished"},
    ]
    model = RecordedTurnsModel(recorded)
    first = model.complete([], [])
    assert first.tool_calls[0].id == "call_abc"  # recorded ids are kept
    assert first.tool_calls[0].arguments == {"command": "make"}
    # Null content next to tool calls goes back as "" (llama-cpp-python's templates fail on null).
    assert first.message == {**recorded[0], "content": ""}
    assert model.tool_result_messages(first, [("call_abc", "bash", "ok")])[0]["role"] == "tool"
    assert model.complete([], []).content == "finished"
    with pytest.raises(ScriptExhausted):
        model.complete([], [])
