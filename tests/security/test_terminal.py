"""Terminal injection: escape sequences in tool output, model text, tool names, test ids and
the model's name reach `replay`, `report` and the live view only as visible characters,
whether stdout is a pipe or a terminal."""

from __future__ import annotations

import io
import os
import pty
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from agent.cli.live import LiveView
from agent.cli.run_cmd import report
from agent.loop import LoopState
from agent.replay.viewer import ViewerData, ViewerState, index_steps, render
from agent.runner import RunResult
from agent.textsafe import visible
from agent.trajectory import load_run
from tests.security.conftest import ROOT, bash, cli_cmd, make_scenario, write_script

CLEAR = "\x1b[2J\x1b[H"
TITLE = "\x1b]0;pwned-title\x07"
CLIP = "\x1b]52;c;cHduZWQ=\x07"  # OSC 52: write "pwned" to the clipboard
C1 = "\u009b31m"  # an 8-bit CSI
HOSTILE = ("\x1b[2J", "\x1b]0;", "\x1b]52", "\u009b", "\x07", "\r")


def _assert_clean(text: str) -> None:
    for seq in HOSTILE:
        assert seq not in text, f"{seq!r} reached the terminal"
    assert "␛]52;c;cHduZWQ=␇" in text or "␛[2J" in text, text[-2000:]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("term")
    scen = make_scenario(tmp / "scen", grader=False)
    printf = "printf '" + (CLEAR + TITLE + CLIP).replace("\x1b", "\\033").replace(
        "\x07", "\\007") + "text\\r\\n'"
    turns = [
        {"content": f"thinking {CLEAR}{TITLE}{C1} done", **bash(printf)},
        {"tool_calls": [{"name": f"evil{CLIP}", "arguments": {}}]},
        bash(f"{printf}; echo done"),
    ]
    # The model's name (the script's file name) carries a sequence too: the report shows it.
    script = write_script(tmp / f"s{TITLE}.json", turns)
    logs = tmp / "logs"
    subprocess.run(cli_cmd("run", str(scen), "--model", f"script:{script}", "--sandbox",
                           "local", "--logs", str(logs), "--run-id", "term", "--quiet"),
                   check=True, cwd=ROOT, capture_output=True)
    return logs / "term"


@pytest.mark.parametrize("args", [[], ["--step", "1"], ["--step", "2"], ["--follow"]])
def test_replay_piped(hostile_run: Path, args: list[str]) -> None:
    r = subprocess.run(cli_cmd("replay", str(hostile_run), *args), capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout + r.stderr
    if args == ["--step", "1"]:
        _assert_clean(r.stdout)
    if args == ["--step", "2"]:
        assert "evil␛]52" in r.stdout


def test_report_piped(hostile_run: Path) -> None:
    r = subprocess.run(cli_cmd("report", str(hostile_run)), capture_output=True, text=True,
                       cwd=ROOT, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert "␛]0;pw" in r.stdout  # the model's name, in the title


def test_replay_and_report_on_a_terminal(hostile_run: Path) -> None:
    """On a TTY rich adds its own colour codes; the run's sequences still never pass."""
    for args in (["replay", str(hostile_run), "--step", "1"], ["report", str(hostile_run)]):
        master, slave = pty.openpty()
        proc = subprocess.Popen(cli_cmd(*args), stdout=slave, stderr=slave,
                                stdin=subprocess.DEVNULL, cwd=ROOT,
                                env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "200"})
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
        os.close(master)
        out = b"".join(chunks).decode("utf-8", "replace")
        assert proc.returncode == 0, out[-2000:]
        for seq in ("\x1b[2J", "\x1b]0;", "\x1b]52", "\u009b"):
            assert seq not in out, (args, seq)
        assert "␛" in out


def _render(renderable: object) -> str:
    buf = io.StringIO()
    Console(file=buf, force_terminal=True, width=160, color_system="truecolor").print(
        renderable)
    return buf.getvalue()


def test_interactive_viewer_and_live_view(hostile_run: Path) -> None:
    run = load_run(hostile_run)
    data = ViewerData(run)
    state = ViewerState(index_steps(data.steps))
    for view in ("step", "output"):
        state = ViewerState(index_steps(data.steps), view=view)  # type: ignore[arg-type]
        out = _render(render(state, data, 160, 60))
        for seq in ("\x1b[2J", "\x1b]0;", "\x1b]52", "\u009b"):
            assert seq not in out
    live = LiveView(f"ultrarun · x · script{TITLE}")
    live.update(LoopState(last_tool=f"evil{CLIP}", grade="1/2"))
    live.note = f"endpoint said {CLEAR}"
    out = _render(live)
    for seq in ("\x1b[2J", "\x1b]0;", "\x1b]52"):
        assert seq not in out
    assert "evil␛]52" in out
    info = run.info
    assert info is not None
    info.error = f"boom {CLEAR}[/red] not markup"
    buf = io.StringIO()
    import agent.cli.run_cmd as rc

    saved = rc.console
    rc.console = Console(file=buf, force_terminal=True, width=200)
    try:
        report(RunResult(hostile_run, info), as_json=False)
    finally:
        rc.console = saved
    assert "\x1b[2J" not in buf.getvalue() and "[/red] not markup" in buf.getvalue()


def test_visible_mapping() -> None:
    assert visible("a\x1b[2Jb\tc\nd\re\x7f\x9b\u202e") == "a␛[2Jb\tc\nd␍e␡\\x9b<U+202E>"
