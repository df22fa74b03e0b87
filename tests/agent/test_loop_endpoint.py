"""The loop against a real HTTP endpoint (the fake server) through the real openai client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.runner import RunConfig, execute_run
from tests.agent.conftest import (
    SECRET,
    TINY,
    assert_secret_absent,
    edit_profile,
    seqs_contiguous,
)
from tests.fakes.openai_server import FakeOpenAIServer, Reply


def _count_tool_answers(body: dict[str, Any]) -> int:
    return sum(1 for m in body["messages"] if m["role"] == "tool")


@pytest.mark.docker
def test_happy_path_60_steps_in_docker(endpoint: FakeOpenAIServer, tmp_path: Path,
                                       base_image: str) -> None:
    def agent(body: dict[str, Any]) -> Reply:
        n = _count_tool_answers(body) + 1
        if n == 4:
            return Reply(tool_calls=[("bash", {"command": "env; echo 4 >> log.txt"})])
        if n > 60:
            return Reply(tool_calls=[("finish", {"summary": "wrote lines"})])
        return Reply(content=f"step {n}",
                     tool_calls=[("bash", {"command": f"echo {n} >> log.txt && wc -l log.txt"})])

    endpoint.responder = agent
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", logs=tmp_path / "logs",
                                eval_every=20))
    info = res.info
    assert (info.status, info.end_reason) == ("finished", "finished")
    assert info.totals.steps == 61 and info.totals.tool_calls == 61
    assert info.base_url == endpoint.base_url and info.api_key_env
    assert info.totals.tokens_in > 0 and info.totals.cost > 0
    events = seqs_contiguous(res.run_dir)
    lines = (res.run_dir / "workspace" / "log.txt").read_text().split()
    assert len(lines) == 60 and lines[-1] == "60"
    evals = [e for e in events if e["type"] == "evaluation"]
    assert len(evals) >= 3 and evals[-1]["final"] and evals[-1]["passed"] == 10
    assert info.grade and info.grade["passed"] == 10
    # Every request carried the key in its header, and only there.
    assert all(r.header("authorization") == f"Bearer {SECRET}"
               for r in endpoint.completion_requests)
    # The sandbox's environment (`env` at step 4) does not hold the key.
    assert_secret_absent(res.run_dir)
    snaps = [e for e in events if e["type"] == "snapshot"]
    assert len(snaps) == 62  # every step ends with one, and the initial workspace has one
    assert sum(1 for s in snaps if s["changed"]) == 61  # the finish step changed nothing


def test_faults_and_dialects_in_one_run(endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    bash = ("bash", {"command": "echo 1 >> log.txt"})
    edit_profile(timeout_s=1.5)
    endpoint.enqueue(
        Reply.error(429, "slow down", headers={"Retry-After": "1"}),
        Reply(tool_calls=[bash], reasoning_content="I should start with line 1"),
        Reply.error(500), Reply.error(502), Reply(drop=True),
        Reply(tool_calls=[("bash", {"command": "echo 2 >> log.txt"}),
                          ("bash", {"command": "echo 3 >> log.txt"})], usage=None),
        Reply(delay_s=3.0, tool_calls=[bash]),  # past the 1.5 s timeout: retried
        Reply(tool_calls=[("bash", {"command": "echo 4 >> log.txt"})]),
        Reply(tool_calls=[("bash", '{"command": "echo 5 >> log.txt"')]),  # malformed JSON
        Reply(tool_calls=[("bash", {"cmd": "oops"})]),  # missing field
        Reply(tool_calls=[("launch_rockets", {"n": 1})]),  # unknown tool
        Reply(empty_choices=True),
        Reply(content="Let me think about this without tools."),  # text only
        Reply(content="cut", finish_reason="length",
              tool_calls=[("bash", {"command": "echo 5 >> log.txt"})]),
        Reply(tool_calls=[("finish", {"summary": "done"})]),
    )
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path / "logs"))
    assert (res.info.status, res.info.end_reason) == ("finished", "finished")
    events = seqs_contiguous(res.run_dir)
    calls = [e for e in events if e["type"] == "model_call"]
    first = calls[0]
    assert [r["status"] for r in first["retries"]] == [429]
    assert first["retries"][0]["wait_s"] >= 1.0
    assert first["reasoning"] == "I should start with line 1"
    assert [r["status"] for r in calls[1]["retries"]][:2] == [500, 502]
    assert len(calls[1]["retries"]) == 3  # 500, 502, dropped connection
    assert "prompt_tokens" not in calls[1]  # the endpoint sent no usage
    assert len(calls[2]["retries"]) == 1  # the slow answer timed out once
    results = [e for e in events if e["type"] == "tool_result"]
    kinds = [r.get("error_kind") for r in results]
    assert kinds.count("bad_arguments") == 2 and kinds.count("unknown_tool") == 1
    reminders = [e for e in events if e["type"] == "message" and e["reason"] == "format_error"]
    assert len(reminders) == 2  # empty choices and the text-only turn
    assert any(c.get("finish_reason") == "length" for c in calls)
    # The slow answer was abandoned at the timeout; the retry got the next one (echo 4).
    assert (res.run_dir / "workspace" / "log.txt").read_text().split() == \
        ["1", "2", "3", "4", "5"]
    # The model saw its errors as tool results it could act on.
    last_body = endpoint.completion_requests[-1].body
    tool_texts = [m["content"] for m in last_body["messages"] if m["role"] == "tool"]
    assert any("not a JSON object" in t for t in tool_texts)
    assert any("unknown tool 'launch_rockets'" in t for t in tool_texts)
    assert any("command: Field required" in t for t in tool_texts)
    assert_secret_absent(res.run_dir)


def test_unrecoverable_endpoint_error_fails_the_run(endpoint: FakeOpenAIServer,
                                                    tmp_path: Path) -> None:
    endpoint.enqueue(Reply.error(401, "invalid api key"))
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path / "logs"))
    assert (res.info.status, res.info.end_reason) == ("failed", "error")
    assert res.info.error and "ULTRARUN_LOOP_TEST_KEY" in res.info.error
    assert len(endpoint.completion_requests) == 1  # 401 is not retried
    events = seqs_contiguous(res.run_dir)
    assert events[-1]["type"] == "run_end" and any(e["type"] == "error" for e in events)


def test_budgets_stop_with_the_right_reason(endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    endpoint.responder = lambda body: Reply(tool_calls=[("bash", {"command": "true"})],
                                            usage={"prompt_tokens": 1000,
                                                   "completion_tokens": 100})
    logs = tmp_path / "logs"
    by_steps = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                     logs=logs, max_steps=3))
    assert by_steps.info.end_reason == "max_steps" and by_steps.info.totals.steps == 3
    # 1000 in at $1000/M + 100 out at $2000/M = $1.20 a call.
    by_cost = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                    logs=logs, max_cost=3.0))
    assert by_cost.info.end_reason == "max_cost" and by_cost.info.totals.steps == 3
    assert by_cost.info.totals.cost == pytest.approx(3.6)
    endpoint.responder = lambda body: Reply(delay_s=0.3, tool_calls=[("bash", {"command": "true"})])
    by_time = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                    logs=logs, max_time="3s"))
    # 0.3 s a reply: at most 10 in 3 s, and the one the budget cut counts too.
    assert by_time.info.end_reason == "max_time" and 2 <= by_time.info.totals.steps <= 11
    endpoint.responder = lambda body: Reply(content="I refuse to use tools.")
    chatty = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                   logs=logs, max_format_errors=4))
    assert (chatty.info.status, chatty.info.end_reason) == ("failed", "error")
    assert chatty.info.totals.steps == 4
    for r in (by_steps, by_cost, by_time, chatty):
        assert json.loads((r.run_dir / "run.json").read_text())["status"] == r.info.status
