"""The interactive viewer on a real terminal: driven through tmux send-keys/capture-pane."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.replay.conftest import viewer_command


@pytest.fixture
def tmux() -> Iterator[Callable[..., str]]:
    """Run tmux commands on a private server (its own socket), killed afterwards."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the viewer test: apt-get install -y tmux")
    sock = f"ultrarun-test-{uuid.uuid4().hex[:8]}"

    def run(*args: str) -> str:
        return subprocess.run(["tmux", "-L", sock, *args], check=True, capture_output=True,
                              text=True).stdout

    yield run
    subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)


def _wait(screen: Callable[[], str], ok: Callable[[str], bool], what: str) -> str:
    deadline = time.monotonic() + 15
    text = screen()
    while not ok(text):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; screen:\n{text}")
        time.sleep(0.1)
        text = screen()
    return text


def test_viewer_in_tmux(tmux: Callable[..., str], recorded: Path) -> None:
    cmd = shlex.join(viewer_command(recorded)) + "; echo VIEWER-EXITED $?; sleep 30"
    tmux("new-session", "-d", "-s", "view", "-x", "110", "-y", "32", cmd)

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", "view")

    def keys(*k: str) -> None:
        for key in k:  # one at a time, as a person types (Esc must not merge with the next)
            tmux("send-keys", "-t", "view", key)
            time.sleep(0.05)

    text = _wait(screen, lambda s: "step 1 (1/6 shown, 6 in all)" in s, "the first step")
    assert "$ ls; cat SEED.txt" in text and "q quit" in text
    keys("n")
    text = _wait(screen, lambda s: "step 2 (2/6" in s, "step 2")
    assert "Append a line." in text
    keys("d")
    text = _wait(screen, lambda s: "view: diff" in s, "the diff")
    assert "+one" in text and "log.txt" in text
    keys("Escape", "g", "3", "Enter", "o")
    text = _wait(screen, lambda s: "full output of call_3" in s, "the full output")
    assert "lines 1-29 of 5002" in text
    keys("Escape", "/", "S", "E", "E", "D", "Enter")
    text = _wait(screen, lambda s: "search='SEED'" in s, "the search")
    assert "step 1 (1/1 shown" in text
    keys("c", "f", "r", "e", "a", "d", "_", "l", "o", "g", "Enter")
    text = _wait(screen, lambda s: "tool=read_log" in s, "the filter")
    assert "step 5 (1/1 shown" in text and "tool call call_6: read_log" in text
    keys("q")
    _wait(screen, lambda s: "VIEWER-EXITED 0" in s, "the viewer to quit")


def test_viewer_follows_a_run_that_grows(tmux: Callable[..., str], tmp_path: Path) -> None:
    """Opened on a running run, the viewer shows the steps recorded since (`g 7` at step 9)."""
    from tests.view.bigrun import BigRun

    run = BigRun(tmp_path / "live", eval_every=0)
    run.add(3)
    cmd = shlex.join(viewer_command(run.run_dir)) + "; echo VIEWER-EXITED $?; sleep 30"
    tmux("new-session", "-d", "-s", "grow", "-x", "110", "-y", "32", cmd)

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", "grow")

    _wait(screen, lambda s: "step 1 (1/3 shown, 3 in all)" in s, "the first step")
    run.add(6)
    for key in ("g", "7", "Enter"):
        tmux("send-keys", "-t", "grow", key)
        time.sleep(0.05)
    text = _wait(screen, lambda s: "step 7 (7/9 shown, 9 in all)" in s, "step 7")
    assert "test-7" in text
    tmux("send-keys", "-t", "grow", "q")
    _wait(screen, lambda s: "VIEWER-EXITED 0" in s, "the viewer to quit")
