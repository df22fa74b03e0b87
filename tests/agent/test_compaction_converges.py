"""Compaction that converges on a server that counts tokens its own way: after the one
overflow that teaches the window, the run never overflows again, though the tool output is
three times denser in the server's tokens than in the harness's estimate (the real 8k-window
finding of issue 21); a compacted request still too long is cut, said so, and not repeated."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from agent.options import RunConfig
from agent.runner import execute_run
from tests.agent.conftest import TINY, seqs_contiguous
from tests.fakes.openai_server import FakeOpenAIServer, Reply

WINDOW = 8192


def words_and_marks(text: str) -> int:
    """The server's tokenizer: an ASCII word or punctuation mark is a token, and each byte
    of any other character (as byte-level tokenizers do). Plain text counts fewer tokens than
    4 characters a token; entities like ``&lt;`` three per 4 characters; CJK nine."""
    other = sum(len(c.encode()) for c in text if ord(c) > 127)
    return len(re.findall(r"[A-Za-z0-9_]+|[^\w\s]", text)) + other


def _agent(body: dict[str, Any]) -> Reply:
    if not body.get("tools"):
        return Reply(content="Summary: printed escaped text and counted lines; keep going.")
    n = sum(1 for m in body["messages"] if m["role"] == "assistant") + 1
    dense = "python3 -c \"print('&lt;' * 350)\""  # 1,400 characters, ~1,050 server tokens
    plain = f"seq -s ' ' 1 {40 + n}"
    return Reply(content=f"step {n}", tool_calls=[("bash", {"command": dense if n % 3 else plain})])


@pytest.mark.parametrize("wording", ["openai", "llama-cpp-python", "llama.cpp"])
def test_one_overflow_teaches_the_window_and_no_other_follows(
        endpoint: FakeOpenAIServer, tmp_path: Path, wording: str) -> None:
    endpoint.responder = _agent
    endpoint.count_tokens = words_and_marks
    endpoint.max_prompt_tokens = WINDOW
    endpoint.overflow_wording = wording
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path / "logs", context="compact", max_steps=60,
                                clock=False))
    assert (res.info.status, res.info.end_reason) == ("finished", "max_steps")
    sent = [r for r in endpoint.completion_requests if r.body.get("tools")]
    overflows = [r for r in sent if words_and_marks(_json(r.body["messages"])) > WINDOW]
    events = seqs_contiguous(res.run_dir)
    ctx = [e for e in events if e["type"] == "context"]
    windows = [e["details"] for e in ctx if e["action"] == "window"]
    assert [w["context_window"] for w in windows] == [WINDOW]
    errors_400 = [e for e in ctx if e["action"] == "compact" and e["details"].get("error")]
    assert len(errors_400) == 1, "a request overflowed again after the window was known"
    compactions = [e for e in ctx if e["action"] == "compact"]
    assert len(compactions) >= 3  # the run went on compacting before the limit
    assert not [e for e in compactions if e["details"].get("harder")]
    assert len(overflows) <= 1
    assert res.info.totals.steps == 60


def test_a_compacted_request_still_too_long_is_cut_once(endpoint: FakeOpenAIServer,
                                                        tmp_path: Path) -> None:
    # The agent keeps notes twelve times denser in the server's tokens than the estimate
    # (CJK: three byte tokens a character), while all else it sends is plain words; the
    # notes are far over the window and written by a command, so the server never counted
    # them before the first compaction carries them.
    write = "python3 -c \"import os; os.makedirs('.agent', exist_ok=True); " \
        "open('.agent/notes.md', 'w').write('\u6f22' * 30000)\""

    def agent(body: dict[str, Any]) -> Reply:
        if not body.get("tools"):
            return Reply(content="Summary: wrote notes, counted numbers.")
        n = sum(1 for m in body["messages"] if m["role"] == "assistant") + 1
        words = f"printf 'lorem ipsum dolor sit amet %.0s' $(seq {120 + n})"  # sparse tokens
        command = write if n == 1 else words
        return Reply(tool_calls=[("bash", {"command": command})])

    endpoint.responder = agent
    endpoint.count_tokens = words_and_marks
    endpoint.max_prompt_tokens = WINDOW
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path / "logs", context="compact", max_steps=60,
                                clock=False))
    assert (res.info.status, res.info.end_reason) == ("finished", "max_steps"), res.info.error
    events = seqs_contiguous(res.run_dir)
    compacting = [e for e in events if e["type"] == "context" and e["action"] == "compact"]
    compactions = [e["details"] for e in compacting]
    harder = [c for c in compactions if c.get("harder")]
    # Each compacted request leaves room to work: never a compaction at every step.
    steps = sorted({e["step"] for e in compacting})
    assert all(b - a >= 2 for a, b in itertools.pairwise(steps)), steps
    # The compaction forced by the overflow that taught the window carried the notes and
    # overflowed once more: cut, and said so. Later ones are cut before they are sent.
    assert len(harder) == 1 and "were cut to 50% of the window" in harder[0]["why"]
    later = compactions[compactions.index(harder[0]) + 1:]
    assert later and all(c.get("cut") for c in later)
    sent = [r for r in endpoint.completion_requests if r.body.get("tools")]
    too_long = [r for r in sent if words_and_marks(_json(r.body["messages"])) > WINDOW]
    assert len(too_long) == 2  # the one that taught the window, and the one that was cut


def _json(messages: list[dict[str, Any]]) -> str:
    import json

    return json.dumps(messages, ensure_ascii=False)
