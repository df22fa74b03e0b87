"""One conversation builder: the loop's live conversation is the fold of the events it
recorded, so resume and fork (which fold the recorded events) start from exactly it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.context import make_policy
from agent.conversation import rebuild
from agent.models.script import ScriptModel
from agent.options import RunConfig
from agent.runner import execute_run
from agent.trajectory import load_run
from agent.trajectory.run_info import MaskOptions
from tests.agent.conftest import TINY


@pytest.mark.parametrize("context", ["full", "mask"])
def test_live_conversation_equals_the_fold_of_its_events(context: str, tmp_path: Path) -> None:
    turns = [{"tool_calls": [{"name": "bash", "arguments": {"command": f"echo {i} >> log.txt"}},
                             {"name": "read_file", "arguments": {"path": "log.txt"}}]}
             for i in range(8)]
    turns.insert(3, {"content": "thinking, no call"})  # a format error: a nudge message
    turns.append({"tool_calls": [{"name": "finish", "arguments": {"summary": "done"}}]})
    script = tmp_path / "calls.json"
    script.write_text(json.dumps(turns))
    res = execute_run(RunConfig(scenario=str(TINY), model=f"script:{script}", sandbox="local",
                                logs=tmp_path / "logs", run_id="r", context=context,
                                mask=MaskOptions(keep_outputs=2, keep_steps=4), eval_every=0))
    assert res.info.end_reason == "finished"
    run = load_run(res.run_dir)
    if context == "mask":
        assert any(e.type == "context" for e in run.events), "masking never happened"
    fold = rebuild(run.events, ScriptModel.from_file(script),
                   make_policy(context, mask=MaskOptions(keep_outputs=2, keep_steps=4)))
    assert fold.messages == res.messages
    assert len(res.messages) > 2 + 9 * 2
    assert fold.state.tool_calls == res.info.totals.tool_calls == 17
    assert fold.state.format_errors == 1
