"""A run read back typed: `events_of`, `tool_calls`, `by_step`, `snapshot_commits`, and what
happens to a line that is not an event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, assert_type

from agent.trajectory import EventBase, load_run
from agent.trajectory.events import (
    ErrorEvent,
    EvaluationEvent,
    ModelCall,
    RunStart,
    SnapshotEvent,
    ToolCallEvent,
    ToolResultEvent,
)
from agent.trajectory.reader import ToolExchange, totals_from_events


def _write(run_dir: Path, events: list[dict[str, Any] | str]) -> Path:
    """events.jsonl as the contract writes it (dicts get seq/t); a str is written raw."""
    run_dir.mkdir()
    lines = []
    for seq, e in enumerate(events):
        lines.append(e if isinstance(e, str) else json.dumps({"seq": seq, "t": 100.0 + seq, **e}))
    (run_dir / "events.jsonl").write_text("\n".join(lines) + "\n")
    return run_dir


def _call(step: int, cid: str, command: str) -> dict[str, Any]:
    return {"type": "tool_call", "step": step, "call_id": cid, "name": "bash",
            "arguments": {"command": command}}


def _result(step: int, cid: str, exit_code: int, **extra: Any) -> dict[str, Any]:
    return {"type": "tool_result", "step": step, "call_id": cid, "name": "bash", "ok": True,
            "output": f"out of {cid}", "exit_code": exit_code, **extra}


EVENTS: list[dict[str, Any] | str] = [
    {"type": "run_start", "step": 0, "run_id": "r", "messages": [], "tools": ["bash"]},
    {"type": "model_call", "step": 1, "message": {"role": "assistant", "content": "hi"},
     "prompt_tokens": 10, "completion_tokens": 5},
    _call(1, "a", "make"),
    _result(1, "a", 2),
    _call(1, "b", "true"),
    _result(1, "b", 0, error_kind="after_finish"),
    {"type": "snapshot", "step": 1, "commit": "c1", "tool_calls": 1},
    {"type": "model_call", "step": 2, "message": {"role": "assistant", "content": None}},
    "{not json at all",
    {"type": "tool_result", "step": 2, "call_id": "x", "name": "bash"},  # no ok, no output
    {"type": "hologram", "step": 2, "colour": "blue"},  # a type from a later version
    _result(2, "orphan", 0),
    _call(2, "a", "make again"),  # an id used again pairs with its latest call
    _result(2, "a", 0),
    _call(2, "lost", "sleep 999"),  # the run died in this call
    {"type": "error", "step": 2, "message": "HTTP 503", "where": "model", "status": 503,
     "retries": [{"attempt": 1, "error": "HTTP 503", "wait_s": 1.0}]},
    {"type": "snapshot", "step": 2, "commit": "c1", "changed": False, "tool_calls": 2},
    {"type": "evaluation", "step": 1, "passed": 3, "total": 4, "tool_calls": 1},
]


def test_events_of_returns_the_subclass_typed(tmp_path: Path) -> None:
    run = load_run(_write(tmp_path / "run", EVENTS))
    results = run.events_of(ToolResultEvent)
    assert_type(results, list[ToolResultEvent])  # what mypy sees
    assert [type(r) for r in results] == [ToolResultEvent] * 4
    assert [(r.call_id, r.exit_code, r.ran, r.failed) for r in results] == [
        ("a", 2, True, True), ("b", 0, False, False), ("orphan", 0, True, False),
        ("a", 0, True, False)]
    assert [e.commit for e in run.events_of(SnapshotEvent)] == ["c1", "c1"]
    assert [m.prompt_tokens for m in run.events_of(ModelCall)] == [10, None]
    assert [m.message["content"] for m in run.events_of(ModelCall, step=2)] == [None]
    assert [c.call_id for c in run.events_of(ToolCallEvent, step=2)] == ["a", "lost"]
    (start,) = run.events_of(RunStart)
    assert start.tools == ["bash"] and isinstance(start, RunStart)
    (err,) = run.events_of(ErrorEvent)
    assert (err.status, err.retries[0]["wait_s"]) == (503, 1.0)
    assert run.events_of(EvaluationEvent)[0].passed == 3
    assert len(run.events_of(EventBase)) == len(run.events)


def test_unreadable_lines_are_skipped_with_a_warning_unknown_types_kept(tmp_path: Path) -> None:
    run = load_run(_write(tmp_path / "run", EVENTS))
    path = tmp_path / "run" / "events.jsonl"
    warnings = [w for w in run.warnings if "run.json" not in w]  # (no run.json here)
    assert len(warnings) == 2
    assert warnings[0].startswith(f"{path}:9: unreadable event skipped (")
    assert warnings[1].startswith(f"{path}:10: unreadable event skipped (")
    assert "validation error" in warnings[1]  # a known type missing its fields
    assert len(run.events) == len(EVENTS) - 2
    # An event of a type this version does not know stays, as a plain EventBase.
    (future,) = [e for e in run.events if e.type == "hologram"]
    assert type(future) is EventBase and future.model_extra == {"colour": "blue"}
    assert not any(isinstance(future, cls) for cls in (ToolResultEvent, ModelCall, ErrorEvent))


def test_tool_calls_pair_calls_with_results(tmp_path: Path) -> None:
    run = load_run(_write(tmp_path / "run", EVENTS))
    pairs = run.tool_calls()
    assert_type(pairs, list[ToolExchange])
    shown = [(x.step, x.call_id, x.call is not None,
              x.result.exit_code if x.result is not None else "none") for x in pairs]
    assert shown == [(1, "a", True, 2), (1, "b", True, 0), (2, "orphan", False, 0),
                     (2, "a", True, 0), (2, "lost", True, "none")]
    again = pairs[3]
    assert again.call is not None and again.call.arguments == {"command": "make again"}
    assert pairs[2].name == "bash"  # an orphan result still names its tool


def test_by_step_and_snapshot_commits(tmp_path: Path) -> None:
    run = load_run(_write(tmp_path / "run", EVENTS))
    steps = run.by_step()
    assert list(steps) == [0, 1, 2]
    # Within a step, recorded order; the late evaluation of step 1 lands at its end.
    assert [e.type for e in steps[1]][-2:] == ["snapshot", "evaluation"]
    assert [e.seq for e in steps[2]] == sorted(e.seq for e in steps[2])
    assert run.snapshot_commits() == [(1, "c1"), (2, "c1")]


def test_totals_from_typed_events(tmp_path: Path) -> None:
    run = load_run(_write(tmp_path / "run", EVENTS))
    t = totals_from_events(run.events)
    # after_finish is not a tool call; the model error's retry counts; the run reached step 2.
    assert (t.steps, t.tool_calls, t.model_calls, t.tokens_in, t.tokens_out, t.retries) == \
        (2, 3, 2, 10, 5, 1)
