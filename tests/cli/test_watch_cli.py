"""A CLI that always says what it is doing: an unreachable endpoint fails fast and is not
graded, retries are shown as they happen and counted on Ctrl-C, Ctrl-C during the final
grading ends the run interrupted, piped output gets plain log lines, and `ls` and run ids work
in every command that takes a run folder. Real processes, real HTTP, the local sandbox."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.fakes.openai_server import FakeOpenAIServer

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "OPENAI_API_KEY": "sk-x"}


def ur(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent.cli.main", *args], cwd=cwd, env=env(),
                          capture_output=True, text=True, timeout=timeout)


def start(cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "agent.cli.main", *args], cwd=cwd, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def read_until(proc: subprocess.Popen[str], needle: str, seen: list[str],
               timeout: float = 120) -> str:
    """Lines of ``proc``'s output up to the first holding ``needle`` (kept in ``seen``)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        if needle in line:
            return line
    raise AssertionError(f"{needle!r} never printed; output:\n" + "\n".join(seen))


def events(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines()]


def script(path: Path, turns: list[dict]) -> str:
    path.write_text(yaml.safe_dump(turns))
    return f"script:{path}"


def bash(command: str) -> dict:
    return {"content": command, "tool_calls": [{"name": "bash", "arguments": {"command":
                                                                                command}}]}


FINISH = {"content": "done", "tool_calls": [{"name": "finish", "arguments": {"summary": "ok"}}]}


@pytest.mark.slow  # waits out the endpoint check's first-contact window (~20 s)
def test_unreachable_endpoint_fails_fast_and_is_not_graded(tmp_path: Path) -> None:
    # A port bound but not listening refuses connections, and no other test's server can
    # take it meanwhile (a port closed again could be anyone's 20 s later).
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        t0 = time.monotonic()
        r = ur(tmp_path, "run", str(TINY), "--model", "m", "--base-url",
               f"http://127.0.0.1:{port}/v1", "--sandbox", "local", "--run-id", "down")
    elapsed = time.monotonic() - t0
    assert r.returncode == 1, r.stderr
    assert elapsed < 45, elapsed  # 30 s of first contact at most, then start-up
    assert "cannot reach the endpoint" in r.stderr and "Connection refused" in r.stderr
    assert "model 'm' at" in r.stderr and "profile" not in r.stderr.split("(details")[0]
    assert "checking the endpoint" in r.stdout  # it said what it was doing meanwhile
    run = tmp_path / "logs" / "down"
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "failed" and info["grade"] is None
    assert not [e for e in events(run) if e["type"] == "evaluation"]  # not graded


def test_404_endpoint_fails_at_the_first_call_and_is_not_graded(tmp_path: Path) -> None:
    with FakeOpenAIServer() as server:
        base = server.base_url.removesuffix("/v1")  # the API root is missing its /v1
        t0 = time.monotonic()
        r = ur(tmp_path, "run", str(TINY), "--model", "m", "--base-url", base,
               "--sandbox", "local", "--run-id", "nf")
    assert r.returncode == 1 and time.monotonic() - t0 < 30
    said = r.stdout + r.stderr
    assert "HTTP 404" in said and "model 'm'" in said and "(--model)" in said
    assert "not graded" in r.stdout
    run = tmp_path / "logs" / "nf"
    assert not [e for e in events(run) if e["type"] == "evaluation"]
    assert json.loads((run / "run.json").read_text())["grade"] is None


def test_retries_are_shown_as_they_happen_and_counted_on_ctrl_c(tmp_path: Path) -> None:
    with FakeOpenAIServer(down_until=time.monotonic() + 3600) as server:
        proc = start(tmp_path, "run", str(TINY), "--model", "m", "--base-url",
                     server.base_url, "--sandbox", "local", "--run-id", "flaky")
        seen: list[str] = []
        try:
            read_until(proc, "retry 1 in", seen)
            read_until(proc, "retry 2 in", seen)
        finally:
            proc.send_signal(signal.SIGINT)
            out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out
    run = tmp_path / "logs" / "flaky"
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "interrupted"
    notices = [e for e in events(run) if e["type"] == "retry"]
    assert len(notices) >= 2 and all("HTTP 503" in e["error"] for e in notices)
    assert info["totals"]["retries"] == len(notices)  # every failed attempt counted
    failed = [e for e in events(run) if e["type"] == "error" and e.get("where") == "model"]
    assert len(failed) == 1 and len(failed[0]["retries"]) == len(notices)
    report = ur(tmp_path, "report", "flaky", "--json")
    assert json.loads(report.stdout)["metrics"]["model_calls"]["retries"] == len(notices)


def test_ctrl_c_during_the_final_grading_ends_the_run_interrupted(tmp_path: Path) -> None:
    scen = tmp_path / "slow"
    (scen / "grader").mkdir(parents=True)
    (scen / "prompt.md").write_text("append a line\n")
    (scen / "grader" / "grade.py").write_text(
        "import json, time\ntime.sleep(600)\n"
        "print(json.dumps({'tests': {'a': 'pass'}, 'stages': {}}))\n")
    (scen / "scenario.yaml").write_text(
        "name: slow\nprompt: prompt.md\ngrader:\n  command: python3 /grader/grade.py\n"
        "  files: grader/\n  timeout: 900\n")
    model = script(tmp_path / "s.yaml", [bash("echo 1 > log.txt"), FINISH])
    proc = start(tmp_path, "run", str(scen), "--model", model, "--sandbox", "local",
                 "--run-id", "slow", "--eval-every", "0")
    seen: list[str] = []
    read_until(proc, "final grading of step 2 (2 tool calls) started", seen)
    read_until(proc, "final grading: grading step 2 (final)", seen)  # still going, and says so
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 20, "Ctrl-C during the grading was not honoured"
    assert sum("final grading: grading step 2" in x for x in seen + out.splitlines()) <= 2
    assert proc.returncode == 1
    assert "interrupted" in out and "ultrarun grade" in out, out
    run = tmp_path / "logs" / "slow"
    info = json.loads((run / "run.json").read_text())
    assert (info["status"], info["end_reason"]) == ("interrupted", "interrupted")
    assert info["grade"] is None
    ends = [e for e in events(run) if e["type"] == "run_end"]
    assert ends[-1]["status"] == "interrupted"
    assert not [e for e in events(run) if e["type"] == "evaluation"]


def test_piped_output_has_a_line_per_step_block_and_evaluation(tmp_path: Path) -> None:
    turns = [bash(f"echo {i} >> log.txt") for i in range(1, 13)] + [FINISH]
    r = ur(tmp_path, "run", str(TINY), "--model", script(tmp_path / "s.yaml", turns),
           "--sandbox", "local", "--run-id", "piped", "--eval-every", "5")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "run piped started" in out
    assert "step 10: 10 tool calls" in out  # a line per block of 10 steps
    assert "grading of step 5 (5 tool calls) started" in out  # said when it starts …
    assert "evaluation of step 5 (5 tool calls): 5/10" in out  # … and when it is done
    assert "final evaluation of step 13" in out
    assert "\x1b" not in out  # plain text, no live panel in the file


def test_ls_and_run_ids_in_every_command(tmp_path: Path) -> None:
    turns = [bash("echo 1 >> log.txt"), bash("echo 2 >> log.txt"), FINISH]
    model = script(tmp_path / "s.yaml", turns)
    for run_id in ("alpha-1", "beta-1"):
        r = ur(tmp_path, "run", str(TINY), "--model", model, "--sandbox", "local",
               "--run-id", run_id, "--quiet")
        assert r.returncode == 0, r.stderr
    ls = ur(tmp_path, "ls")
    assert ls.returncode == 0 and "alpha-1" in ls.stdout and "beta-1" in ls.stdout
    rows = [json.loads(x) for x in ur(tmp_path, "ls", "--json").stdout.splitlines()]
    assert {r["run_id"] for r in rows} == {"alpha-1", "beta-1"}
    assert all(r["status"] == "finished" and r["grade"] == [2, 10] for r in rows)
    assert ur(tmp_path, "report", "alpha-1").returncode == 0
    assert ur(tmp_path, "report", "alph").returncode == 0  # a unique prefix
    assert "3 steps" in ur(tmp_path, "replay", "beta-1").stdout
    assert ur(tmp_path, "replay", "beta-1", "--step", "1").returncode == 0
    assert ur(tmp_path, "compare", "alpha-1", "beta-1").returncode == 0
    assert ur(tmp_path, "export", "atif", "alpha-1").returncode == 0
    assert (tmp_path / "logs" / "alpha-1" / "trajectory.atif.json").exists()
    g = ur(tmp_path, "grade", "alpha-1", "--sandbox", "local")
    assert g.returncode == 0 and "2/10" in g.stdout
    f = ur(tmp_path, "fork", "alpha-1", "--at", "1", "--run-id", "gamma", "--quiet")
    assert f.returncode == 0, f.stderr
    res = ur(tmp_path, "resume", "gamma", "--quiet")  # found by its id: it is finished
    assert res.returncode == 2 and "logs/gamma: the agent finished this run" in res.stderr
    # From elsewhere, with --logs; an ambiguous prefix names the candidates (exit 2).
    other = tmp_path / "elsewhere"
    other.mkdir()
    logs = str(tmp_path / "logs")
    assert ur(other, "report", "beta", "--logs", logs).returncode == 0
    assert ur(tmp_path, "replay", "a").returncode == 0  # alpha-1 alone starts with "a"
    (tmp_path / "logs" / "alpha-2").mkdir()
    (tmp_path / "logs" / "alpha-2" / "run.json").write_text("{}")
    amb = ur(tmp_path, "report", "alpha")
    assert amb.returncode == 2 and "alpha-1" in amb.stderr and "alpha-2" in amb.stderr


def test_ctrl_c_during_ultrarun_grade_is_one_line_and_stops_the_grader(tmp_path: Path) -> None:
    scen = tmp_path / "slow"
    (scen / "grader").mkdir(parents=True)
    (scen / "prompt.md").write_text("x\n")
    marker = tmp_path / "grader-alive"
    (scen / "grader" / "grade.py").write_text(
        f"import time, pathlib\nwhile True:\n    pathlib.Path({str(marker)!r}).touch()\n"
        "    time.sleep(0.2)\n")
    (scen / "scenario.yaml").write_text(
        "name: slow\nprompt: prompt.md\ngrader:\n  command: python3 /grader/grade.py\n"
        "  files: grader/\n  timeout: 900\n")
    (tmp_path / "ws").mkdir()
    proc = start(tmp_path, "grade", str(scen), "--workspace", "ws", "--sandbox", "local")
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert time.monotonic() < deadline, "the grader never started"
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in out and "interrupted" in out, out
    marker.unlink()
    time.sleep(1)
    assert not marker.exists(), "the grader outlived the command"
