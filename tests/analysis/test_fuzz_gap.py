"""The fuzz measure over a run: the overfitting gap and its flag on planted curves, and the
reports (terminal, JSON, HTML with escaped sources, compare)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.analysis.compare import compare_runs, render_compare_html
from agent.analysis.fuzzgap import RISE, WIDEN, Segment, overfit_flag
from agent.analysis.metrics import compute_metrics
from agent.analysis.report import render_html, render_terminal, report_json
from agent.trajectory import load_run
from tests.analysis.synth import RunBuilder

TESTS = 20


def fuzz(seed: int, tried: int, agreed: int, miscompiled: int | None = None) -> dict[str, Any]:
    bad = tried - agreed
    miscompiled = bad if miscompiled is None else miscompiled
    return {"seed": seed, "programs": tried, "tried": tried, "agreed": agreed,
            "miscompiled": miscompiled, "crashed": 0, "rejected": bad - miscompiled,
            "by_feature": {"mod": [tried // 2, agreed // 2], "loops": [tried, agreed]},
            "by_tier": {"toy": [tried, agreed]},
            "failures": [{"index": 0, "seed": 99, "tier": "toy", "outcome": "miscompiled",
                          "features": ["mod"], "expected": {"exit_code": 1, "stdout": "1\n"},
                          "got": {"exit_code": 2, "stdout": "2\n"}}] if bad else []}


def curve_run(run_dir: Path, passes: list[float], agrees: list[float],
              programs: int = 32) -> Path:
    """A run with one evaluation per point: ``passes[i]`` of the tests, ``agrees[i]`` of the
    ``programs`` fuzz programs (exact shares: the curve is planted, not sampled)."""
    b = RunBuilder(run_dir, run_id=run_dir.name, scenario="toy-c-compiler")
    for i, (p, a) in enumerate(zip(passes, agrees, strict=True)):
        b.filler(10)
        n = round(p * TESTS)
        tests = {f"s/t{k}": "pass" if k < n else "fail" for k in range(TESTS)}
        b.evaluate(tests, fuzz=fuzz(1000 + i, programs, round(a * programs)),
                   final=i == len(passes) - 1)
    return b.write()


def flagged(tmp_path: Path, passes: list[float], agrees: list[float],
            programs: int = 32) -> bool | None:
    m = compute_metrics(load_run(curve_run(tmp_path / "run", passes, agrees, programs)))
    assert m.fuzz is not None
    return m.fuzz.flagged


RISING = [0.1, 0.2, 0.3, 0.45, 0.6, 0.7, 0.8, 0.85]


def test_pass_rate_climbing_with_flat_fuzz_is_flagged(tmp_path: Path) -> None:
    assert flagged(tmp_path, RISING, [0.3] * 8) is True


def test_pass_rate_climbing_with_fuzz_falling_is_flagged(tmp_path: Path) -> None:
    assert flagged(tmp_path, RISING, [0.5, 0.5, 0.45, 0.4, 0.35, 0.3, 0.3, 0.25]) is True


def test_both_rising_is_not_flagged(tmp_path: Path) -> None:
    assert flagged(tmp_path, RISING, [x - 0.05 for x in RISING]) is False


def test_fuzz_falling_with_a_flat_pass_rate_is_not_flagged(tmp_path: Path) -> None:
    """The flag is about tests passed climbing away from the fuzz measure, not about a
    compiler that gets worse on both (regressions say that)."""
    assert flagged(tmp_path, [0.5] * 8, [0.6, 0.55, 0.5, 0.45, 0.4, 0.35, 0.3, 0.25]) is False


def test_too_few_programs_is_no_verdict(tmp_path: Path) -> None:
    """Two evaluations of 8 programs: one segment, nothing to compare."""
    assert flagged(tmp_path, [0.1, 0.9], [0.3, 0.3], programs=8) is None


def test_the_flag_allows_for_the_noise_of_few_programs() -> None:
    """A widening just past the threshold is not enough when segments hold few programs
    (their agreement is a noisy estimate), and is with many."""
    def seg(pass_rate: float, rate: float, tried: int, at: int) -> Segment:
        return Segment(first_call=at, last_call=at, evaluations=1, pass_rate=pass_rate,
                       tried=tried, agreed=round(rate * tried), fuzz_rate=round(rate * tried)
                       / tried)

    widening = RISE + WIDEN + 0.05
    few = [seg(0.2, 0.5, 48, 10), seg(0.2 + widening, 0.5, 48, 20)]
    many = [seg(0.2, 0.5, 4800, 10), seg(0.2 + widening, 0.5, 4800, 20)]
    assert overfit_flag(few) is None
    flag = overfit_flag(many)
    assert flag is not None and flag.pass_rise == pytest.approx(widening)


def miscompiled_run(run_dir: Path) -> Path:
    """A run whose second evaluation found a miscompile, reduced after it; the program's
    text holds markup that must reach a page escaped."""
    b = RunBuilder(run_dir, run_id=run_dir.name, scenario="toy-c-compiler")
    b.filler(5)
    b.evaluate({"s/a": "pass", "s/b": "fail"}, fuzz=fuzz(1, 16, 16))
    b.filler(5)
    b.evaluate({"s/a": "pass", "s/b": "pass"}, fuzz=fuzz(2, 16, 12, miscompiled=3))
    step, calls = b.step, b.tool_calls
    b.reduction(step, calls, 2, [{
        "index": 3, "seed": 77, "tier": "toy", "status": "reduced", "features": ["mod"],
        "source": "int main(void) { /* </pre><script>alert(1)</script> */ return 7 % -2; }\n",
        "reduced": "int main(void) { return 7 % (-2) < 1 && \"<b>\"[0]; }\n",
        "lines_before": 40, "lines_after": 1, "seconds": 12.5, "checks": 80,
        "expected": {"exit_code": 1, "stdout": "<i>gcc</i>"},
        "got": {"exit_code": 0, "stdout": "&amp;"}}])
    return b.write()


def test_the_html_lists_reduced_miscompiles_with_escaped_source(tmp_path: Path) -> None:
    run = load_run(miscompiled_run(tmp_path / "run"))
    page = render_html(run, compute_metrics(run))
    assert 'id="miscompiles"' in page and 'id="miscompile-' in page
    assert "return 7 % (-2) &lt; 1 &amp;&amp; &quot;&lt;b&gt;&quot;[0];" in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the original, folded
    assert "<script>alert(1)" not in page and "\"<b>\"[0]" not in page
    assert "&lt;i&gt;gcc&lt;/i&gt;" in page and "&amp;amp;" in page  # both outputs, escaped
    assert "Fuzz measure and the overfitting gap" in page and ">fuzz agreement<" in page


def test_terminal_json_and_compare_carry_the_measure(tmp_path: Path) -> None:
    from rich.console import Console

    a = miscompiled_run(tmp_path / "a")
    b = curve_run(tmp_path / "b", RISING, [0.3] * 8)
    m = compute_metrics(load_run(a))
    assert m.fuzz is not None
    assert [p.fuzz_rate for p in m.fuzz.points] == [1.0, 0.75]
    assert m.fuzz.final_gap == pytest.approx(1.0 - 0.75)
    assert m.fuzz.miscompiles[0].program.reduced.startswith("int main")
    data = json.loads(json.dumps(report_json(m, load_run(a).info)))
    assert data["metrics"]["fuzz"]["points"][1]["gap"] == pytest.approx(0.25)
    console = Console(record=True, width=140)
    console.print(render_terminal(m, load_run(a).info))
    text = console.export_text()
    assert "fuzz agreement (final)" in text and "75.0%" in text
    assert "return 7 % (-2)" in text
    items = compare_runs([(a, load_run(a)), (b, load_run(b))])
    page = render_compare_html(items)
    assert "fuzz agreement with gcc (dashed)" in page and "overfitting flagged" in page
    assert "yes: pass rate" in page  # b is flagged
