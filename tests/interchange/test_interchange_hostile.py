"""Hostile trajectory files: every one is a usage error (exit 2, one line naming the file and,
for a bad field, the field), never a traceback; an import never writes outside ``--out``; and
what the file says is stored as-is (terminal escapes included: rendering is the viewer's job).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli import main as cli_main
from agent.interchange import import_trajectory
from agent.trajectory import load_run
from agent.trajectory.events import ModelCall, RunStart, ToolCallEvent, ToolResultEvent

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data" / "interchange"
KINDS = ("mini-swe-agent", "swe-agent", "atif")


def ultrarun(args: list[str], capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run the real CLI entry point in-process: (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["ultrarun", *args])
    with pytest.raises(SystemExit) as exc:
        cli_main.main()
    return int(exc.value.code or 0), capsys.readouterr().err


def deep(n: int) -> str:
    return "[" * n + "]" * n


def test_100k_deep_json_is_one_line_exit_2_in_a_real_process(tmp_path: Path) -> None:
    bad = tmp_path / "deep.json"
    bad.write_text('{"messages": ' + deep(100_000) + "}")
    proc = subprocess.run([sys.executable, "-m", "agent.cli.main", "import", "mini-swe-agent",
                           str(bad), "--out", str(tmp_path / "o")], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and "nested too deeply" in lines[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("content", "why"), [
    ('{"messages": ' + deep(100_000) + "}", "nested too deeply"),  # RecursionError in json
    ('{"messages": ' + deep(600) + "}", "nested too deeply"),  # parses, but too deep to use
    (b'{"messages": ["caf\xe9"]}', "not UTF-8 text (invalid byte at offset 18)"),
    ('{"messages": [], "n": ' + "9" * 5000 + "}", "not usable JSON"),
    ('{"messages": [], "cost": NaN}', "not usable JSON (NaN is not a JSON number)"),
    ('{"messages": [], "cost": 1e999}', "out of range"),
    ("[]", None), ('"a string"', None), ("42", None), ("null", None),
])
def test_unusable_documents_are_usage_errors(kind: str, content: str | bytes, why: str | None,
                                             tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, err = ultrarun(["import", kind, str(bad), "--out", str(tmp_path / "o")], capsys,
                         monkeypatch)
    assert code == 2 and "Traceback" not in err
    assert str(bad) in err
    # wrong top-level types name the field the format needs
    assert (why or {"mini-swe-agent": "messages", "swe-agent": "trajectory",
                     "atif": "schema_version"}[kind]) in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("kind", "doc", "field"), [
    ("mini-swe-agent", {"messages": [{"role": "system", "content": "s"}, {"content": "x"}]},
     "messages[1].role: missing"),
    ("mini-swe-agent", {"messages": ["not a message"]}, "messages[0]: expected an object"),
    ("mini-swe-agent", {"info": ["x"], "messages": []}, "info: expected an object"),
    ("mini-swe-agent", {"messages": [{"role": "assistant", "content": "x",
                                      "extra": {"cost": "cheap"}}]},
     "messages[0].extra.cost: expected a number, found a string"),
    ("mini-swe-agent", {"messages": [{"role": "assistant", "content": None,
                                      "tool_calls": {"id": "1"}}]},
     "messages[0].tool_calls: expected a list"),
    ("mini-swe-agent", {"info": {"model_stats": {"instance_cost": [1]}}, "messages": []},
     "info.model_stats.instance_cost: expected a number, found a list"),
    ("mini-swe-agent", {"messages": [{"role": "assistant", "content": "x",
                                      "extra": {"timestamp": 1e300}}]},
     "messages[0].extra.timestamp: 1e+300 is not a unix time between 1970 and 2100"),
    ("swe-agent", {"trajectory": ["ls"]}, "trajectory[0]: expected an object"),
    ("swe-agent", {"trajectory": [{"action": 5}]}, "trajectory[0].action: expected a string"),
    ("swe-agent", {"trajectory": [], "info": {"model_stats": {"tokens_sent": "many"}}},
     "info.model_stats.tokens_sent: expected an integer"),
    ("swe-agent", {"trajectory": [{"action": "ls", "execution_time": "slow"}]},
     "trajectory[0].execution_time: expected a number"),
    ("atif", {"schema_version": "ATIF-v1.6", "steps": [
        {"step_id": 1, "source": "user", "message": "x"}]}, "agent: Field required"),
    ("atif", {"schema_version": "ATIF-v1.6", "agent": {"name": "a", "version": "1"},
              "steps": [{"step_id": 1, "source": "robot", "message": "x"}]}, "steps.0.source"),
    ("atif", {"schema_version": "ATIF-v1.6", "agent": {"name": "a", "version": "1"},
              "steps": [{"step_id": 1, "source": "agent", "message": "x",
                         "tool_calls": [{"tool_call_id": "c", "function_name": "bash",
                                         "arguments": "ls"}]}]},
     "steps.0.tool_calls.0.arguments"),
    ("atif", {"schema_version": "ATIF-v1.6", "agent": {"name": "a", "version": "1"},
              "steps": [{"step_id": 1, "source": "user", "message": "x",
                         "timestamp": "yesterday"}]}, "steps.0.timestamp"),
    ("atif", {"schema_version": "ATIF-v1.6", "agent": {"name": "a", "version": "1"},
              "steps": [{"step_id": 1, "source": "user", "message": "x",
                         "timestamp": "0001-01-01T00:00:00Z"}]},
     "steps.0.timestamp: Value error, '0001-01-01T00:00:00Z' is not a time between 1970"),
])
def test_bad_fields_are_named(kind: str, doc: dict, field: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code, err = ultrarun(["import", kind, str(bad), "--out", str(tmp_path / "o")], capsys,
                         monkeypatch)
    assert code == 2 and "Traceback" not in err, err
    assert str(bad) in err and field in " ".join(err.split()), err
    assert not (tmp_path / "o").exists()


def test_size_is_bounded_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    sparse = tmp_path / "huge.traj.json"
    with open(sparse, "wb") as f:  # 300 MB, no disk used: refused from its size alone
        f.truncate(300 * 2**20)
    code, err = ultrarun(["import", "mini-swe-agent", str(sparse), "--out",
                          str(tmp_path / "o")], capsys, monkeypatch)
    assert code == 2 and str(sparse) in err and "300.0 MB" in err and "--max-mb" in err
    small = tmp_path / "two-mb.traj.json"
    small.write_text(json.dumps({"messages": [{"role": "user", "content": "x" * 2 * 2**20}]}))
    code, err = ultrarun(["import", "mini-swe-agent", str(small), "--max-mb", "1", "--out",
                          str(tmp_path / "o")], capsys, monkeypatch)
    assert code == 2 and "1 MB import limit" in err
    code, err = ultrarun(["import", "mini-swe-agent", str(small), "--max-mb", "3", "--out",
                          str(tmp_path / "o")], capsys, monkeypatch)
    assert code == 0, err
    assert not list(tmp_path.glob("o/outputs/*"))


def test_special_files_are_refused_without_blocking(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # nobody writes to it: reading it would hang the import
    code, err = ultrarun(["import", "atif", str(fifo), "--out", str(tmp_path / "o")], capsys,
                         monkeypatch)
    assert code == 2 and "not a regular file" in err
    code, err = ultrarun(["import", "atif", str(tmp_path), "--out", str(tmp_path / "o")],
                         capsys, monkeypatch)
    assert code == 2 and "not a regular file" in err
    target = tmp_path / "file-not-folder"
    target.write_text("keep")
    code, err = ultrarun(["import", "atif", str(DATA / "atif.json"), "--out", str(target)],
                         capsys, monkeypatch)
    assert code == 2 and "not an empty folder" in err and target.read_text() == "keep"


ESCAPES = "\x1b[2J\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b]8;;http://x.invalid\x1b\\link\x1b]8;;" \
          "\x1b\\ \r\x08\x00"


def test_terminal_escapes_are_stored_as_is(tmp_path: Path) -> None:
    doc = {"info": {"exit_status": "Submitted"}, "trajectory_format": "mini-swe-agent-1.1",
           "messages": [
               {"role": "system", "content": "s"}, {"role": "user", "content": ESCAPES},
               {"role": "assistant", "content": "look " + ESCAPES,
                "extra": {"actions": [{"command": "printf '" + ESCAPES + "'"}]}},
               {"role": "user", "content": "<returncode>0</returncode>\n<output>\n" + ESCAPES
                + "</output>", "extra": {"returncode": 0}}]}
    src = tmp_path / "esc.traj.json"
    src.write_text(json.dumps(doc))
    run = load_run(import_trajectory("mini-swe-agent", src, tmp_path / "r"))
    assert run.warnings == []
    assert run.events_of(RunStart)[0].messages[1]["content"] == ESCAPES
    assert ESCAPES in run.events_of(ModelCall)[0].message["content"]
    assert run.events_of(ToolCallEvent)[0].arguments["command"].endswith(ESCAPES + "'")  # type: ignore
    assert ESCAPES in run.events_of(ToolResultEvent)[0].output


def test_a_forged_ultrarun_export_cannot_break_the_import(tmp_path: Path) -> None:
    """`extra.ultrarun` is read back from our own exports; in a foreign file it is just data
    of any type, and times, durations and ids in it are checked like the rest."""
    doc = {"schema_version": "ATIF-v1.6", "agent": {"name": "ultrarun", "version": "x"},
           "steps": [{"step_id": 1, "source": "user", "message": "t"},
                     {"step_id": 2, "source": "agent", "message": "m",
                      "timestamp": "2025-01-01T00:00:00Z",
                      "tool_calls": [{"tool_call_id": "c", "function_name": "bash",
                                      "arguments": {"command": "ls"}}],
                      "extra": {"ultrarun": {"finish_reason": 7, "format_error": ["x"],
                                             "raw_arguments": {"c": {"raw_arguments": 5}},
                                             "results": {"c": {"duration_s": 1e300,
                                                               "exit_code": "1", "ok": "yes",
                                                               "note": {"a": 1}}}}}},
                     {"step_id": 3, "source": "user", "message": "m",
                      "extra": {"ultrarun": {"role": ["r"], "reason": 3}}}],
           "extra": {"ultrarun": {"status": 5, "end_reason": None, "started_at": -1e300,
                                  "ended_at": "later", "wall_s": 1e300, "scenario": {}}}}
    src = tmp_path / "forged.json"
    src.write_text(json.dumps(doc))
    run = load_run(import_trajectory("atif", src, tmp_path / "r"))
    assert run.warnings == [] and run.info is not None
    assert (run.info.status, run.info.end_reason) == ("interrupted", "interrupted")
    assert run.info.totals.wall_s == 0.0 and run.info.started_at == 1735689600.0
    (result,) = run.events_of(ToolResultEvent)
    assert result.exit_code is None and result.ok
    assert run.events[-1].t == 1735689600.0  # a 1e300 s "duration" does not move time


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


@pytest.mark.parametrize(("kind", "doc"), [
    ("mini-swe-agent", {"info": {"exit_status": "Submitted", "config": {
        "model": {"model_name": "../../../../tmp/escape-model"}}},
        "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "t"},
                     {"role": "assistant", "content": None, "tool_calls": [
                         {"id": "../../../../escape-call", "type": "function", "function": {
                             "name": "../bash", "arguments": "{\"command\": \"ls\"}"}}]},
                     {"role": "tool", "tool_call_id": "../../../../escape-call",
                      "content": "<returncode>0</returncode>", "extra": {"returncode": 0}}]}),
    ("swe-agent", {"environment": "../../../escape-scenario", "trajectory": [
        {"action": "ls", "observation": "x", "state": {"open_file": "/etc/passwd"}}],
        "info": {"exit_status": "submitted", "instance_id": "../../escape-instance"},
        "replay_config": {"agent": {"model": {"name": "/abs/escape-model"}}}}),
    ("atif", {"schema_version": "ATIF-v1.6", "session_id": "../../../escape-session",
              "agent": {"name": "../a", "version": "/1", "model_name": "../../m"},
              "steps": [{"step_id": 1, "source": "user", "message": "t"},
                        {"step_id": 2, "source": "agent", "message": "m", "tool_calls": [
                            {"tool_call_id": "/tmp/escape-call", "function_name": "../../x",
                             "arguments": {"path": "../../../etc/passwd"}}],
                         "observation": {"results": [{"source_call_id": "/tmp/escape-call",
                                                      "content": "o"}]}}],
              "extra": {"ultrarun": {"run_id": "../../escape-run",
                                     "scenario": "../../escape-scenario"}}}),
])
def test_imported_ids_never_choose_a_path(kind: str, doc: dict, tmp_path: Path) -> None:
    src_dir, work = tmp_path / "src", tmp_path / "work"
    src_dir.mkdir()
    work.mkdir()
    src = src_dir / "hostile.json"
    src.write_text(json.dumps(doc))
    before = _files(tmp_path)
    out = work / "logs" / "run"
    run = load_run(import_trajectory(kind, src, out))  # type: ignore[arg-type]
    assert run.warnings == [] and run.info is not None and run.info.run_id == "run"
    created = _files(tmp_path) - before
    assert created and all(p == out or out in p.parents or p == out.parent for p in created)
    assert {p.name for p in out.iterdir()} <= {"run.json", "events.jsonl", "outputs"}
    assert not list((out / "outputs").iterdir())
    from agent.interchange import export_atif
    dest = export_atif(out, out / "trajectory.atif.json")
    assert dest.parent == out and (_files(tmp_path) - before - created) == {dest}


def test_default_run_id_ignores_the_file_name_s_tricks(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "..; rm -rf $(x) ..traj.json"
    src.write_text((DATA / "atif.json").read_text())
    monkeypatch.chdir(tmp_path)
    code, err = ultrarun(["import", "atif", str(src)], capsys, monkeypatch)
    assert code == 0, err
    (made,) = (tmp_path / "logs").iterdir()
    assert made.parent == tmp_path / "logs"
    assert all(ch.isalnum() or ch in "-_." for ch in made.name) and ".." not in made.name
