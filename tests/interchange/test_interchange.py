"""Import mini-swe-agent, SWE-agent and ATIF files as run folders; export runs as ATIF."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from agent.analysis import compute_metrics
from agent.cli import interchange_cmd, report_cmd
from agent.interchange import export_atif, import_trajectory, to_atif, validate_atif
from agent.runner import RunConfig, execute_run
from agent.trajectory import load_run
from sandboxes.errors import UserError

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data" / "interchange"
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"

# (kind, file, model, steps, tool calls, format errors)
SAMPLES = [
    ("mini-swe-agent", "mini-swe-agent.traj.json", "anthropic/claude-sonnet-4-5-20250929",
     5, 4, 1),
    ("mini-swe-agent", "mini-swe-agent-toolcall.traj.json", "openai/gpt-5-mini", 2, 3, 0),
    ("swe-agent", "swe-agent.traj", "gpt-4o", 5, 4, 1),
    ("atif", "atif.json", "anthropic/claude-sonnet-4-5", 3, 3, 0),
]


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


@pytest.mark.parametrize(("kind", "name", "model", "steps", "calls", "fmt"), SAMPLES)
def test_import_builds_an_ordinary_run(kind: str, name: str, model: str, steps: int,
                                       calls: int, fmt: int, tmp_path: Path) -> None:
    out = import_trajectory(kind, DATA / name, tmp_path / "run")  # type: ignore[arg-type]
    run = load_run(out)
    assert run.warnings == [] and run.info is not None
    assert run.info.model_kind == "imported" and run.info.model == model
    assert run.info.options["imported"]["format"] == kind
    assert not (out / "snapshots.git").exists() and not run.of_type("evaluation")
    types = [e.type for e in run.events]
    assert types[0] == "run_start" and types[-1] == "run_end"
    assert [e.seq for e in run.events] == list(range(len(run.events)))
    assert len(run.of_type("model_call")) == steps == run.info.totals.steps
    assert len(run.of_type("tool_call")) == len(run.of_type("tool_result")) == calls
    m = compute_metrics(run)
    assert m.run.tool_calls == calls and m.validity.format_errors == fmt
    assert m.progress is None and m.churn is None
    assert {"progress", "churn"} <= set(m.unavailable)
    assert run.info.status == "finished" or kind == "mini-swe-agent"


def test_mini_swe_agent_details(tmp_path: Path) -> None:
    run = load_run(import_trajectory("mini-swe-agent", DATA / "mini-swe-agent.traj.json",
                                     tmp_path / "m"))
    assert run.info is not None
    start = run.of_type("run_start")[0]
    assert [m["role"] for m in start.messages] == ["system", "user"]  # type: ignore[attr-defined]
    calls = run.of_type("tool_call")
    assert calls[0].arguments == {"command": "ls -la"}  # type: ignore[attr-defined]
    results = run.of_type("tool_result")
    assert [r.exit_code for r in results] == [0, 1, 0, None]  # type: ignore[attr-defined]
    assert results[-1].output.startswith("diff --git")  # type: ignore[attr-defined]
    (msg,) = run.of_type("message")
    assert msg.reason == "format_error" and "EXACTLY ONE" in msg.content  # type: ignore
    model_calls = run.of_type("model_call")
    assert model_calls[0].prompt_tokens == 812 and model_calls[0].cost == 0.002  # type: ignore
    assert model_calls[0].t == 1706000000.0
    meta = run.info.options["imported"]
    assert meta["exit_status"] == "Submitted" and meta["submission"].startswith("diff")
    assert run.info.end_reason == "finished" and run.info.totals.cost == pytest.approx(0.0123)

    tc = load_run(import_trajectory("mini-swe-agent", DATA / "mini-swe-agent-toolcall.traj.json",
                                    tmp_path / "tc"))
    assert tc.info is not None and tc.info.end_reason == "max_steps"
    assert [e.call_id for e in tc.of_type("tool_call")] == ["toolu_01", "toolu_02", "toolu_03"]
    res = tc.of_type("tool_result")
    assert [r.exit_code for r in res] == [0, 1, None]  # type: ignore[attr-defined]
    assert res[2].note == "no observation recorded in the source"  # type: ignore


def test_swe_agent_details(tmp_path: Path) -> None:
    run = load_run(import_trajectory("swe-agent", DATA / "swe-agent.traj", tmp_path / "s"))
    assert run.info is not None
    start = run.of_type("run_start")[0]
    texts = [m["content"] for m in start.messages]  # type: ignore[attr-defined]
    assert len(texts) == 2 and "demonstration" not in " ".join(texts)  # demos left out
    calls = run.of_type("tool_call")
    assert calls[1].arguments == {"command": "open calc.py"}  # type: ignore[attr-defined]
    assert all(c.name == "bash" for c in calls)  # type: ignore[attr-defined]
    res = run.of_type("tool_result")
    assert res[0].source_state == {"open_file": "n/a", "working_dir": "/testbed"}  # type: ignore
    assert res[2].duration_s == 0.52  # type: ignore[attr-defined]
    t = run.info.totals
    assert (t.tokens_in, t.tokens_out, t.cost) == (12840, 310, 0.0456)
    assert run.info.options["imported"]["swe_agent_version"] == "1.1.0"
    assert run.info.scenario == "swe_main" and run.info.end_reason == "finished"


def test_atif_details(tmp_path: Path) -> None:
    run = load_run(import_trajectory("atif", DATA / "atif.json", tmp_path / "a"))
    names = [c.name for c in run.of_type("tool_call")]  # type: ignore[attr-defined]
    assert names == ["bash", "write_file", "bash"]  # native tool calls keep their tools
    mc = run.of_type("model_call")
    assert mc[0].reasoning == "Start by seeing what fails."  # type: ignore[attr-defined]
    assert mc[1].prompt_tokens == 1700 and not mc[2].message.get("tool_calls")  # type: ignore
    res = run.of_type("tool_result")
    assert res[2].output == "4 passed in 0.10s"  # type: ignore[attr-defined]


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
    assert len(agent_steps) == len(original.of_type("model_call")) == 4
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
    for kind in ("model_call", "tool_call", "tool_result", "message"):
        assert len(back.of_type(kind)) == len(original.of_type(kind)), kind
    assert [r.exit_code for r in back.of_type("tool_result")] == \
        [r.exit_code for r in original.of_type("tool_result")]  # type: ignore[attr-defined]
    assert [r.output for r in back.of_type("tool_result")] == \
        [r.output for r in original.of_type("tool_result")]  # type: ignore[attr-defined]
    assert back.info is not None and back.info.scenario == "tiny"
    # Exporting the import gives the same steps again.
    again = to_atif(back)
    assert [(s["source"], s["message"]) for s in again["steps"]] == \
        [(s["source"], s["message"]) for s in doc["steps"]]


def test_imported_runs_export_too(tmp_path: Path) -> None:
    for kind, name, *_ in SAMPLES:
        run = import_trajectory(kind, DATA / name, tmp_path / name)  # type: ignore[arg-type]
        _check_atif_structure(to_atif(load_run(run)))


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
    ("mini-swe-agent", '{"messages": [{"content": "x"}]}', "messages[0] is not a chat message"),
    ("swe-agent", '{"history": []}', "not a SWE-agent trajectory"),
    ("swe-agent", '{"trajectory": [{"action": 5}]}', "trajectory[0].action is not a string"),
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
    assert isinstance(res.exception, UserError) and "not empty" in str(res.exception)
    res = CliRunner().invoke(app, ["import", "atif", str(tmp_path / "missing.json")])
    assert isinstance(res.exception, UserError) and "no such file" in str(res.exception)
