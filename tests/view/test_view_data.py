"""The viewer's data layer without a browser: live alerts on planted sequences, the run catalog
(order, ids, prefixes), and per-call columns that grow with new recorded fields."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

import pytest

from agent.analysis.alerts import ERROR_STREAK, AlertDetector
from agent.trajectory.catalog import RunNotFound, list_runs, resolve_run
from agent.view.tracker import Cursor, RunTracker
from tests.analysis.synth import RunBuilder


class Feed:
    def __init__(self, **kw: Any) -> None:
        self.d = AlertDetector(**kw)
        self.step = 0
        self.t = 1000.0
        self.alerts: list[Any] = []

    def ev(self, kind: str, **fields: Any) -> None:
        self.t += 1
        self.alerts += self.d.feed({"type": kind, "step": self.step, "t": self.t, **fields})

    def call(self, command: str, ok: bool = True, cost: float | None = None) -> None:
        self.step += 1
        self.ev("model_call", message={"tool_calls": [{}]}, cost=cost, retries=[])
        self.ev("tool_call", name="bash", arguments={"command": command})
        self.ev("tool_result", name="bash", ok=ok, exit_code=0 if ok else 1)
        self.ev("snapshot")

    def kinds(self) -> list[str]:
        return [a.kind for a in self.alerts]


def test_error_streak_loop_and_cycle_alert_once_per_episode() -> None:
    f = Feed()
    for i in range(ERROR_STREAK + 5):
        f.call(f"false {i}", ok=False)
    assert f.kinds() == ["error_streak"] and f.alerts[0].step == ERROR_STREAK
    f.call("ok")
    for _ in range(8):
        f.call("cat main.c")
    loops = [a for a in f.alerts if a.kind == "loop"]
    assert len(loops) == 1 and "5 times in a row" in loops[0].message
    f.call("other")
    for _ in range(3):
        for cmd in ("make", "./test", "vi x"):
            f.call(cmd)
    cycles = [a for a in f.alerts if "cycle of 3 calls" in a.message]
    assert len(cycles) == 1


def test_stall_regression_budget_and_retries() -> None:
    f = Feed(budgets={"max_steps": 100, "max_cost": 1.0}, started_at=1000.0, eval_every=10)
    f.call("a")
    f.ev("evaluation", passed=5, total=10, tool_calls=1)
    for i in range(40):
        f.call(f"step {i}")
    f.ev("evaluation", passed=3, total=10, tool_calls=41)
    assert [a.message for a in f.alerts if a.kind == "regression"] == \
        ["regression: pass rate 50.0% → 30.0% (3/10) at call 41"]
    for i in range(60):  # max(100, 4 x 10) calls with no better score: a stall, once graded
        f.call(f"more {i}")
    assert not [a for a in f.alerts if a.kind == "stall"]  # calls not graded yet: no stall
    f.ev("evaluation", passed=4, total=10, tool_calls=101)
    f.ev("evaluation", passed=4, total=10, tool_calls=101)
    stalls = [a for a in f.alerts if a.kind == "stall"]
    assert len(stalls) == 1 and "no better score for 100 tool calls" in stalls[0].message
    budget = [a.message for a in f.alerts if a.kind == "budget"]
    assert budget == ["75% of the steps budget used (75 of 100)",
                      "90% of the steps budget used (90 of 100)"]
    f.step += 1
    f.ev("model_call", cost=0.8, retries=[{"attempt": 1, "error": "HTTP 503: x", "wait_s": 1}])
    assert "model call retried: 1 retry (HTTP 503), 1.0 s waiting" in [a.message for a in
                                                                       f.alerts]
    assert "75% of the cost budget used ($0.80 of $1.00)" in [a.message for a in f.alerts]


def test_catalog_orders_and_resolves_ids(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    for name in ("20261207-alpha", "20261207-beta", "20261208-gamma"):
        RunBuilder(logs / name, run_id=name).write()
    live = logs / "20261208-live"
    RunBuilder(live, run_id="20261208-live").write(status="running", end=False)
    (logs / "broken").mkdir()
    (logs / "broken" / "run.json").write_text("{not json")
    (logs / "not-a-run").mkdir()
    fd = os.open(live / ".lock", os.O_CREAT | os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a live writer
    try:
        rows = list_runs([logs])
        assert rows[0].key == "20261208-live" and rows[0].status == "running"
        assert {r.key: r.status for r in rows}["broken"] == "unreadable"
        assert "not-a-run" not in {r.key for r in rows}
    finally:
        os.close(fd)
    assert {r.key: r.status for r in list_runs([logs])}["20261208-live"] == "interrupted"
    assert resolve_run("20261207-beta", logs) == logs / "20261207-beta"
    assert resolve_run("20261208-g", logs) == logs / "20261208-gamma"
    with pytest.raises(RunNotFound, match=r"2 runs in .* start with it"):
        resolve_run("20261207", logs)
    with pytest.raises(RunNotFound, match=r"no run id in .* starts with it"):
        resolve_run("zzz", logs)
    assert resolve_run(str(logs / "broken"), logs) == logs / "broken"  # a path as it is


def test_new_per_call_fields_become_columns(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    b.bash("one")
    b.emit("model_call", message={"role": "assistant", "content": "x"}, prompt_tokens=10,
           completion_tokens=2, cached_prompt_tokens=8,
           usage_details={"reasoning_tokens": 5, "note": "text"}, retries=[], latency_s=0.3)
    run = b.write()
    t = RunTracker(run)
    t.refresh()
    cols = t.delta(Cursor())["calls"]
    assert cols["cached_prompt_tokens"] == [None, 8]  # back-filled for the earlier call
    assert cols["usage_details.reasoning_tokens"] == [None, 5]
    assert "usage_details.note" not in cols and cols["prompt_tokens"] == [100, 10]
    json.dumps(cols)
