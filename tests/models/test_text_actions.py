"""Text-action mode: prompt section, parsing fenced actions, result folding, end to end."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

from agent.models.base import AssistantTurn
from agent.models.openai_model import OpenAIModel
from agent.models.text_actions import (
    action_prompt,
    apply_actions,
    parse_actions,
    result_messages,
    with_action_prompt,
)
from tests.fakes.openai_server import FakeOpenAIServer, Reply
from tests.models.helpers import BASH_TOOL, USER

EDIT_TOOL = {"type": "function", "function": {
    "name": "write_file", "description": "Write a file.",
    "parameters": {"type": "object", "properties": {"path": {"type": "string"},
                                                    "text": {"type": "string"}}}}}


def ids() -> Callable[[], str]:
    n = count(1)
    return lambda: f"call_{next(n)}"


def test_prompt_describes_tools_and_format() -> None:
    text = action_prompt([BASH_TOOL, EDIT_TOOL])
    assert "`bash`: Run a shell command." in text and "`write_file`: Write a file." in text
    assert '"required":["command"]' in text
    assert "```bash" in text and "```tool" in text and "```finish" in text


def test_prompt_appended_to_system_message_without_mutating() -> None:
    out = with_action_prompt(USER, [BASH_TOOL])
    assert out[0]["content"].startswith("You are a coder.\n\n## Tools")
    assert USER[0]["content"] == "You are a coder."
    assert out[1:] == USER[1:]
    no_system = with_action_prompt([{"role": "user", "content": "hi"}], [BASH_TOOL])
    assert no_system[0]["role"] == "system" and no_system[1]["content"] == "hi"


def test_bash_block() -> None:
    calls, finished = parse_actions("I'll list.\n```bash\nls -la\ncat x | wc -l\n```\n", ids())
    (call,) = calls
    assert call.name == "bash" and call.arguments == {"command": "ls -la\ncat x | wc -l"}
    assert call.id == "call_1" and not finished


def test_tool_block() -> None:
    text = '```tool\n{"name": "write_file", "arguments": {"path": "a.c", "text": "int x;"}}\n```'
    (call,), _ = parse_actions(text, ids())
    assert call.name == "write_file" and call.arguments == {"path": "a.c", "text": "int x;"}
    assert call.parse_error is None


def test_several_actions_in_order_and_other_blocks_ignored() -> None:
    text = ("First:\n```bash\nmake\n```\nshown only:\n```python\nprint(1)\n```\n"
            '```tool\n{"name": "write_file", "arguments": {"path": "p"}}\n```\n'
            "```sh\nmake test\n```")
    calls, _ = parse_actions(text, ids())
    assert [c.name for c in calls] == ["bash", "write_file", "bash"]
    assert [c.id for c in calls] == ["call_1", "call_2", "call_3"]
    assert calls[2].arguments == {"command": "make test"}


def test_bad_tool_block_gives_parse_error() -> None:
    calls, _ = parse_actions('```tool\n{"name": "x", "arguments": [1]}\n```\n'
                             "```tool\nnot json\n```", ids())
    assert [c.arguments for c in calls] == [None, None]
    assert "must be a JSON object" in (calls[0].parse_error or "")
    assert "not valid JSON" in (calls[1].parse_error or "")


def test_no_action_is_format_error_but_a_finish_block_is_a_finish_call() -> None:
    plain = apply_actions(AssistantTurn(message={"role": "assistant", "content": "hmm"},
                                        content="hmm"), ids())
    assert plain.tool_calls == [] and plain.format_error
    done_text = "Done.\n```finish\nall tests pass\n```"
    done = apply_actions(AssistantTurn(message={"role": "assistant", "content": done_text},
                                       content=done_text), ids())
    assert done.format_error is None
    assert [(c.name, c.arguments) for c in done.tool_calls] == \
        [("finish", {"summary": "all tests pass"})]


def test_results_folded_into_one_labelled_user_message() -> None:
    (msg,) = result_messages([("call_1", "bash", "file.c"), ("call_2", "write_file", "ok")])
    assert msg["role"] == "user"
    assert "### Action 1 (bash) output:\nfile.c" in msg["content"]
    assert "### Action 2 (write_file) output:\nok" in msg["content"]
    assert result_messages([]) == []


def test_text_mode_end_to_end(server: FakeOpenAIServer,
                              make_model: Callable[..., OpenAIModel]) -> None:
    server.enqueue(Reply(content="Looking.\n```bash\nls\n```"), Reply(content="nothing to do"))
    model = make_model(tool_mode="text")
    turn = model.complete(USER, [BASH_TOOL])

    req = server.completion_requests[0].body
    assert "tools" not in req
    assert "```bash" in req["messages"][0]["content"]
    assert [c.arguments for c in turn.tool_calls] == [{"command": "ls"}]
    assert turn.message == {"role": "assistant", "content": "Looking.\n```bash\nls\n```"}
    (result,) = model.tool_result_messages(turn, [(turn.tool_calls[0].id, "bash", "a.c")])
    assert result["role"] == "user" and "a.c" in result["content"]

    second = model.complete(USER, [BASH_TOOL])
    assert second.format_error and second.tool_calls == []
