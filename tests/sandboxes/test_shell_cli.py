"""`ultrarun sandbox shell SCENARIO` on a real terminal (tmux)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.docker
def test_shell_has_the_scenarios_seed_and_limits(base_image: str, tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed: apt-get install -y tmux (make test installs it)")
    sock = f"ur-{uuid.uuid4().hex[:8]}"
    cmd = (f"cd {ROOT} && {sys.executable} -m agent.cli.main sandbox shell "
           f"docs/examples/word-count --logs {tmp_path}")
    tmux = ["tmux", "-L", sock]
    subprocess.run([*tmux, "new-session", "-d", "-s", "sh", "-x", "120", "-y", "30", cmd],
                   check=True)
    try:
        screen = ""
        deadline = time.monotonic() + 60
        while "$" not in screen and time.monotonic() < deadline:
            time.sleep(0.5)
            screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", "sh"],
                                    capture_output=True, text=True).stdout
        subprocess.run([*tmux, "send-keys", "-t", "sh",
                        "echo uid=$(id -u) nproc=$(nproc) && ls && cat /proc/net/dev | wc -l",
                        "Enter"], check=True)
        deadline = time.monotonic() + 20
        done = re.compile(r"^uid=\d+ nproc=\d+$[\s\S]*^\d+$", re.M)  # the line count came too
        while not done.search(screen) and time.monotonic() < deadline:
            time.sleep(0.5)
            screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", "sh"],
                                    capture_output=True, text=True).stdout
        uid = re.search(r"^uid=(\d+) nproc=\d+$", screen, re.M)
        assert uid and uid.group(1) != "0", screen  # an unprivileged user
        assert "sample.txt" in screen  # the scenario's seed workspace
        assert "\n3\n" in screen  # /proc/net/dev: 2 header lines + lo only (no network)
        subprocess.run([*tmux, "send-keys", "-t", "sh", "exit", "Enter"], check=True)
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
