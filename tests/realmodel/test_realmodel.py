"""ultrarun against a real, independently written OpenAI-compatible server (issue 13).

llama-cpp-python's server runs SmolLM2-135M-Instruct on 127.0.0.1 (see ``server.py``). A model
this small acts poorly: every assertion is on ultrarun's side of the protocol (requests
accepted, retries, end reasons, token accounting against the server's own counts, resume,
reports), never on the model's skill. Temperature 0 and a fixed seed keep runs repeatable.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agent.analysis.metrics import compute_metrics
from agent.replay.views import listing_lines
from agent.trajectory import load_run
from agent.trajectory.reader import NO_RUN_END
from tests.realmodel import figures
from tests.realmodel.conftest import LONG, ROOT, SCENARIO, UR, ultrarun
from tests.realmodel.server import LlamaServer, RecordingProxy

pytestmark = [pytest.mark.realmodel, pytest.mark.docker, pytest.mark.slow]


def events(run_dir: Path) -> list[dict[str, Any]]:
    out = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in out] == list(range(len(out))), "seq not contiguous"
    return out


def run_args(run_dir: Path, profile: str, base_url: str, *extra: str,
             scenario: Path = SCENARIO) -> list[str]:
    return ["run", str(scenario), "--profile", profile, "--base-url", base_url,
            "--logs", str(run_dir.parent), "--run-id", run_dir.name, "--quiet", *extra]


def check_reports(env: dict[str, str], run_dir: Path) -> dict[str, Any]:
    """`report --json`, `report --html` and `replay` work on the run; return the JSON report."""
    data = json.loads(ultrarun(env, "report", str(run_dir), "--json").stdout)
    page = run_dir.parent / f"{run_dir.name}.html"
    ultrarun(env, "report", str(run_dir), "--html", str(page))
    html = page.read_text()
    assert "Model calls" in html and "</html>" in html
    listing = ultrarun(env, "replay", str(run_dir)).stdout.splitlines()
    steps = data["metrics"]["run"]["steps"]
    assert len([line for line in listing if line[:5].strip().isdigit()]) == steps
    return data


def check_accounting(name: str, run_dir: Path, proxy: RecordingProxy | None, *,
                     killed: bool = False) -> dict[str, Any]:
    """run.json, the report and (through the proxy) the server agree on calls and tokens;
    record the scenario's figures. With ``killed``, the server may have answered one request
    of the killed harness that the run never saw."""
    info = json.loads((run_dir / "run.json").read_text())
    t = info["totals"]
    metrics = compute_metrics(load_run(run_dir))
    assert (metrics.run.tokens_in, metrics.run.tokens_out) == (t["tokens_in"], t["tokens_out"])
    assert metrics.model_calls.calls == t["model_calls"]
    turns = [e for e in events(run_dir) if e["type"] == "model_call"]
    row: dict[str, Any] = {
        "scenario": name, "end_reason": info["end_reason"], "calls": t["model_calls"],
        "tokens_in": t["tokens_in"], "tokens_out": t["tokens_out"], "retries": t["retries"],
        "wall_s": t["wall_s"],
        "s_per_call": round(sum(e["latency_s"] for e in turns) / max(1, len(turns)), 2)}
    if proxy is not None:
        answered = [x for x in proxy.completions() if x.status == 200]
        server_in, server_out = proxy.server_tokens()
        row.update(server_ok=len(answered), server_in=server_in, server_out=server_out)
        served = Counter((x.usage.get("prompt_tokens"), x.usage.get("completion_tokens"))
                         for x in answered)
        recorded = Counter((e["prompt_tokens"], e["completion_tokens"]) for e in turns)
        assert not recorded - served, "the run recorded counts the server never sent"
        lost = served - recorded
        if killed:
            assert sum(lost.values()) - (t["model_calls"] - len(turns)) <= 1
        else:
            assert len(answered) == t["model_calls"], "a call the server answered went uncounted"
            assert (t["tokens_in"], t["tokens_out"]) == (server_in, server_out)
    figures.record(row)
    return row


def test_native_tool_calls(server: LlamaServer, env: dict[str, str], tmp_path: Path) -> None:
    run_dir = tmp_path / "native"
    with RecordingProxy(f"http://127.0.0.1:{server.port}") as proxy:
        ultrarun(env, *run_args(run_dir, "rm-native", proxy.base_url, "--max-steps", "6"))
        statuses = [x.status for x in proxy.completions()]
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "finished" and info["end_reason"] in ("finished", "max_steps")
    assert statuses and set(statuses) == {200}, f"the server refused a request: {statuses}"
    evs = events(run_dir)
    turns = [e for e in evs if e["type"] == "model_call"]
    # The assistant turns went back with their tool calls and a string content, and the
    # server took them: the second tool-call turn is the one that used to get HTTP 500.
    with_calls = [e for e in turns if e["message"].get("tool_calls")]
    assert len(with_calls) >= 2 and all(e["message"]["content"] == "" or
                                        isinstance(e["message"]["content"], str)
                                        for e in with_calls)
    assert not [e for e in evs if e["type"] == "error"]
    check_accounting("native tools", run_dir, proxy)
    data = check_reports(env, run_dir)
    assert data["metrics"]["model_calls"]["failed"] == 0


def test_text_mode(server: LlamaServer, env: dict[str, str], tmp_path: Path) -> None:
    run_dir = tmp_path / "text"
    with RecordingProxy(f"http://127.0.0.1:{server.port}") as proxy:
        ultrarun(env, *run_args(run_dir, "rm-text", proxy.base_url, "--max-steps", "5"))
        bodies = len(proxy.completions())
    info = json.loads((run_dir / "run.json").read_text())
    assert info["end_reason"] in ("finished", "max_steps", "error")
    assert bodies == info["totals"]["model_calls"]
    evs = events(run_dir)
    turns = [e for e in evs if e["type"] == "model_call"]
    assert all("tool_calls" not in e["message"] for e in turns)  # text mode sends none
    reminders = [e for e in evs if e["type"] == "message" and e["reason"] == "format_error"]
    assert info["totals"]["format_errors"] == len(reminders)
    assert all("```finish\n" in e["content"] for e in reminders)
    finished = [e for e in evs if e["type"] == "tool_call" and e["name"] == "finish"]
    assert (info["end_reason"] == "finished") == bool(finished)
    check_accounting("text mode", run_dir, proxy)
    data = check_reports(env, run_dir)
    assert data["metrics"]["model_calls"]["text_only_turns"] == len(reminders)


def test_context_overflow_compaction_and_resume(llm: tuple[Path, Path], env: dict[str, str],
                                                tmp_path: Path) -> None:
    run_dir = tmp_path / "compact"
    with LlamaServer(*llm, tmp_path / "server.log", n_ctx=1280) as server, \
            RecordingProxy(f"http://127.0.0.1:{server.port}") as proxy:
        # No window configured: ultrarun assumes 128k until the server's error names 1280.
        ultrarun(env, *run_args(run_dir, "rm-native", proxy.base_url, "--context", "compact",
                                "--max-steps", "16"))
        first = len(proxy.completions())
        ultrarun(env, "resume", str(run_dir), "--max-steps", "20", "--base-url",
                 proxy.base_url, "--quiet")
        statuses = [x.status for x in proxy.completions()]
    info = json.loads((run_dir / "run.json").read_text())
    assert info["end_reason"] == "max_steps" and info["context_window"] == 1280
    ctx = [e for e in events(run_dir) if e["type"] == "context"]
    windows = [e["details"] for e in ctx if e["action"] == "window"]
    assert [w["context_window"] for w in windows] == [1280]
    assert windows[0]["source"] == "context-length error"
    compacts = [e["details"] for e in ctx if e["action"] == "compact"]
    assert compacts and all("summary_error" not in c for c in compacts), \
        "a summary request overflowed"
    # One overflow taught the window; every later request fit, the resumed session included.
    assert statuses.count(400) == 1 and set(statuses) <= {200, 400}
    assert statuses[first:] and set(statuses[first:]) == {200}
    check_accounting("compaction", run_dir, proxy)
    data = check_reports(env, run_dir)
    assert data["metrics"]["model_calls"]["context_windows"] == [1280]


def test_server_killed_and_restarted_mid_run(server: LlamaServer, env: dict[str, str],
                                             tmp_path: Path) -> None:
    run_dir = tmp_path / "outage"
    # The proxy drops the connection while the server is down, as the server itself would.
    with RecordingProxy(f"http://127.0.0.1:{server.port}") as proxy:
        proc = subprocess.Popen([*UR, *run_args(run_dir, "rm-native", proxy.base_url,
                                                "--max-steps", "6")],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        wait_for(run_dir, b'"model_call"', 2, proc)
        server.kill()
        down = time.monotonic()
        time.sleep(8)
        server.start()
        up = time.monotonic()
        out, err = proc.communicate(timeout=900)
    info = json.loads((run_dir / "run.json").read_text())
    assert proc.returncode == 0, f"{out}\n{err}"
    assert info["end_reason"] in ("finished", "max_steps") and info["totals"]["retries"] >= 1
    retried = [r for e in events(run_dir) if e["type"] == "model_call" for r in e["retries"]]
    assert retried and all(r["status"] is None for r in retried)  # lost connections only
    assert sum(r["wait_s"] for r in retried) <= (up - down) + 5
    row = check_accounting("server restart", run_dir, proxy)
    data = check_reports(env, run_dir)
    mc = data["metrics"]["model_calls"]
    assert mc["outages"] == 1 and mc["retries"] == row["retries"]
    assert "connection error" in mc["retry_errors"]


def test_kill_9_of_the_harness_and_resume(server: LlamaServer, env: dict[str, str],
                                          tmp_path: Path) -> None:
    run_dir = tmp_path / "killed"
    with RecordingProxy(f"http://127.0.0.1:{server.port}") as proxy:
        proc = subprocess.Popen([*UR, *run_args(run_dir, "rm-native", proxy.base_url,
                                                "--max-steps", "6")],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        wait_for(run_dir, b'"snapshot"', 4, proc)  # step 0 and three steps
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        run = load_run(run_dir)
        shown = run.current_info
        assert shown is not None and (shown.status, shown.error) == ("interrupted", NO_RUN_END)
        assert listing_lines(run)[0].endswith("interrupted (interrupted)")
        assert json.loads((run_dir / "run.json").read_text())["totals"]["steps"] >= 2
        # The server may still be generating the killed harness's request; resume waits.
        ultrarun(env, "resume", str(run_dir), "--base-url", proxy.base_url, "--quiet")
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "finished" and info["end_reason"] in ("finished", "max_steps")
    evs = events(run_dir)
    assert [e["type"] for e in evs].count("resume") == 1 and evs[-1]["type"] == "run_end"
    calls = [e["call_id"] for e in evs if e["type"] == "tool_result"]
    assert len(calls) == len(set(calls)), "a tool call was recorded twice"
    # A request the killed harness left in flight is answered to nobody: the server counted it,
    # the run never saw it. Everything the run recorded is what the server said.
    row = check_accounting("kill -9 + resume", run_dir, proxy, killed=True)
    assert row["calls"] >= 1
    check_reports(env, run_dir)


def wait_for(run_dir: Path, marker: bytes, count: int, proc: subprocess.Popen[Any],
             timeout: float = 600) -> None:
    """Wait until events.jsonl holds ``count`` lines with ``marker`` (the run still going)."""
    path = run_dir / "events.jsonl"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before the point the test waits for"
        if path.exists() and path.read_bytes().count(marker) >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"no {count} x {marker!r} in {path} after {timeout:g} s")


@pytest.mark.parametrize("sig", [signal.SIGILL, signal.SIGKILL], ids=["SIGILL", "SIGKILL"])
def test_server_killed_ends_the_run_with_a_named_cause(server: LlamaServer, env: dict[str, str],
                                                       tmp_path: Path, sig: signal.Signals
                                                       ) -> None:
    run_dir = tmp_path / f"killed-{sig.name}"
    # Straight to the server (a proxy would accept the connections a dead server refuses).
    proc = subprocess.Popen([*UR, *run_args(run_dir, "rm-failfast", server.base_url,
                                            "--max-steps", "20")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    wait_for(run_dir, b'"model_call"', 2, proc)
    how = server.signal(sig)  # as a build for another CPU dies (SIGILL), or the OOM killer
    assert how.startswith(f"killed by {sig.name}")
    killed = time.monotonic()
    out, _err = proc.communicate(timeout=120)
    took = time.monotonic() - killed
    info = json.loads((run_dir / "run.json").read_text())
    assert proc.returncode == 1 and (info["status"], info["end_reason"]) == ("failed", "error")
    assert "its process is gone" in info["error"] and "refused every connection" in info["error"]
    assert "error: " in out and "its process is gone" in out  # the run's summary says it
    assert took < 30, took  # the 3 s refused budget and the final grading, not 180 s
    figures.record({"scenario": f"server {sig.name} mid-run", "end_reason": "error",
                    "calls": info["totals"]["model_calls"], "wall_s": round(took, 1)})


# 100 model calls: ~13 min on a quiet 2-core machine with prompts read on one thread (each
# compaction makes the server read a whole new prompt), ~25 min at a load of 20; on two, less.
@pytest.mark.timeout(3600)
def test_a_100_step_compact_run_in_an_8k_window_overflows_at_most_once(
        llm: tuple[Path, Path], env: dict[str, str], tmp_path: Path) -> None:
    run_dir = tmp_path / "long"
    with LlamaServer(*llm, tmp_path / "server.log", n_ctx=8192) as server, \
            RecordingProxy(f"http://127.0.0.1:{server.port}") as proxy:
        # No window configured: 128k is assumed until the server's error names 8192.
        ultrarun(env, *run_args(run_dir, "rm-text-long", proxy.base_url, "--context",
                                "compact", "--clock-every", "10", scenario=LONG), timeout=3600)
        statuses = [x.status for x in proxy.completions()]
    info = json.loads((run_dir / "run.json").read_text())
    assert statuses.count(400) <= 1, f"{statuses.count(400)} overflows"
    assert set(statuses) <= {200, 400}
    assert info["end_reason"] == "max_steps", info.get("error")
    assert info["totals"]["steps"] == 100
    ctx = [e for e in events(run_dir) if e["type"] == "context"]
    compactions = [e for e in ctx if e["action"] == "compact"]
    assert compactions, "the log outgrew the window: it had to be compacted"
    assert [e["details"]["context_window"] for e in ctx if e["action"] == "window"] \
        in ([], [8192])
    row = check_accounting("100 steps, compact, 8k", run_dir, proxy)
    data = check_reports(env, run_dir)
    caching = data["metrics"]["caching"]
    row.update(overflows=statuses.count(400), compactions=len(compactions),
               prefix_share=caching["prefix"]["share"])  # the recorded row, completed
    figures.record_update()


def test_a_two_agent_team(server: LlamaServer, env: dict[str, str], tmp_path: Path) -> None:
    """Two agents of the real model on one upstream for a few steps: the team's budget stops
    them (sessions of 2 steps, 6 in all), and every token the server counted is in the team's
    sessions."""
    team = tmp_path / "team"
    with RecordingProxy(f"http://127.0.0.1:{server.port}") as proxy:
        ultrarun(env, "run", str(SCENARIO), "--agents", "2", "--profile", "rm-native",
                 "--base-url", proxy.base_url, "--logs", str(tmp_path), "--run-id", "team",
                 "--max-steps", "6", "--session-steps", "2", "--quiet", timeout=1800)
        served = proxy.server_tokens()
    info = json.loads((team / "team.json").read_text())
    assert info["status"] == "finished", info
    assert info["end_reason"] in ("max_steps", "finished"), info
    # Both agents check the team's budget before each turn: at most one turn over it.
    assert 2 <= info["totals"]["steps"] <= 7, info["totals"]
    sessions = sorted(team.glob("agents/a*/s*/run.json"))
    assert {p.parent.parent.name for p in sessions} == {"a1", "a2"}
    runs = [json.loads(p.read_text()) for p in sessions]
    assert all(r["model_kind"] == "endpoint" and r["team"]["team_id"] == "team" for r in runs)
    tokens = (sum(r["totals"]["tokens_in"] for r in runs),
              sum(r["totals"]["tokens_out"] for r in runs))
    assert tokens == served and tokens[0] > 0
    assert (info["totals"]["tokens_in"], info["totals"]["tokens_out"]) == tokens
    report = json.loads(ultrarun(env, "report", str(team), "--json").stdout)
    assert [a["agent"] for a in report["agents"]] == ["a1", "a2"]
    assert report["tokens_in"] == tokens[0]
