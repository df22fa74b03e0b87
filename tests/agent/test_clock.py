"""The agent's clock: budgets told with the task, a line at the configured points after the
last tool result, recorded so resume gives the model the very same conversation; and a bash
call that asks for 600 s ends when the run's --max-time does."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.options import ResumeConfig, RunConfig
from agent.replay.views import group_steps, step_lines
from agent.resume import resume_run
from agent.runner import execute_run
from agent.trajectory import load_run
from tests.agent.conftest import TINY, seqs_contiguous
from tests.fakes.openai_server import FakeOpenAIServer, Reply


def _bash(_body: dict[str, Any]) -> Reply:
    return Reply(tool_calls=[("bash", {"command": "echo x >> log.txt"})])


def test_clock_lines_at_the_configured_points_and_replayed_on_resume(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    endpoint.responder = _bash
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path / "logs", max_steps=20, clock_every=5))
    events = seqs_contiguous(res.run_dir)
    task = events[0]["messages"][1]["content"]
    assert task.endswith("[Budgets for this task: 20 steps. You will be told what is left as "
                         "you go; finish (call `finish`) before they run out.]")
    clocks = [e for e in events if e["type"] == "clock"]
    # Every 5 steps, and at 50/75/90% of the 20 steps (10 and 15 are both: one line each).
    assert [(e["step"], e["reason"]) for e in clocks] == [
        (5, "every"), (10, "milestone"), (15, "milestone"), (18, "milestone")]
    assert [e["text"] for e in clocks] == [f"[clock: {n} of 20 steps left]"
                                           for n in (15, 10, 5, 2)]
    # Each line follows the last result of its step, where the model reads it next.
    sent = endpoint.completion_requests
    after_5 = [m["content"] for m in sent[5].body["messages"] if m["role"] == "tool"]
    assert after_5[-1].endswith("[exit code 0]\n[clock: 15 of 20 steps left]")
    assert "clock" not in after_5[-2]
    # A recorded tool result keeps the tool's own output.
    assert not any("clock" in e["output"] for e in events if e["type"] == "tool_result")
    lines = step_lines(load_run(res.run_dir), group_steps(load_run(res.run_dir).events)[4])
    assert "clock (every), after the last result: [clock: 15 of 20 steps left]" in lines
    # Resume rebuilds the conversation from the events: the next request repeats the last
    # one (clock lines and all) exactly, then goes on.
    before = sent[-1].body["messages"]
    n_before = len(sent)
    resume_run(ResumeConfig(run_dir=res.run_dir, max_steps=24))
    resumed = endpoint.completion_requests[n_before].body["messages"]
    assert resumed[:len(before)] == before


def test_no_clock_and_a_scenario_s_own_wording(endpoint: FakeOpenAIServer,
                                               tmp_path: Path) -> None:
    endpoint.responder = _bash
    off = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path / "logs", max_steps=4, clock=False))
    events = seqs_contiguous(off.run_dir)
    assert not [e for e in events if e["type"] == "clock"]
    assert events[0]["messages"][1]["content"] == (TINY / "prompt.md").read_text()
    worded = tmp_path / "worded"
    shutil.copytree(TINY, worded)
    spec = yaml.safe_load((worded / "scenario.yaml").read_text())
    spec["clock"] = {"every": 2, "milestones": [], "start": "You have {max_steps} turns.",
                     "line": "({steps_left} turns to go)"}
    (worded / "scenario.yaml").write_text(yaml.safe_dump(spec))
    res = execute_run(RunConfig(scenario=str(worded), profile="fake", sandbox="local",
                                logs=tmp_path / "logs", max_steps=4))
    events = seqs_contiguous(res.run_dir)
    assert events[0]["messages"][1]["content"].endswith("\n\nYou have 4 turns.")
    assert [e["text"] for e in events if e["type"] == "clock"] == ["(2 turns to go)",
                                                                   "(0 turns to go)"]


@pytest.mark.serial  # a timed kill
def test_a_600_s_bash_call_ends_at_max_time(tmp_path: Path) -> None:
    script = tmp_path / "sleep.yaml"
    script.write_text(yaml.safe_dump([
        {"tool_calls": [{"name": "bash", "arguments": {"command": "sleep 600",
                                                       "timeout": 600}}]},
        {"tool_calls": [{"name": "bash", "arguments": {"command": "echo never"}}]}]))
    start = time.monotonic()
    res = execute_run(RunConfig(scenario=str(TINY), model=f"script:{script}", sandbox="local",
                                logs=tmp_path / "logs", max_time="4s", eval_every=0))
    took = time.monotonic() - start
    assert res.info.end_reason == "max_time"
    result = next(e for e in seqs_contiguous(res.run_dir) if e["type"] == "tool_result")
    assert result["timed_out"] and result["duration_s"] < 6
    assert "timeout cut from 600 s to" in result["note"]
    assert "--max-time" in result["output"]
    assert took < 60  # the final grading included; never the 600 s the call asked for
