"""Import mini-swe-agent, SWE-agent and ATIF files as run folders; export runs as ATIF."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from agent.analysis import compute_metrics
from agent.cli import interchange_cmd, report_cmd
from agent.interchange import export_atif, import_trajectory, to_atif, validate_atif
from agent.replay.views import listing_lines
from agent.runner import RunConfig, execute_run
from agent.trajectory import LoadedRun, load_run
from agent.trajectory.events import (
    EvaluationEvent,
    MessageEvent,
    ModelCall,
    RunStart,
    ToolCallEvent,
    ToolResultEvent,
)
from sandboxes.errors import UserError

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data" / "interchange"
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"

@dataclass(frozen=True)
class Expected:
    """What an import must count: the truth of the fixture, worked out by hand."""

    kind: str
    model: str
    steps: int  # model turns (refused ones included)
    calls: int  # tool calls the harness really ran
    format_errors: int
    error_rate: float
    tokens_in: int
    tokens_out: int
    cost: float | None
    wall_s: float | None  # None: the source records no time ("not available")
    status: str
    end_reason: str


# Each fixture is written by us from the harness's public format description:
FIXTURES = {
    # mini-swe-agent 1.x (`mini-swe-agent-1`), from agents/default.py and models/litellm_model.py
    # of mini-swe-agent 1.x and its swebench config (```bash blocks, format_error_template,
    # timeout_template, Submitted as the last user message); times are the API's `created`.
    # A 2-block and a 0-block reply refused; one call exits 1, one times out.
    "mini-swe-agent-1x.traj.json": Expected(
        "mini-swe-agent", "anthropic/claude-sonnet-4-20250514", steps=6, calls=4,
        format_errors=2, error_rate=0.5, tokens_in=8870, tokens_out=250, cost=0.0421,
        wall_s=102.0, status="finished", end_reason="finished"),
    # mini-swe-agent 1.x, every reply refused and the run never ended (exit_status null).
    "mini-swe-agent-1x-all-format-errors.traj.json": Expected(
        "mini-swe-agent", "anthropic/claude-sonnet-4-20250514", steps=3, calls=0,
        format_errors=3, error_rate=0.0, tokens_in=3900, tokens_out=70, cost=0.009,
        wall_s=16.0, status="interrupted", end_reason="interrupted"),
    # mini-swe-agent 2.x text model (`mini-swe-agent-1.1`), from docs/usage/output_files.md,
    # docs/v2_migration.md and models/utils/actions_text.py: the refused reply survives only
    # in the FormatError message (`model_response`, `cost`); the run ends with role "exit".
    "mini-swe-agent.traj.json": Expected(
        "mini-swe-agent", "anthropic/claude-sonnet-4-5-20250929", steps=5, calls=4,
        format_errors=1, error_rate=0.25, tokens_in=4863, tokens_out=192, cost=0.0104,
        wall_s=11.0, status="finished", end_reason="finished"),
    # mini-swe-agent 2.x tool-call model (LitellmToolcallModel, models/utils/actions_toolcall.py):
    # parallel calls, `role: tool` results, a padded "action was not executed" result.
    "mini-swe-agent-toolcall.traj.json": Expected(
        "mini-swe-agent", "openai/gpt-5-mini", steps=3, calls=4, format_errors=1,
        error_rate=0.25, tokens_in=2420, tokens_out=142, cost=0.004, wall_s=4.6,
        status="finished", end_reason="max_steps"),
    # mini-swe-agent 2.x Responses-API model (LitellmResponseModel,
    # models/utils/actions_toolcall_response.py): `object: response` turns,
    # `function_call_output` results.
    "mini-swe-agent-2x-responses.traj.json": Expected(
        "mini-swe-agent", "openai/gpt-5", steps=3, calls=2, format_errors=1, error_rate=0.0,
        tokens_in=3000, tokens_out=109, cost=0.005, wall_s=9.0, status="finished",
        end_reason="finished"),
    # SWE-agent 1.x `.traj` (swe-agent.com/latest/usage/trajectories): `query`,
    # `execution_time`, `replay_config`; no timestamps, run-level tokens and cost only.
    "swe-agent.traj": Expected(
        "swe-agent", "gpt-4o", steps=5, calls=4, format_errors=1, error_rate=0.0,
        tokens_in=12840, tokens_out=310, cost=0.0456, wall_s=None, status="finished",
        end_reason="finished"),
    # SWE-agent 0.x `.traj` (0.7: `state` a JSON string, no execution_time), stopped by the
    # cost limit: the "exit_cost" turn SWE-agent appends itself is not a model turn.
    "swe-agent-0x.traj": Expected(
        "swe-agent", "unknown", steps=4, calls=4, format_errors=0, error_rate=0.0,
        tokens_in=119840, tokens_out=2772, cost=1.27, wall_s=None, status="finished",
        end_reason="max_cost"),
    # ATIF v1.6 (Harbor's RFC 0001 examples): ids on every result, a multimodal result.
    "atif.json": Expected(
        "atif", "anthropic/claude-sonnet-4-5", steps=3, calls=3, format_errors=0,
        error_rate=0.0, tokens_in=5020, tokens_out=150, cost=0.0188, wall_s=12.0,
        status="interrupted", end_reason="interrupted"),
    # ATIF v1.2 from Harbor's first mini-swe-agent converter (agents/installed/mini_swe_agent.py):
    # every timestamp is the conversion time, results carry no source_call_id, the first
    # ```bash block became a call even where mini-swe-agent refused the reply; final_metrics
    # cost 1.574 while the steps sum to 5.88.
    "atif-v1.2-harbor-mini-swe-agent.json": Expected(
        "atif", "openai/gpt-4.1", steps=5, calls=3, format_errors=2, error_rate=1 / 3,
        tokens_in=5750, tokens_out=98, cost=1.574, wall_s=None, status="finished",
        end_reason="finished"),
    # The same converter on a mini-swe-agent 1.x run cut short (its exit_status null): the last
    # reply held two ```bash blocks, the first the submit command; mini-swe-agent refused it
    # ("found 2 actions"), so nothing was submitted, though the call parsed from it is the
    # submit command. The run did not finish.
    "atif-v1.2-harbor-mini-swe-agent-refused-submit.json": Expected(
        "atif", "openai/gpt-4.1-mini", steps=3, calls=2, format_errors=1, error_rate=0.0,
        tokens_in=4942, tokens_out=131, cost=0.0024, wall_s=None, status="interrupted",
        end_reason="interrupted"),
    # ATIF v1.5 from terminus-2 (agents/terminus_2/terminus_2.py): `bash_command` calls sharing
    # one observation with an empty source_call_id, a parse error turn, mark_task_complete.
    "atif-v1.5-terminus-2.json": Expected(
        "atif", "anthropic/claude-sonnet-4-5", steps=5, calls=6, format_errors=1,
        error_rate=0.0, tokens_in=12600, tokens_out=310, cost=0.016, wall_s=33.0,
        status="finished", end_reason="finished"),
    # ATIF v1.2 terminus-2 run that hit its turn limit (never marked complete); final_metrics
    # cost differs from the steps' sum.
    "atif-v1.2-terminus-2-unfinished.json": Expected(
        "atif", "openai/gpt-5", steps=3, calls=4, format_errors=0, error_rate=0.0,
        tokens_in=12000, tokens_out=750, cost=1.574, wall_s=305.0, status="interrupted",
        end_reason="interrupted"),
}


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("import")(interchange_cmd.import_)
    app.command("export")(interchange_cmd.export)
    app.command("report")(report_cmd.report)
    return app


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    logs = tmp_path_factory.mktemp("interchange-logs")
    script = [
        {"content": "Look.", "tool_calls": [{"name": "bash", "arguments": {"command": "ls"}}]},
        {"content": "Write.",
         "tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "x"}},
                        {"name": "bash", "arguments": {"command": "cat a.txt; false"}}]},
        {"content": "no tool call here"},
        {"content": "Done.", "tool_calls": [{"name": "finish",
                                             "arguments": {"summary": "ok"}}]},
    ]
    (logs / "s.yaml").write_text(yaml.safe_dump(script))
    cfg = RunConfig(scenario=str(TINY), model=f"script:{logs / 's.yaml'}", sandbox="local",
                    logs=logs, run_id="real")
    return execute_run(cfg).run_dir


@pytest.mark.parametrize("name", FIXTURES)
def test_import_counts_what_happened(name: str, tmp_path: Path) -> None:
    x = FIXTURES[name]
    out = import_trajectory(x.kind, DATA / name, tmp_path / "run")  # type: ignore[arg-type]
    run = load_run(out)
    assert run.warnings == [] and run.info is not None
    info, t = run.info, run.info.totals
    assert info.model_kind == "imported" and info.model == x.model
    assert info.options.imported["format"] == x.kind
    assert not (out / "snapshots.git").exists() and not run.events_of(EvaluationEvent)
    types = [e.type for e in run.events]
    assert types[0] == "run_start" and types[-1] == "run_end"
    assert [e.seq for e in run.events] == list(range(len(run.events)))
    assert len(run.events_of(ModelCall)) == x.steps == t.steps
    assert len(run.events_of(ToolCallEvent)) == len(run.events_of(ToolResultEvent)) == x.calls
    assert (t.tool_calls, t.format_errors) == (x.calls, x.format_errors)
    assert (t.tokens_in, t.tokens_out) == (x.tokens_in, x.tokens_out)
    assert t.cost == pytest.approx(x.cost) and t.wall_s == pytest.approx(x.wall_s)
    assert (info.status, info.end_reason) == (x.status, x.end_reason)
    m = compute_metrics(run)
    assert m.run.tool_calls == x.calls and m.validity.format_errors == x.format_errors
    assert m.errors.error_rate == pytest.approx(x.error_rate)
    assert m.run.tokens == x.tokens_in + x.tokens_out and m.run.cost == pytest.approx(x.cost)
    assert m.run.wall_s == pytest.approx(x.wall_s)
    assert ("wall_s" in m.unavailable) == (x.wall_s is None)
    assert m.progress is None and m.churn is None
    assert {"progress", "churn"} <= set(m.unavailable)
    # refused turns keep their model message and have no call of their own
    refused = [e for e in run.events_of(ModelCall) if e.format_error]
    assert all(not e.message.get("tool_calls") for e in refused)


def _imported(name: str, tmp_path: Path) -> LoadedRun:
    run = load_run(import_trajectory(FIXTURES[name].kind,  # type: ignore[arg-type]
                                     DATA / name, tmp_path / name))
    assert run.info is not None
    return run


def test_mini_swe_agent_1x_refused_turns_have_no_call(tmp_path: Path) -> None:
    run = _imported("mini-swe-agent-1x.traj.json", tmp_path)
    turns = run.events_of(ModelCall)
    assert [bool(e.message.get("tool_calls")) for e in turns] == \
        [True, False, False, True, True, True]
    assert "2 bash blocks" in turns[1].format_error
    assert "```bash\ncat calc.py" in turns[1].message["content"]  # kept as said
    assert [(e.step, e.reason) for e in run.events_of(MessageEvent)] == \
        [(2, "format_error"), (3, "format_error")]
    assert "found 2 actions" in run.events_of(MessageEvent)[0].content
    results = run.events_of(ToolResultEvent)
    assert [(r.exit_code, r.timed_out, r.ok) for r in results] == [
        (0, False, True), (1, False, False), (None, True, False), (None, False, True)]
    assert results[-1].output.startswith("diff --git")
    assert "submitted" in results[-1].note
    assert turns[0].t == 1760000000.0 and turns[0].prompt_tokens == 1200


def test_mini_swe_agent_2x_refusal_and_totals(tmp_path: Path) -> None:
    run = _imported("mini-swe-agent.traj.json", tmp_path)
    assert run.info is not None
    refused = run.events_of(ModelCall)[1]
    assert refused.format_error and not refused.message.get("tool_calls")
    assert "```mswea_bash_command\npytest -q" in refused.message["content"]
    assert (refused.cost, refused.prompt_tokens) == (0.0021, 901)
    assert [m.reason for m in run.events_of(MessageEvent)] == ["format_error"]
    # mini-swe-agent leaves the refused turn's cost out of instance_cost: the declared total
    # is kept and the disagreement is recorded, in run.json and in the report's warnings
    (warning,) = run.info.options.imported["warnings"]
    assert "info.model_stats.instance_cost declares cost 0.0104" in warning
    assert "0.0125" in warning and warning in compute_metrics(run).warnings
    assert run.info.options.imported["exit_status"] == "Submitted"
    assert run.events_of(ToolResultEvent)[-1].output.startswith("diff --git")


def test_mini_swe_agent_2x_tool_calls(tmp_path: Path) -> None:
    tc = _imported("mini-swe-agent-toolcall.traj.json", tmp_path)
    assert [e.call_id for e in tc.events_of(ToolCallEvent)] == \
        ["toolu_01", "toolu_02", "toolu_03", "toolu_04"]
    assert [r.exit_code for r in tc.events_of(ToolResultEvent)] == [0, 1, 0, 0]
    third = tc.events_of(ModelCall)[2]
    assert third.not_executed == ['{"command": "wc -l *.py"}']  # type: ignore[attr-defined]
    assert tc.events_of(ModelCall)[1].message["content"] == "There are 3 Python files."
    durations = [r.duration_s for r in tc.events_of(ToolResultEvent)]
    assert durations == [1.0, 0.5, 1.0, 0.5]
    resp = _imported("mini-swe-agent-2x-responses.traj.json", tmp_path)
    assert [e.call_id for e in resp.events_of(ToolCallEvent)] == ["call_a", "call_b"]
    first = resp.events_of(ModelCall)[0]
    assert first.reasoning == "List the files first."
    assert resp.events_of(ModelCall)[1].message["content"] == "All done, I believe."


def test_swe_agent_details(tmp_path: Path) -> None:
    run = _imported("swe-agent.traj", tmp_path)
    start = run.events_of(RunStart)[0]
    texts = [m["content"] for m in start.messages]
    assert len(texts) == 2 and "demonstration" not in " ".join(texts)  # demos left out
    calls = run.events_of(ToolCallEvent)
    assert calls[1].arguments == {"command": "open calc.py"}
    assert all(c.name == "bash" for c in calls)
    res = run.events_of(ToolResultEvent)
    assert res[0].source_state == {"open_file": "n/a", "working_dir": "/testbed"}  # type: ignore
    assert res[2].duration_s == 0.52
    assert run.info is not None and run.info.options.imported["swe_agent_version"] == "1.1.0"
    assert run.info.scenario == "swe_main" and run.info.options.imported["timestamps"] == "none"
    old = _imported("swe-agent-0x.traj", tmp_path)
    assert old.events_of(ToolResultEvent)[0].source_state["open_file"] == "n/a"  # type: ignore
    (note,) = old.events_of(MessageEvent)
    assert note.reason == "harness_exit" and "Exit due to cost limit" in note.content
    assert old.info is not None and old.info.options.imported["harness_exits"] == ["exit_cost"]


def test_atif_details(tmp_path: Path) -> None:
    run = _imported("atif.json", tmp_path)
    names = [c.name for c in run.events_of(ToolCallEvent)]
    assert names == ["bash", "write_file", "bash"]  # native tool calls keep their tools
    mc = run.events_of(ModelCall)
    assert mc[0].reasoning == "Start by seeing what fails."
    assert mc[1].prompt_tokens == 1700 and not mc[2].message.get("tool_calls")
    res = run.events_of(ToolResultEvent)
    assert res[1].output == "wrote 32 bytes[image]"
    assert res[2].output == "4 passed in 0.10s"


def test_atif_results_without_source_call_id(tmp_path: Path) -> None:
    run = _imported("atif-v1.5-terminus-2.json", tmp_path)
    calls = run.events_of(ToolCallEvent)
    assert [c.name for c in calls] == ["bash_command"] * 4 + ["mark_task_complete"] * 2
    res = {r.call_id: r for r in run.events_of(ToolResultEvent)}
    # three calls, one shared screen: none of them failed, the screen is kept once
    for cid in ("call_0_1", "call_0_2", "call_0_3"):
        assert res[cid].ok and res[cid].output == "" and "shared" in res[cid].note  # type: ignore
    msgs = [(m.step, m.reason) for m in run.events_of(MessageEvent)]
    assert msgs == [(1, "observation"), (2, "format_error")]
    assert "Hello, world!" in run.events_of(MessageEvent)[0].content
    # one call, one result: they belong together
    assert "2 passed" in res["call_2_1"].output
    assert res["call_4_task_complete"].note.startswith("no observation")  # type: ignore
    conv = _imported("atif-v1.2-harbor-mini-swe-agent.json", tmp_path)
    assert conv.info is not None
    warnings = conv.info.options.imported["warnings"]
    assert any("record when the file was written" in w for w in warnings)
    assert any("final_metrics declares cost 1.574 but the turns sum to 5.88" in w
               for w in warnings)
    refused = conv.events_of(ModelCall)[1]
    assert refused.refused_calls[0]["raw_arguments"] == '{"command": "cat /app/calc.py"}'  # type: ignore
    unfinished = _imported("atif-v1.2-terminus-2-unfinished.json", tmp_path)
    assert unfinished.info is not None
    assert unfinished.info.options.imported["warnings"] == [
        "final_metrics declares cost 1.574 but the turns sum to 5.88: the declared total is used"]


def test_report_says_not_available_for_missing_times(app: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "swe"
    assert runner.invoke(app, ["import", "swe-agent", str(DATA / "swe-agent-0x.traj"), "--out",
                               str(out)]).exit_code == 0
    res = runner.invoke(app, ["report", str(out), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["metrics"]["run"]["wall_s"] is None and "wall_s" in doc["metrics"]["unavailable"]
    assert doc["metrics"]["run"]["tokens"] == 122612 and doc["metrics"]["run"]["cost"] == 1.27
    res = runner.invoke(app, ["report", str(out), "--html", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    wall = next(line for line in res.output.splitlines() if "wall time" in line)
    assert "n/a" in wall and "0.0" not in wall
    page = (tmp_path / "r.html").read_text()
    assert "<b>n/a</b><span>wall time</span>" in page and "<b>122612</b>" in page


def _check_atif_structure(doc: dict) -> None:
    """The structure the ATIF RFC describes, checked independently of our pydantic models."""
    assert doc["schema_version"].startswith("ATIF-v1.")
    assert isinstance(doc["session_id"], str) and doc["session_id"]
    assert {"name", "version"} <= set(doc["agent"])
    steps = doc["steps"]
    assert [s["step_id"] for s in steps] == list(range(1, len(steps) + 1))
    for s in steps:
        assert s["source"] in ("system", "user", "agent")
        assert isinstance(s["message"], str)
        if "timestamp" in s:  # optional: left out when the run has no times of its own
            datetime.fromisoformat(s["timestamp"])
        if s["source"] != "agent":
            assert not {"model_name", "reasoning_content", "tool_calls", "metrics"} & set(s)
        ids = [c["tool_call_id"] for c in s.get("tool_calls", [])]
        for c in s.get("tool_calls", []):
            assert isinstance(c["function_name"], str) and isinstance(c["arguments"], dict)
        for r in s.get("observation", {}).get("results", []):
            assert r["source_call_id"] in ids
    fm = doc["final_metrics"]
    assert fm["total_steps"] == len(steps)


def test_export_a_real_run_and_round_trip(real_run: Path, tmp_path: Path) -> None:
    dest = export_atif(real_run, tmp_path / "t.atif.json")
    doc = json.loads(dest.read_text())
    _check_atif_structure(doc)
    validate_atif(doc)
    original = load_run(real_run)
    agent_steps = [s for s in doc["steps"] if s["source"] == "agent"]
    assert len(agent_steps) == len(original.events_of(ModelCall)) == 4
    assert sum(len(s.get("tool_calls", [])) for s in agent_steps) == 4
    assert [s["source"] for s in doc["steps"][:2]] == ["system", "user"]
    assert any(s.get("extra", {}).get("ultrarun", {}).get("reason") == "format_error"
               for s in doc["steps"])  # the reminder after the turn with no tool call
    second = agent_steps[1]
    assert second["message"] == "Write." and "reasoning_content" not in second
    call_ids = [c["tool_call_id"] for c in second["tool_calls"]]
    assert second["extra"]["ultrarun"]["results"][call_ids[1]]["exit_code"] == 1
    assert doc["extra"]["ultrarun"]["grade"]["total"] == 10

    back = load_run(import_trajectory("atif", dest, tmp_path / "back"))
    assert back.warnings == []
    for kind in (ModelCall, ToolCallEvent, ToolResultEvent, MessageEvent):
        assert len(back.events_of(kind)) == len(original.events_of(kind)), kind
    assert [r.exit_code for r in back.events_of(ToolResultEvent)] == \
        [r.exit_code for r in original.events_of(ToolResultEvent)]
    assert [r.output for r in back.events_of(ToolResultEvent)] == \
        [r.output for r in original.events_of(ToolResultEvent)]
    assert back.info is not None and back.info.scenario == "tiny"
    assert original.info is not None
    _same_run(original, back)
    # Exporting the import gives the same steps again.
    again = to_atif(back)
    assert [(s["source"], s["message"]) for s in again["steps"]] == \
        [(s["source"], s["message"]) for s in doc["steps"]]


def _same_run(a: LoadedRun, b: LoadedRun) -> None:
    """What an export -> import must keep: totals (tokens, cost, wall time, calls, format
    errors), status, times of the run and of every turn."""
    assert a.info is not None and b.info is not None
    assert b.info.totals == a.info.totals
    assert (b.info.status, b.info.end_reason) == (a.info.status, a.info.end_reason)
    if a.info.totals.wall_s is not None:
        assert b.info.started_at == pytest.approx(a.info.started_at, abs=1e-3)
        assert b.info.ended_at == pytest.approx(a.info.ended_at, abs=1e-3)
        assert [round(e.t, 3) for e in b.events_of(ModelCall)] == \
            [round(e.t, 3) for e in a.events_of(ModelCall)]
    else:
        assert b.info.options.imported["timestamps"] == "none"
    assert [e.cost for e in b.events_of(ModelCall)] == \
        [e.cost for e in a.events_of(ModelCall)]
    assert [(r.ok, r.exit_code, r.timed_out) for r in b.events_of(ToolResultEvent)] == \
        [(r.ok, r.exit_code, r.timed_out) for r in a.events_of(ToolResultEvent)]


@pytest.mark.parametrize("name", FIXTURES)
def test_export_import_round_trip_of_imports(name: str, tmp_path: Path) -> None:
    first = _imported(name, tmp_path)
    doc = to_atif(first)
    _check_atif_structure(doc)
    assert ("timestamp" in doc["steps"][0]) == (FIXTURES[name].wall_s is not None)
    dest = export_atif(first.run_dir, tmp_path / "x.atif.json")
    back = load_run(import_trajectory("atif", dest, tmp_path / "back"))
    assert back.warnings == []
    _same_run(first, back)
    m = compute_metrics(back)
    assert (m.run.tool_calls, m.validity.format_errors) == (FIXTURES[name].calls,
                                                            FIXTURES[name].format_errors)
    assert m.errors.error_rate == pytest.approx(FIXTURES[name].error_rate)


def test_cli_import_export_report(app: typer.Typer, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["import", "swe-agent", str(DATA / "swe-agent.traj"), "--out",
                              str(tmp_path / "imp")])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(tmp_path / "imp")
    res = runner.invoke(app, ["report", str(tmp_path / "imp"), "--json"])
    assert res.exit_code == 0, res.output
    metrics = json.loads(res.stdout)["metrics"]
    assert metrics["run"]["tool_calls"] == 4 and "churn" in metrics["unavailable"]
    res = runner.invoke(app, ["export", "atif", str(tmp_path / "imp")])
    assert res.exit_code == 0, res.output
    _check_atif_structure(json.loads((tmp_path / "imp" / "trajectory.atif.json").read_text()))
    monkeypatch.chdir(tmp_path)  # the default --out is logs/<new run id>
    res = runner.invoke(app, ["import", "atif", str(DATA / "atif.json")])
    assert res.exit_code == 0, res.output
    made = Path(res.stdout.strip())
    assert made.parent == Path("logs") and "-import-atif-atif-" in made.name
    assert (tmp_path / made / "run.json").exists()


@pytest.mark.parametrize(("kind", "content", "why"), [
    ("mini-swe-agent", "{not json", "not valid JSON (line 1"),
    ("mini-swe-agent", '{"info": {}}', "not a mini-swe-agent trajectory"),
    ("mini-swe-agent", '{"messages": [{"content": "x"}]}', "messages[0].role: missing"),
    ("swe-agent", '{"history": []}', "not a SWE-agent trajectory"),
    ("swe-agent", '{"trajectory": [{"action": 5}]}', "trajectory[0].action: expected a string"),
    ("atif", '{"steps": []}', "not an ATIF trajectory"),
    ("atif", json.dumps({"schema_version": "ATIF-v1.6", "agent": {"name": "a", "version": "1"},
                         "steps": [{"step_id": 2, "source": "user", "message": "x"}]}),
     "step_id must run 1, 2, 3"),
    ("atif", json.dumps({"schema_version": "ATIF-v1.6", "agent": {"name": "a", "version": "1"},
                         "steps": [{"step_id": 1, "source": "agent", "message": "x",
                                    "observation": {"results": [{"source_call_id": "zz",
                                                                 "content": "o"}]}}]}),
     "source_call_id 'zz'"),
])
def test_bad_input_is_a_user_error(app: typer.Typer, tmp_path: Path, kind: str, content: str,
                                   why: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    res = CliRunner().invoke(app, ["import", kind, str(bad), "--out", str(tmp_path / "o")])
    assert isinstance(res.exception, UserError), res.output
    assert str(bad) in str(res.exception) and why in str(res.exception)
    assert not (tmp_path / "o").exists()  # nothing half-written


def test_import_refuses_a_non_empty_target(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "x").write_text("keep me")
    res = CliRunner().invoke(app, ["import", "atif", str(DATA / "atif.json"), "--out",
                                   str(tmp_path / "o")])
    assert isinstance(res.exception, UserError) and "not an empty folder" in str(res.exception)
    res = CliRunner().invoke(app, ["import", "atif", str(tmp_path / "missing.json")])
    assert isinstance(res.exception, UserError) and "no such file" in str(res.exception)


def test_a_refused_submit_never_ends_the_run_and_replay_says_format_error(
        tmp_path: Path, real_run: Path) -> None:
    name = "atif-v1.2-harbor-mini-swe-agent-refused-submit.json"
    run = _imported(name, tmp_path)
    last = run.events_of(ModelCall)[-1]
    assert last.format_error and "found 2 actions" in last.format_error
    assert not last.message.get("tool_calls")
    refused = last.refused_calls  # type: ignore[attr-defined]
    assert "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT" in refused[0]["raw_arguments"]
    assert not any("COMPLETE_TASK" in json.dumps(e.arguments)
                   for e in run.events_of(ToolCallEvent))
    lines = listing_lines(run)
    assert lines[-1].startswith("    3  (format error, not run: refused by the harness: "
                                "Please always provide EXACTLY ONE action"), lines[-1]
    # a real reply in plain words is labelled as such, not as a format error
    text_only = [ln for ln in listing_lines(load_run(real_run)) if ln.startswith("    3 ")]
    assert text_only and "(no tool call: text only)" in text_only[0], text_only
