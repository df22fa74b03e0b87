"""The run-level defects a real server showed (issue 13), on the fake server: each test drives a
whole run through the real openai client and checks what the run folder and reports say."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from agent.analysis.metrics import compute_metrics
from agent.analysis.report import render_html, summary_rows
from agent.options import ResumeConfig
from agent.replay.views import listing_lines
from agent.resume import resume_run
from agent.runner import RunConfig, execute_run
from agent.trajectory import load_run
from agent.trajectory.reader import NO_RUN_END
from tests.agent.conftest import ROOT, TINY, edit_profile, seqs_contiguous
from tests.agent.test_resume_fork import UR
from tests.fakes.openai_server import FakeOpenAIServer, Reply

BASH = ("bash", {"command": "echo 1 >> log.txt"})


def events_of(run_dir: Path, type_: str) -> list[dict[str, Any]]:
    return [e for e in seqs_contiguous(run_dir) if e["type"] == type_]


def test_identical_500_ends_the_run_quickly_naming_status_and_text(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    endpoint.reject_null_content = True  # llama-cpp-python's answer to content: null
    # A second tool-call turn only works if the first went back with a string content.
    endpoint.enqueue(Reply(tool_calls=[BASH]), Reply(tool_calls=[BASH]))
    endpoint.responder = lambda _b: Reply.error(500, "chat template failed on message 3")
    edit_profile(retry={"max_attempts": 20, "base_delay_s": 0.01, "max_delay_s": 0.02})
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path))
    assert (res.info.status, res.info.end_reason) == ("failed", "error")
    assert res.info.totals.tool_calls == 2  # both tool-call turns were accepted
    assert "HTTP 500" in (res.info.error or "") and "chat template failed" in res.info.error
    assert len(endpoint.completion_requests) == 2 + 3  # three identical failures, not 20
    (err,) = events_of(res.run_dir, "error")
    assert err["where"] == "model" and err["status"] == 500 and len(err["retries"]) == 2
    # Where a user looks: the replay row and the report say the call failed, with retries.
    run = load_run(res.run_dir)
    last = listing_lines(run)[-1]
    assert "(model call failed: " in last and "[2 retries]" in last
    m = compute_metrics(run)
    assert (m.model_calls.failed, m.model_calls.retries) == (1, 2)
    assert "chat template failed" in (m.model_calls.last_error or "")
    assert "model call failed" in render_html(run, m)


def test_max_time_is_enforced_inside_a_hanging_model_call(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    edit_profile(timeout_s=120.0)
    endpoint.enqueue(Reply(tool_calls=[BASH]))
    endpoint.responder = lambda _b: Reply(delay_s=60, tool_calls=[BASH])
    start = time.monotonic()
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path, max_time="3s", eval_every=0))
    took = time.monotonic() - start
    assert (res.info.status, res.info.end_reason) == ("finished", "max_time")
    assert took < 3 + 5, f"--max-time 3s overshot to {took:.1f} s"
    assert res.info.totals.wall_s < 3 + 3
    (err,) = events_of(res.run_dir, "error")
    assert err["budget"] == "max_time"


def test_max_time_is_enforced_between_retries(endpoint: FakeOpenAIServer,
                                              tmp_path: Path) -> None:
    edit_profile(retry={"max_attempts": 50, "base_delay_s": 2.0, "max_delay_s": 2.0})
    endpoint.responder = lambda _b: Reply.error(503, "loading model")
    start = time.monotonic()
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path, max_time="3s", eval_every=0))
    assert res.info.end_reason == "max_time" and time.monotonic() - start < 3 + 5
    m = compute_metrics(load_run(res.run_dir))
    assert m.model_calls.retries >= 1 and m.model_calls.outages == 1


def test_text_mode_finish_block_ends_the_run_and_reminder_shows_the_syntax(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    edit_profile(tool_mode="text")
    endpoint.enqueue(Reply(content="I will now think about it."),
                     Reply(content="```bash\necho 1 >> log.txt\n```"),
                     Reply(content="All done.\n```finish\nwrote log.txt\n```"))
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path))
    assert (res.info.status, res.info.end_reason) == ("finished", "finished")
    assert res.info.totals.steps == 3 and res.info.totals.format_errors == 1
    reminder = endpoint.completion_requests[1].body["messages"][-1]["content"]
    assert "```finish\n" in reminder and "```bash\n" in reminder
    assert "call `finish`" not in reminder
    finish = [e for e in events_of(res.run_dir, "tool_call") if e["name"] == "finish"]
    assert finish and finish[0]["arguments"] == {"summary": "wrote log.txt"}
    rows = listing_lines(load_run(res.run_dir))
    assert "(no tool call: text only)" in rows[2] and "finish" in rows[-1]


def test_report_counts_tokens_and_unusable_turns_of_a_run_without_tool_calls(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    endpoint.responder = lambda _b: Reply(content="Here is my plan, no tools.",
                                          usage={"prompt_tokens": 2000,
                                                 "completion_tokens": 50})
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path, max_format_errors=5))
    assert (res.info.status, res.info.end_reason) == ("failed", "error")
    run = load_run(res.run_dir)
    m = compute_metrics(run)
    assert (m.run.tokens_in, m.run.tokens_out, m.run.tokens) == (10_000, 250, 10_250)
    assert (res.info.totals.tokens_in, res.info.totals.tokens_out) == (10_000, 250)
    assert m.model_calls.text_only_turns == 5 and m.model_calls.unusable_rate == 1.0
    rows = dict(summary_rows(m))
    assert rows["error rate"] == "n/a" and rows["turns without a tool call"].startswith("5 of 5")
    assert sum("(no tool call: text only)" in line for line in listing_lines(run)) == 5


def test_resume_keeps_the_count_of_consecutive_unusable_turns(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    endpoint.enqueue(Reply(tool_calls=[BASH]))
    endpoint.responder = lambda _b: Reply(content="thinking out loud")
    part = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                 logs=tmp_path, max_steps=4, max_format_errors=5))
    assert part.info.end_reason == "max_steps"
    done = resume_run(ResumeConfig(run_dir=part.run_dir, max_steps=50))
    # 3 unusable turns before the stop, so 2 more reach the limit of 5 in a row.
    assert (done.info.status, done.info.end_reason) == ("failed", "error")
    assert done.info.totals.steps == 6 and done.info.totals.format_errors == 5


def test_compact_learns_the_window_from_the_error_and_resume_keeps_it(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    endpoint.max_prompt_tokens = 3000  # the profile names no window: 128k is assumed

    def agent(body: dict[str, Any]) -> Reply:
        if not body.get("tools"):
            return Reply(content="## Goal\nappend lines\n## Next steps\ncontinue")
        return Reply(tool_calls=[("bash", {"command": "echo 1 >> log.txt; seq 1 300"})])

    endpoint.responder = agent
    part = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                 logs=tmp_path, context="compact", max_steps=12,
                                 eval_every=0))
    assert part.info.end_reason == "max_steps" and part.info.context_window == 3000
    ctx = events_of(part.run_dir, "context")
    assert [c["details"]["context_window"] for c in ctx if c["action"] == "window"] == [3000]
    assert sum(c["action"] == "compact" for c in ctx) >= 1
    rejected = sum(len(json.dumps(r.body["messages"])) > 3000 * 4
                   for r in endpoint.completion_requests)
    assert rejected == 1, "after the first overflow, compaction comes before the limit"
    first = len(endpoint.completion_requests)
    done = resume_run(ResumeConfig(run_dir=part.run_dir, max_steps=24))
    assert done.info.end_reason == "max_steps" and done.info.context_window == 3000
    assert all(len(json.dumps(r.body["messages"])) <= 3000 * 4
               for r in endpoint.completion_requests[first:]), "resume forgot the window"
    m = compute_metrics(load_run(part.run_dir))
    assert m.model_calls.context_windows == [3000] and m.model_calls.compactions >= 2


def test_compact_asks_the_server_for_its_window_first(endpoint: FakeOpenAIServer,
                                                      tmp_path: Path) -> None:
    endpoint.max_prompt_tokens = 3000
    endpoint.props = {"default_generation_settings": {"n_ctx": 3000}}
    endpoint.responder = lambda b: Reply(content="summary") if not b.get("tools") else \
        Reply(tool_calls=[("bash", {"command": "seq 1 300"})])
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path, context="compact", max_steps=10, eval_every=0))
    (window,) = [c for c in events_of(res.run_dir, "context") if c["action"] == "window"]
    assert window["details"] == {"context_window": 3000, "source": "server (GET /props)"}
    assert all(len(json.dumps(r.body["messages"])) <= 3000 * 4
               for r in endpoint.completion_requests), "no request may overflow"


def test_the_summary_request_fits_when_the_history_overflowed(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    # `full` sends everything until the server refuses; the summary asked for then must fit.
    endpoint.max_prompt_tokens = 4000
    endpoint.responder = lambda b: Reply(content="summary") if not b.get("tools") else \
        Reply(tool_calls=[("bash", {"command": "seq 1 400"})])
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path, context="full", max_steps=12, eval_every=0))
    compacts = [c for c in events_of(res.run_dir, "context") if c["action"] == "compact"]
    assert compacts and all("summary_error" not in c["details"] for c in compacts)
    summaries = [r for r in endpoint.completion_requests if not r.body.get("tools")]
    assert summaries and all(len(json.dumps(r.body["messages"])) <= 4000 * 4 for r in summaries)


def test_raw_model_gets_a_default_max_tokens_recorded_and_cost_unknown(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    endpoint.enqueue(Reply(tool_calls=[BASH]), Reply(tool_calls=[("finish", {"summary": "x"})]))
    out = subprocess.run([*UR, "run", str(TINY), "--model", "some-local-model", "--base-url",
                          endpoint.base_url, "--api-key-env", "ULTRARUN_LOOP_TEST_KEY",
                          "--sandbox", "local", "--logs", str(tmp_path), "--run-id", "raw",
                          "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    said = " ".join(out.stdout.split())  # rich wraps at the terminal width
    assert "cost unknown" in said and "$0.0000" not in said
    assert [r.body["max_tokens"] for r in endpoint.completion_requests] == [4096, 4096]
    info = json.loads((tmp_path / "raw" / "run.json").read_text())
    assert info["options"]["max_tokens"] == 4096 and info["totals"]["unpriced_calls"] == 2
    endpoint.enqueue(Reply(tool_calls=[("finish", {"summary": "x"})]))
    subprocess.run([*UR, "run", str(TINY), "--model", "some-local-model", "--base-url",
                    endpoint.base_url, "--api-key-env", "ULTRARUN_LOOP_TEST_KEY", "--sandbox",
                    "local", "--logs", str(tmp_path), "--max-tokens", "77", "--quiet"],
                   cwd=ROOT, capture_output=True, timeout=120, check=True)
    assert endpoint.completion_requests[-1].body["max_tokens"] == 77


def test_after_kill_9_run_json_and_reports_say_what_the_events_say(
        endpoint: FakeOpenAIServer, tmp_path: Path) -> None:
    endpoint.responder = lambda _b: Reply(delay_s=0.05, tool_calls=[BASH])
    proc = subprocess.Popen([*UR, "run", str(TINY), "--profile", "fake", "--sandbox", "local",
                             "--logs", str(tmp_path), "--run-id", "killed", "--quiet",
                             "--eval-every", "0"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    run_dir = tmp_path / "killed"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
            not (run_dir / "events.jsonl").exists()
            or (run_dir / "events.jsonl").read_bytes().count(b'"snapshot"') < 6):
        time.sleep(0.05)
    live = load_run(run_dir).current_info
    assert live is not None and live.status == "running"  # the writer is alive
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    on_disk = json.loads((run_dir / "run.json").read_text())
    assert on_disk["status"] == "running" and on_disk["totals"]["steps"] >= 4  # kept current
    run = load_run(run_dir)
    info = run.current_info
    assert info is not None and (info.status, info.error) == ("interrupted", NO_RUN_END)
    snapshots = sum(1 for e in run.events if e.type == "snapshot")
    assert info.totals.steps == snapshots - 1  # step 0 is the initial workspace
    assert info.totals.tool_calls == sum(1 for e in run.events if e.type == "tool_result")
    assert listing_lines(run)[0].endswith("interrupted (interrupted)")
    report = subprocess.run([*UR, "report", str(run_dir), "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=True)
    data = json.loads(report.stdout)
    assert data["run_info"]["status"] == "interrupted"
    assert data["run_info"]["totals"]["steps"] == info.totals.steps
    assert data["metrics"]["run"]["error"] == NO_RUN_END
    resumed = resume_run(ResumeConfig(run_dir=run_dir, max_steps=info.totals.steps + 2))
    assert resumed.info.end_reason == "max_steps"


def test_a_stale_run_json_after_run_end_shows_the_run_end(endpoint: FakeOpenAIServer,
                                                          tmp_path: Path) -> None:
    # A crash between the run_end event and the rewrite of run.json: the event wins.
    endpoint.enqueue(Reply(tool_calls=[BASH]), Reply(tool_calls=[("finish", {"summary": "x"})]))
    res = execute_run(RunConfig(scenario=str(TINY), profile="fake", sandbox="local",
                                logs=tmp_path, eval_every=0))
    path = res.run_dir / "run.json"
    stale = json.loads(path.read_text())
    stale.update(status="running", end_reason=None)
    stale["totals"]["steps"] = 1
    path.write_text(json.dumps(stale))
    shown = load_run(res.run_dir).current_info
    assert shown is not None and (shown.status, shown.end_reason) == ("finished", "finished")
    assert shown.totals.steps == 2 and shown.error is None
