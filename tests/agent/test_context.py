"""Context policies against an endpoint that rejects prompts above a token limit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.runner import RunConfig, execute_run
from tests.agent.conftest import TINY, seqs_contiguous
from tests.fakes.openai_server import FakeOpenAIServer, Reply

SUMMARY_MARK = "Your conversation is about to be compacted"


def long_agent(calls: int, notes_every: int = 0) -> tuple[dict[str, int], Any]:
    """An endpoint 'model' that makes ``calls`` tool calls with ~1 KB outputs, then finishes;
    it answers compaction requests (no tools offered) with a summary."""
    state = {"n": 0, "summaries": 0}

    def agent(body: dict[str, Any]) -> Reply:
        last = body["messages"][-1]
        if not body.get("tools") and SUMMARY_MARK in str(last.get("content")):
            state["summaries"] += 1
            return Reply(content=f"## Goal\nappend lines\n## State\nsummary {state['summaries']}"
                                 f" after {state['n']} calls\n## Next steps\ncontinue")
        state["n"] += 1
        n = state["n"]
        if n > calls:
            return Reply(tool_calls=[("finish", {"summary": "done"})])
        if notes_every and n % notes_every == 0:
            return Reply(tool_calls=[("notes", {"content": f"note {n}: lines up to {n} done"})])
        return Reply(content=f"step {n}",
                     tool_calls=[("bash", {"command": f"echo {n} >> log.txt; seq 1 250"})])

    return state, agent


def set_window(tokens: int) -> None:
    path = Path.home() / ".config" / "ultrarun" / "models.yaml"
    data = yaml.safe_load(path.read_text())
    data["profiles"]["fake"]["context_window"] = tokens
    path.write_text(yaml.safe_dump(data))


def test_full_falls_back_to_compaction_and_finishes(endpoint: FakeOpenAIServer,
                                                   tmp_path: Path) -> None:
    endpoint.max_prompt_tokens = 12_000
    state, endpoint.responder = long_agent(120)
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path, context="full", max_steps=400))
    assert (res.info.status, res.info.end_reason) == ("finished", "finished")
    events = seqs_contiguous(res.run_dir)
    ctx = [e for e in events if e["type"] == "context"]
    assert ctx[0]["action"] == "fallback" and "context" in ctx[0]["details"]["error"]
    assert any(e["action"] == "compact" for e in ctx) and state["summaries"] >= 1
    assert res.info.totals.tool_calls == 121
    lines = (res.run_dir / "workspace" / "log.txt").read_text().split()
    assert lines == [str(i) for i in range(1, 121)]


@pytest.mark.slow  # a 300-call run
def test_mask_keeps_request_size_bounded(endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    _state, endpoint.responder = long_agent(300)
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path, context="mask", max_steps=400))
    assert res.info.end_reason == "finished" and res.info.totals.tool_calls == 301
    sizes = [r.size_bytes for r in endpoint.completion_requests]
    assert sizes[299] <= 1.5 * sizes[49], (sizes[49], sizes[299])
    events = seqs_contiguous(res.run_dir)
    masks = [e for e in events if e["type"] == "context" and e["action"] == "mask"]
    assert 5 <= len(masks) <= 60  # changes come in chunks, not every step
    # Masked outputs still name the call, its exit code and how to see it again.
    last = endpoint.completion_requests[-1].body["messages"]
    stubs = [m["content"] for m in last if m["role"] == "tool" and "masked" in m["content"]]
    assert stubs and "bash, exit 0" in stubs[0] and "read_log" in stubs[0]
    # The trajectory itself keeps every output in full.
    outputs = [e for e in events if e["type"] == "tool_result" and e["name"] == "bash"]
    assert all("250\n[exit code 0]" in e["output"] for e in outputs)


def test_compact_keeps_notes_and_finishes_300_calls_under_a_small_limit(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    endpoint.max_prompt_tokens = 6_000
    set_window(6_000)
    state, endpoint.responder = long_agent(300, notes_every=40)
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path, context="compact", max_steps=400))
    assert (res.info.status, res.info.end_reason) == ("finished", "finished")
    assert res.info.totals.tool_calls == 301
    events = seqs_contiguous(res.run_dir)
    compacts = [e for e in events if e["type"] == "context" and e["action"] == "compact"]
    assert len(compacts) >= 5 and state["summaries"] == len(compacts)
    assert all(c["details"]["est_tokens_after"] < c["details"]["est_tokens_before"]
               for c in compacts)
    first_note = next(e["seq"] for e in events
                      if e["type"] == "tool_call" and e["name"] == "notes")
    later = [c for c in compacts if c["seq"] > first_note]
    assert later and all("note 40: lines up to 40 done" in c["details"]["message"]["content"]
                         for c in later)
    too_big = [r for r in endpoint.completion_requests
               if len(json.dumps(r.body["messages"], ensure_ascii=False)) > 6_000 * 4]
    assert not too_big, "a prompt went over the endpoint's limit"
