"""`script:` and `replay:` models, SIGINT mid-run, and the CLI's exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from agent.runner import RunConfig, execute_run
from agent.trajectory import load_run
from agent.trajectory.events import ToolResultEvent
from tests.agent.conftest import ROOT, TINY, seqs_contiguous

UR = [sys.executable, "-m", "agent.cli.main"]


def _script(path: Path, turns: list[dict]) -> str:
    path.write_text(yaml.safe_dump(turns))
    return f"script:{path}"


def _tree(ws: Path) -> dict[str, bytes]:
    return {str(p.relative_to(ws)): p.read_bytes() for p in sorted(ws.rglob("*")) if p.is_file()}


@pytest.mark.docker
def test_replay_reexecutes_identically(tmp_path: Path, base_image: str) -> None:
    turns = [{"tool_calls": [{"name": "bash", "arguments": {"command": f"echo {i} >> log.txt"}}]}
             for i in range(1, 8)]
    turns += [{"tool_calls": [{"name": "write_file",
                               "arguments": {"path": "src/a.c", "content": "int main(){}\n"}},
                              {"name": "bash", "arguments": {"command": "wc -l log.txt; ls src"}}]},
              {"tool_calls": [{"name": "bash", "arguments": {"command": "sh -c 'exit 3'"}}]},
              {"tool_calls": [{"name": "finish", "arguments": {"summary": "ok"}}]}]
    logs = tmp_path / "logs"
    a = execute_run(RunConfig(scenario=str(TINY), model=_script(tmp_path / "s.yaml", turns),
                              logs=logs, run_id="original"))
    assert a.info.end_reason == "finished" and a.info.model_kind == "script"
    b = execute_run(RunConfig(scenario=str(TINY), model=f"replay:{a.run_dir}", logs=logs,
                              run_id="replayed"))
    assert b.info.end_reason == "finished" and b.info.model_kind == "replay"
    ra, rb = load_run(a.run_dir), load_run(b.run_dir)
    outs = [[(e.name, e.exit_code, e.output) for e in r.events_of(ToolResultEvent)]
            for r in (ra, rb)]
    assert outs[0] == outs[1] and len(outs[0]) == 11
    assert ("bash", 3, "[exit code 3]") in outs[0]
    assert _tree(a.run_dir / "workspace") == _tree(b.run_dir / "workspace")


def test_script_exhausted_and_bad_script(tmp_path: Path) -> None:
    spec = _script(tmp_path / "s.yaml", [{"content": "hi", "tool_calls": [
        {"name": "bash", "arguments": {"command": "echo 1 > log.txt"}}]}])
    res = execute_run(RunConfig(scenario=str(TINY), model=spec, sandbox="local",
                                logs=tmp_path / "logs"))
    assert (res.info.status, res.info.end_reason) == ("finished", "script_exhausted")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {content: ok}\n- {tool_calls: 5}\n")
    r = subprocess.run([*UR, "run", str(TINY), "--model", f"script:{bad}", "--sandbox", "local",
                        "--logs", str(tmp_path / "logs")], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 2, r.stderr
    assert str(bad) in r.stderr and "Traceback" not in r.stderr


def test_cli_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    cases = [
        ["run", "no-such-scenario", "--model", "reference"],
        ["run", str(TINY)],  # no model
        ["run", str(TINY), "--model", "gpt-x", "--sandbox", "local", "--max-time", "soon"],
        ["run", str(TINY), "--model", "script:/nonexistent.yaml", "--sandbox", "local"],
        ["run", str(TINY), "--model", "m", "--sandbox", "vm"],
    ]
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_BASE_URL"}
    for args in cases:
        r = subprocess.run([*UR, *args, "--logs", str(tmp_path)], capture_output=True,
                           text=True, cwd=ROOT, env=env)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.strip(), args


def test_sigint_mid_run_leaves_interrupted_run(tmp_path: Path) -> None:
    turns = [{"tool_calls": [{"name": "bash", "arguments": {"command": "echo 1 > log.txt"}}]},
             {"tool_calls": [{"name": "bash", "arguments": {"command": "sleep 67.25"}}]},
             {"tool_calls": [{"name": "finish", "arguments": {"summary": "never"}}]}]
    spec = _script(tmp_path / "s.yaml", turns)
    logs = tmp_path / "logs"
    proc = subprocess.Popen([*UR, "run", str(TINY), "--model", spec, "--sandbox", "local",
                             "--logs", str(logs), "--run-id", "sig", "--quiet"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = logs / "sig" / "events.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if events.exists() and '"sleep 67.25"' in events.read_text():
            break
        time.sleep(0.1)
    time.sleep(0.5)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=20)
    assert time.monotonic() - t0 < 10
    assert proc.returncode == 1
    info = json.loads((logs / "sig" / "run.json").read_text())
    assert (info["status"], info["end_reason"]) == ("interrupted", "interrupted")
    evs = seqs_contiguous(logs / "sig")
    assert evs[-1]["type"] == "run_end" and evs[-1]["status"] == "interrupted"
    out = subprocess.run(["pgrep", "-f", "sleep 67.25"], capture_output=True, text=True)
    assert out.stdout.strip() == "", "the interrupted command survived"


def test_reader_tolerates_torn_and_garbage_lines(tmp_path: Path) -> None:
    spec = _script(tmp_path / "s.yaml", [{"tool_calls": [
        {"name": "bash", "arguments": {"command": "echo 1 > log.txt"}}]}])
    res = execute_run(RunConfig(scenario=str(TINY), model=spec, sandbox="local",
                                logs=tmp_path / "logs"))
    path = res.run_dir / "events.jsonl"
    good = load_run(res.run_dir)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:3]) + b"{not json}\n" + b"".join(lines[3:])
                     + b'{"seq": 99, "t": 1, "ty')
    run = load_run(res.run_dir)
    assert len(run.events) == len(good.events)
    assert any(":4: unreadable" in w for w in run.warnings)
    assert any("torn last line" in w for w in run.warnings)
