"""Helpers for the attack tests: scenarios, scripts, the CLI as a subprocess, RSS sampling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]

GRADER = """\
import json, os, sys
n = sum(len(files) for _d, _s, files in os.walk(sys.argv[1]))
print(json.dumps({"tests": {"files": "pass" if n else "fail"}, "stages": {"all": [1, 1]}}))
"""


def make_scenario(root: Path, *, limits: dict[str, Any] | None = None,
                  every: int | None = None, grader: bool = True,
                  seed: dict[str, str] | None = None, **extra: Any) -> Path:
    """A scenario folder for attacks: a prompt, seed files and a grader counting files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "prompt.md").write_text("Do as the script says.\n")
    ws = root / "workspace"
    ws.mkdir(exist_ok=True)
    for name, text in (seed or {"README": "seed\n"}).items():
        (ws / name).write_text(text)
    data: dict[str, Any] = {
        "name": "attack", "title": "attack", "prompt": "prompt.md", "workspace": "workspace/",
        "limits": {"cpus": 1, "memory": "1g", "pids": 256, "network": False, **(limits or {})},
        "budgets": {"max_steps": 50}, **extra}
    if grader:
        (root / "grader").mkdir(exist_ok=True)
        (root / "grader" / "grade.py").write_text(GRADER)
        data["grader"] = {"command": "python3 /grader/grade.py /workspace", "files": "grader/",
                          "timeout": 120, **({"every": every} if every else {})}
    (root / "scenario.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return root


def bash(command: str, timeout: int | None = None) -> dict[str, Any]:
    args: dict[str, Any] = {"command": command}
    if timeout:
        args["timeout"] = timeout
    return {"tool_calls": [{"name": "bash", "arguments": args}]}


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": name, "arguments": arguments}]}


def write_script(path: Path, turns: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(turns))
    return path


def cli_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "agent.cli.main", *args]


def cli(*args: str, timeout: float = 600, check: int | None = 0,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``ultrarun ARGS`` as a separate process, as a user would."""
    r = subprocess.run(cli_cmd(*args), capture_output=True, text=True, errors="replace",
                       timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})})
    if check is not None:
        assert r.returncode == check, f"exit {r.returncode}\n{r.stdout[-3000:]}\n" \
                                      f"{r.stderr[-3000:]}"
    return r


def events(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]


def tool_results(run_dir: Path) -> list[dict[str, Any]]:
    return [e for e in events(run_dir) if e["type"] == "tool_result"]


def _tree(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(kids.get(p, []))
    return out


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            pass
    return total


class Sampler:
    """Samples a process tree's RSS every ``every`` seconds while a command runs."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid = pid
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(self.every)

    def __enter__(self) -> Sampler:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


@contextmanager
def cli_sampled(*args: str, timeout: float = 900
                ) -> Iterator[tuple[subprocess.CompletedProcess[str], Sampler]]:
    """Run ``ultrarun ARGS``, sampling its process tree's RSS until it exits."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cli_cmd(*args), stdout=out, stderr=err, text=True, cwd=ROOT)
        with Sampler(proc.pid) as sampler:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
        out.seek(0)
        err.seek(0)
        yield subprocess.CompletedProcess(proc.args, proc.returncode, out.read(),
                                          err.read()), sampler


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def report(name: str, **figures: Any) -> None:
    """Print measured figures (shown with pytest -s; kept for docs/security.md)."""
    print(f"\n[security figures] {name}: " + json.dumps(figures), flush=True)
    out = os.environ.get("ULTRARUN_SECURITY_FIGURES")
    if out:
        with open(out, "a") as f:
            f.write(json.dumps({"test": name, **figures}) + "\n")
