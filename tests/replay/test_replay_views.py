"""`replay` as plain text (piped), `--step`, `--json`, diffs, and the viewer's pure keys."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from agent.replay import viewer, views
from agent.replay.follow import Tail
from agent.trajectory import load_run
from sandboxes.errors import UserError


def test_piped_listing_is_one_line_per_step(app: typer.Typer, recorded: Path) -> None:
    res = CliRunner().invoke(app, ["replay", str(recorded)])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("run recorded ") and "6 steps, 7 tool calls" in lines[1]
    steps = lines[2:]
    assert [int(line.split()[0]) for line in steps] == [1, 2, 3, 4, 5, 6]
    assert "bash: ls; cat SEED.txt → exit 0" in steps[0]
    assert steps[1].split("|")[0].rstrip().endswith("*")  # step 2 wrote log.txt
    assert "seq 1 5000 → exit 0 cut" in steps[2]
    assert "false → exit 1; bash: echo two >> log.txt → exit 0" in steps[3]
    assert "\x1b[" not in res.stdout  # plain text when piped


def test_step_prints_turn_calls_and_results(app: typer.Typer, recorded: Path) -> None:
    res = CliRunner().invoke(app, ["replay", str(recorded), "--step", "3"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert out.startswith("step 3") and "assistant:\n    A long output." in out
    assert "tool call call_3: bash\n    $ seq 1 5000" in out
    assert "[output cut for the model; full output: outputs/call_3.log]" in out
    assert "[output cut: read the rest with read_log" in out  # the output as recorded
    res = CliRunner().invoke(app, ["replay", str(recorded), "--step", "4"])
    assert "$ false" in res.stdout and "result: exit 1, failed" in res.stdout
    assert "$ echo two >> log.txt" in res.stdout and "workspace changed" in res.stdout


def test_step_json_and_bad_step(app: typer.Typer, recorded: Path) -> None:
    res = CliRunner().invoke(app, ["replay", str(recorded), "--step", "2", "--json"])
    events = json.loads(res.stdout)
    assert {e["type"] for e in events} >= {"model_call", "tool_call", "tool_result", "snapshot"}
    assert all(e["step"] == 2 for e in events)
    res = CliRunner().invoke(app, ["replay", str(recorded), "--json"])
    listing = json.loads(res.stdout)
    assert [s["step"] for s in listing] == [1, 2, 3, 4, 5, 6]
    assert listing[3]["calls"][0]["exit_code"] == 1
    res = CliRunner().invoke(app, ["replay", str(recorded), "--step", "99"])
    assert isinstance(res.exception, UserError) and "no such step" in str(res.exception)
    res = CliRunner().invoke(app, ["replay", str(recorded.parent / "nope")])
    assert isinstance(res.exception, UserError)


def test_torn_and_garbage_lines_warn_with_line_numbers(app: typer.Typer,
                                                       run_copy: Path) -> None:
    path = run_copy / "events.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(5, "{not json at all\n")
    path.write_text("".join(lines) + '{"seq": 999, "t": 1.0, "type": "mod')
    res = CliRunner().invoke(app, ["replay", str(run_copy)])
    assert res.exit_code == 0, res.output
    assert "events.jsonl:6: unreadable event skipped" in res.stderr
    assert f"events.jsonl:{len(lines) + 1}: torn last line" in res.stderr
    assert "6 steps, 7 tool calls" in res.stdout  # everything else still loads
    warnings: list[str] = []
    tail = Tail(path)
    tail.read(warnings.append)
    assert len(warnings) == 1 and ":6:" in warnings[0] and tail.partial  # torn tail kept back


def test_diff_and_full_output(recorded: Path) -> None:
    run = load_run(recorded)
    steps = views.group_steps(run.events)
    assert "+one" in views.step_diff(run, 2) and "log.txt" in views.step_diff(run, 2)
    assert "did not change" in views.step_diff(run, 3)
    assert "+two" in views.step_diff(run, 4)
    full = views.full_output(run, steps[2].calls[0])
    assert full.splitlines()[0] == "1" and "2500\n" in full and full.rstrip().endswith("5000")
    assert "[output cut" not in full


@pytest.fixture
def state(recorded: Path) -> viewer.ViewerState:
    return viewer.ViewerState(viewer.index_steps(views.group_steps(load_run(recorded).events)))


def _keys(state: viewer.ViewerState, *keys: str) -> viewer.ViewerState:
    for k in keys:
        state = viewer.handle_key(state, k)
    return state


def test_keys_move_jump_filter_search(state: viewer.ViewerState) -> None:
    s = _keys(state, "n", "n")
    assert s.current and s.current.step == 3
    s = _keys(s, "p")
    assert s.current and s.current.step == 2
    s = _keys(s, "p", "p")
    assert s.current and s.current.step == 1 and "first" in s.message
    s = _keys(s, "g", "5", "enter")
    assert s.current and s.current.step == 5 and s.prompt is None
    s = _keys(s, "g", "4", "2", "enter")
    assert "no step 42" in s.message and s.current and s.current.step == 5
    s = _keys(s, "f", *"bash", "enter")
    # Step 5 (read_log) is hidden; no bash step follows it, so the nearest before is shown.
    assert s.tool_filter == "bash" and s.current and s.current.step == 4
    assert [state.steps[i].step for i in s.visible()] == [1, 2, 3, 4]
    s = _keys(s, "n")
    assert s.current and s.current.step == 4 and "last" in s.message
    s = _keys(s, "c", "/", *"SEED", "enter")
    assert s.search == "SEED" and [s.steps[i].step for i in s.visible()] == [1]
    assert s.current and s.current.step == 1
    s = _keys(s, "/", "x", "backspace", "esc")
    assert s.search == "SEED" and s.prompt is None
    assert _keys(s, "q").done


def test_keys_views_and_scroll(state: viewer.ViewerState) -> None:
    s = _keys(state, "d")
    assert s.view == "diff"
    s = _keys(s, "d", "o")
    assert s.view == "output" and s.call == 0
    s = _keys(s, "g", "4", "enter", "tab")
    assert s.call == 1
    s = _keys(s, "tab")
    assert s.call == 0
    s = _keys(s, "j", "j", "pgdn", "k")
    assert s.scroll == 21
    s = _keys(s, "esc")
    assert s.view == "step" and s.scroll == 0
    assert _keys(s, "?").view == "help"


def test_render_screens(recorded: Path, state: viewer.ViewerState) -> None:
    data = viewer.ViewerData(load_run(recorded))

    def screen(s: viewer.ViewerState) -> str:
        console = Console(record=True, width=100, height=30, force_terminal=False)
        console.print(viewer.render(s, data, 100, 30))
        return console.export_text()

    text = screen(replace(state, pos=2))
    assert "step 3 (3/6 shown, 6 in all)" in text and "$ seq 1 5000" in text
    assert len(text.splitlines()) == 30
    text = screen(_keys(state, "n", "d"))
    assert "+one" in text and "view: diff" in text
    text = screen(_keys(state, "g", "3", "enter", "o", "pgdn"))
    assert "full output of call_3" not in text and "21" in text  # scrolled a page
    text = screen(_keys(state, "f", "r", "e"))
    assert "tool name: re" in text
