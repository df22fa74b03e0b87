"""Every metric on synthetic runs with planted defects and known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.analysis import compute_metrics
from agent.analysis.metrics import WINDOW, RunMetrics
from agent.trajectory import load_run
from tests.analysis.synth import RunBuilder, lines


@pytest.fixture(scope="module")
def m(planted: Path) -> RunMetrics:
    return compute_metrics(load_run(planted))


def test_progress_curve_auc_and_milestones(m: RunMetrics) -> None:
    p = m.progress
    assert p is not None
    assert [(x.tool_calls, x.rate) for x in p.points] == [
        (0, 0.0), (10, 0.6), (36, 0.2), (66, 0.6), (80, 0.8)]
    # 0 x 10 + 0.6 x 26 + 0.2 x 30 + 0.6 x 14 = 30 over 80 calls.
    assert p.auc == pytest.approx(30 / 80)
    assert p.final_rate == 0.8 and p.best_rate == 0.8
    assert p.tool_calls_to == {"25": 10, "50": 10, "75": 10, "90": 80}
    assert p.points[1].wall_s is not None and p.points[1].wall_s > 0
    assert p.points[1].tokens == 10 * 110  # 10 model calls of 100 + 10 tokens
    assert p.points[2].stages == {"basic": [1, 5], "advanced": [1, 5]}


def test_regression_of_four_tests_recovered_after_30(m: RunMetrics) -> None:
    r = m.regressions
    assert r is not None
    assert r.events == 1
    assert r.tests_lost == ["t0", "t1", "t2", "t3"]
    assert [(x.lost_at, x.passed_at, x.recovered_at, x.recovered_after) for x in r.losses] == \
        [(36, 10, 66, 30)] * 4
    assert r.unrecovered == 0
    assert r.max_drawdown == pytest.approx(0.4)


def test_loop_of_ten_identical_calls(m: RunMetrics) -> None:
    assert m.loops.longest_identical_run == 10
    assert m.loops.longest_identical_run_start == 11
    # 9 repeats in the loop of 10, 6 in the error streak of 7 identical calls.
    assert m.loops.exact_repeats == 15
    assert m.loops.exact_repeat_rate == pytest.approx(15 / 80)


def test_cycle_of_length_three(m: RunMetrics) -> None:
    c = m.loops.longest_cycle
    assert c is not None
    assert (c.length, c.repeats, c.start) == (3, 3, 21)
    assert c.names == ["read_file", "bash", "edit_file"]


def test_error_streak_of_seven(m: RunMetrics) -> None:
    assert m.errors.longest_streak == 7
    assert m.errors.longest_streak_start == 30
    assert m.errors.failing_results == 10  # 7 + 2 malformed + 1 unknown tool


def test_validity_per_100_calls(m: RunMetrics) -> None:
    v = m.validity
    assert (v.tool_calls, v.malformed, v.unknown_tool) == (80, 2, 1)
    assert v.malformed_per_100 == pytest.approx(2.5)
    assert v.unknown_tool_per_100 == pytest.approx(1.25)


def test_churn_file_rewritten_twice(m: RunMetrics) -> None:
    c = m.churn
    assert c is not None
    assert c.commits == 3
    assert (c.lines_added, c.lines_deleted, c.churned_lines) == (30, 20, 20)
    assert c.rewrites == 2 and c.rewrites_by_file == {"big.c": 2}
    assert c.top_files == {"big.c": 20}
    assert m.edits.write_file_overwrites == 2
    assert m.edits.overwrites_by_file == {"big.c": 2}


def test_context_events_and_stall(m: RunMetrics) -> None:
    assert [(c.tool_calls, c.action, c.details) for c in m.context_events] == \
        [(36, "compact", {"kept": 10})]
    assert m.stall is not None and m.stall.tool_calls_since_improvement == 0
    assert m.unavailable == {}


def test_stall_counts_from_last_improvement(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    b.filler(5)
    b.evaluate({"a": "pass", "b": "fail"})
    b.filler(5)
    b.evaluate({"a": "pass", "b": "fail"})  # same score: not an improvement
    b.filler(30)
    b.evaluate({"a": "fail", "b": "fail"})
    m = compute_metrics(load_run(b.write()))
    assert m.stall is not None
    assert (m.stall.last_improvement_at, m.stall.tool_calls_since_improvement) == (5, 35)
    assert m.progress is not None and m.progress.tool_calls_to["25"] is None  # final 0


def test_not_available_without_evaluations_or_snapshots(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "imported")
    b.filler(3)
    m = compute_metrics(load_run(b.write()))
    assert m.progress is None and m.regressions is None and m.stall is None
    assert m.churn is None
    assert set(m.unavailable) == {"progress", "regressions", "stall", "churn"}
    assert "no evaluation" in m.unavailable["progress"]
    assert "snapshots.git" in m.unavailable["churn"]
    dumped = m.model_dump(mode="json")
    assert dumped["progress"] is None and dumped["churn"] is None  # null, never 0


def test_failed_evaluations_are_not_a_curve(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    b.filler(2)
    b.emit("evaluation", tool_calls=2, passed=0, total=0, tests={}, error="grader crashed")
    m = compute_metrics(load_run(b.write()))
    assert m.progress is None
    assert "failed" in m.unavailable["progress"]


def test_build_break_episodes(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    b.bash("make", exit_code=0)  # 1
    b.bash("gcc -o cc main.c", exit_code=1)  # 2: break opens
    b.filler(3)  # 3-5
    b.bash("make -j4", exit_code=2)  # 6: still broken
    b.bash("make test", exit_code=1)  # 7: a test run, not a build
    b.bash("cd src && make", exit_code=0)  # 8: fixed after 6 calls
    b.bash("cargo build", exit_code=101)  # 9: open till the end
    b.filler(1)  # 10
    e = compute_metrics(load_run(b.write())).errors.build_breaks
    assert e.build_commands == 5
    assert e.episodes == 2 and e.lengths == [6, 2] and e.longest == 6 and e.open


def test_near_duplicates(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    b.bash("sed -n 1,20p main.c")
    b.bash("sed  -n 21,40p   main.c")  # numbers and whitespace differ
    tokens = " ".join(f"tok{chr(97 + i)}" for i in range(12))
    b.bash(f"gcc {tokens} -o x")
    b.bash(f"gcc {tokens} -o x -O2")  # Jaccard 14/15 >= 0.9
    b.bash("ls")
    m = compute_metrics(load_run(b.write())).loops
    assert m.exact_repeats == 0
    assert m.near_duplicates == 2


def test_cycle_is_minimal_and_longest(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    for _ in range(4):  # A B x4 = 8 calls beats nothing else
        b.bash("make")
        b.bash("./a.out")
    b.filler(2)
    for _ in range(3):
        b.bash("ls")  # A A A is a run, not a cycle
    m = compute_metrics(load_run(b.write())).loops
    assert m.longest_cycle is not None
    assert (m.longest_cycle.length, m.longest_cycle.repeats, m.longest_cycle.start) == (2, 4, 1)
    assert m.longest_identical_run == 3


def test_degradation_windows_and_slope(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    for k in range(4):  # error rate 0, 0.1, 0.2, 0.3 per window
        for i in range(WINDOW):
            if i < 5 * k:
                b.bash(f"false {k} {i} x", exit_code=1)
            else:
                b.filler(1)
    b.filler(10)  # a trailing stub of 10 calls is dropped
    d = compute_metrics(load_run(b.write())).degradation
    assert [w.calls for w in d.windows] == [WINDOW] * 4
    assert [round(w.error_rate, 3) for w in d.windows] == [0.0, 0.1, 0.2, 0.3]
    assert d.slopes["error_rate"] == pytest.approx(0.1)
    assert d.slopes["invalid_rate"] == pytest.approx(0.0)


def test_new_and_deleted_files_in_churn(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path / "r")
    b.snapshot({"keep.txt": lines(3, "seed")})
    b.bash("touch")
    b.snapshot({"a.txt": lines(4, "a"), "keep.txt": lines(3, "seed") + "more\n"})
    b.bash("rm a.txt")
    b.snapshot({"a.txt": None})
    c = compute_metrics(load_run(b.write())).churn
    assert c is not None
    assert (c.lines_added, c.lines_deleted, c.churned_lines, c.rewrites) == (5, 4, 4, 0)


def test_real_run_folder_shape(planted: Path) -> None:
    dumped = compute_metrics(load_run(planted)).model_dump(mode="json")
    assert list(dumped) == ["schema_version", "run", "progress", "regressions", "stall", "loops",
                            "errors", "validity", "edits", "churn", "degradation",
                            "model_calls", "caching", "context_events", "unavailable",
                            "warnings", "evaluations_requested", "evaluations_skipped", "fuzz"]
