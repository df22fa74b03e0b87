"""The fuzz measure end to end: a scripted run in Docker whose policy writes the toy reference
compiler, then plants a miscompile (`%` with a negative divisor takes the divisor's sign) that
the stage's hidden tests do not catch. The grader runs sealed, in its jail (gcc's part of the
fuzz measure made before the seal); the stage score stays whole, fuzz agreement drops, and the
reduced miscompile names `%`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from agent.analysis.metrics import compute_metrics
from agent.analysis.report import render_html
from agent.runner import RunConfig, execute_run
from agent.trajectory import load_run

ROOT = Path(__file__).parents[2]
SCENARIO = ROOT / "tests" / "data" / "scenarios" / "toy-fuzz"
FUZZ_SEED = 1  # repeatable (each evaluation derives its own seed from it)


def percent_operator(source: str) -> bool:
    """`%` as an operator (not in a string or a character constant)."""
    code = re.sub(r'"(\\.|[^"\\])*"|\'(\\.|[^\'\\])*\'', '""', source)
    return "%" in code


@pytest.fixture(scope="module")
def fuzz_run(tmp_path_factory: pytest.TempPathFactory, base_image: str) -> Path:
    logs = tmp_path_factory.mktemp("fuzz-run")
    result = execute_run(RunConfig(scenario=str(SCENARIO), model="reference", logs=logs,
                                   run_id="planted-percent", fuzz_seed=FUZZ_SEED))
    assert (result.info.status, result.info.end_reason) == ("finished", "finished"), \
        result.info.error
    return result.run_dir


def events(run_dir: Path, kind: str) -> list[dict[str, Any]]:
    lines = (run_dir / "events.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["type"] == kind]


@pytest.mark.docker
@pytest.mark.slow  # two gradings of a stage and 12 programs each, one reduction: ~4 minutes
def test_a_planted_miscompile_shows_in_the_fuzz_measure_only(fuzz_run: Path) -> None:
    first, final = events(fuzz_run, "evaluation")
    # the stage's score does not move: the planted bug passes every hidden test of it
    assert (first["passed"], first["total"]) == (final["passed"], final["total"]) == (20, 20)
    # the fuzz measure: fresh programs at each evaluation, agreement drops with the bug
    assert first["fuzz"]["seed"] != final["fuzz"]["seed"]
    assert first["fuzz"]["agreed"] == first["fuzz"]["tried"] == 12
    assert final["fuzz"]["miscompiled"] >= 1
    assert final["fuzz"]["agreed"] < final["fuzz"]["tried"] == 12
    assert all("mod" in f["features"] for f in final["fuzz"]["failures"])
    # gcc's part made before the seal (its table handed on), the candidate's sealed
    for e in (first, final):
        assert e["fuzz"]["oracle_s"] > 0 and e["frozen_s"] is not None
    # the first miscompile, reduced after the final evaluation: it still names `%`
    (reduction,) = events(fuzz_run, "reduction")
    assert reduction["step"] == final["step"] and reduction["seed"] == final["fuzz"]["seed"]
    (program,) = reduction["programs"]
    assert program["status"] in ("reduced", "partly reduced (stopped at 40 s)")
    assert percent_operator(program["reduced"]), program["reduced"]
    assert program["lines_after"] < program["lines_before"]
    assert (program["expected"]["exit_code"], program["expected"]["stdout"]) != \
        (program["got"]["exit_code"], program["got"]["stdout"])


@pytest.mark.docker
@pytest.mark.slow
def test_the_reports_show_the_gap_and_the_miscompile(fuzz_run: Path) -> None:
    run = load_run(fuzz_run)
    m = compute_metrics(run)
    assert m.fuzz is not None
    assert m.fuzz.points[0].fuzz_rate == 1.0
    assert m.fuzz.final_fuzz_rate is not None and m.fuzz.final_fuzz_rate < 1.0
    assert m.fuzz.final_gap is not None and m.fuzz.final_gap > 0  # 100% pass, less agreed
    assert m.progress is not None and m.progress.final_rate == 1.0
    page = render_html(run, m)
    assert 'id="miscompiles"' in page and "gcc (-O0 and -O2)" in page
    shown = m.fuzz.miscompiles[0].program.reduced
    assert shown and shown.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;").replace('"', "&quot;").replace("'", "&#x27;") in page
