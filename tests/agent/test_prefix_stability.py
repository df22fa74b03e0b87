"""Prefix stability per context policy on a scripted run: every request repeats the previous
one exactly except right after a context change, and the figure the report shows agrees with
what a prompt cache (the fake server playing one) reads."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.analysis.metrics import compute_metrics
from agent.analysis.report import summary_rows
from agent.options import RunConfig
from agent.runner import execute_run
from agent.trajectory import load_run
from agent.trajectory.run_info import MaskOptions
from tests.agent.conftest import KEY_ENV, TINY, seqs_contiguous
from tests.fakes.openai_server import FakeOpenAIServer, Reply

STEPS = 36


def _agent(body: dict[str, Any]) -> Reply:
    if not body.get("tools"):  # a compaction's summary request
        return Reply(content="Summary: appended numbers to log.txt, step after step.")
    n = sum(1 for m in body["messages"] if m["role"] == "assistant") + 1
    return Reply(content=f"step {n}",
                 tool_calls=[("bash", {"command": f"echo {n} >> log.txt; seq 1 {20 + n}"})])


@pytest.mark.parametrize("context", ["full", "mask", "compact"])
def test_prefix_is_stable_between_context_changes(context: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / ".config" / "ultrarun").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv(KEY_ENV, "sk-test")
    with FakeOpenAIServer(responder=_agent, prompt_cache=True) as server:
        profile = {"model": "fake-model", "base_url": server.base_url, "api_key_env": KEY_ENV,
                   "context_window": 4000}
        (home / ".config" / "ultrarun" / "models.yaml").write_text(
            yaml.safe_dump({"profiles": {"fake": profile}}))
        res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                    logs=tmp_path / "logs", context=context, max_steps=STEPS,
                                    mask=MaskOptions(keep_outputs=4, keep_steps=8),
                                    clock=False))
    events = seqs_contiguous(res.run_dir)
    calls = [e for e in events if e["type"] == "model_call"]
    assert len(calls) == STEPS and calls[0].get("prefix_chars") is None
    changed_before: set[int] = set()  # calls preceded by a context change
    prev_seq = -1
    for i, e in enumerate(events):
        if e["type"] == "context" and e["action"] in ("mask", "compact"):
            changed_before.add(next(c["seq"] for c in calls if c["seq"] > e["seq"]))
        if e["type"] == "model_call":
            prev_seq = i
    assert prev_seq > 0
    stable = [(a, b) for a, b in itertools.pairwise(calls)
              if b["seq"] not in changed_before]
    # Between changes a request is the previous one plus what came since, byte for byte.
    assert stable and all(b["prefix_chars"] == a["request_chars"] for a, b in stable)
    breaks = [b for a, b in itertools.pairwise(calls)
              if b["prefix_chars"] < a["request_chars"]]
    assert {b["seq"] for b in breaks} <= changed_before
    assert bool(changed_before) == (context != "full")
    metrics = compute_metrics(load_run(res.run_dir))
    c = metrics.caching
    assert c.context == context and c.prefix.requests == STEPS - 1
    assert c.prefix.share is not None
    # The fake server's cache reads what repeats (its own count, on the JSON it received).
    assert c.cache_hit_rate == pytest.approx(c.prefix.share, abs=0.04)
    if context == "full":
        assert c.prefix.breaks == 0 and c.prefix.share > 0.9
    rows = dict(summary_rows(metrics))
    assert rows["prompt prefix reused"] == f"{c.prefix.share * 100:.1f}% ({context})"
    assert rows["prefix breaks"] == f"{c.prefix.breaks} in {STEPS - 1} calls"
    assert res.info.totals.prefix_share == c.prefix.share
