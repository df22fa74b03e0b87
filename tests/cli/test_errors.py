"""One error boundary: user errors exit 2 with one line, harness errors exit 1 with one line
and where the details went, `--debug` shows the traceback, and every error class ultrarun
defines descends from the one root."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from agent.cli.main import report_error
from sandboxes.errors import HarnessError, UltrarunError, UserError

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"
FINISH = '[{"tool_calls": [{"name": "finish", "arguments": {"summary": "x"}}]}]'


def ur(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "300"}
    return subprocess.run([sys.executable, "-m", "agent.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.docker
def test_image_that_fails_to_build_is_one_line_and_a_failed_run(tmp_path: Path,
                                                                 base_image: str) -> None:
    scen = tmp_path / "broken"
    scen.mkdir()
    (scen / "scenario.yaml").write_text("name: broken-image\nprompt: prompt.md\n"
                                        "image: {dockerfile: Dockerfile}\n")
    (scen / "prompt.md").write_text("nothing\n")
    (scen / "Dockerfile").write_text(f"FROM {base_image}\nRUN false\n")
    (tmp_path / "fin.json").write_text(FINISH)
    r = ur(tmp_path, "run", "broken", "--model", "script:fin.json", "--run-id", "b", "--quiet")
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    (line,) = lines(r.stderr)
    assert line.startswith("error: building ultrarun/scenario-broken-image") and \
        "returned a non-zero code" in line and "(details: logs/b/error.log)" in line, line
    run = tmp_path / "logs" / "b"
    info = json.loads((run / "run.json").read_text())
    assert (info["status"], info["end_reason"]) == ("failed", "error")
    evs = [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in evs] == [0, 1]
    assert [e["type"] for e in evs] == ["error", "run_end"] and evs[0]["where"] == "setup"
    assert "Traceback" in (run / "error.log").read_text()

    # --debug, anywhere on the line, prints the traceback as well.
    r = ur(tmp_path, "run", "broken", "--model", "script:fin.json", "--debug", "--quiet")
    assert r.returncode == 1 and "Traceback (most recent call last)" in r.stderr
    assert "ImageBuildError" in r.stderr

    # Fixed, the failed run resumes: it starts over in its folder, its error kept.
    (scen / "Dockerfile").write_text(f"FROM {base_image}\n")
    r = ur(tmp_path, "resume", "logs/b", "--quiet")
    assert r.returncode == 0, r.stderr
    evs = [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in evs] == list(range(len(evs)))
    assert [e["type"] for e in evs][:3] == ["error", "run_end", "run_start"]
    assert json.loads((run / "run.json").read_text())["status"] == "finished"


def test_user_errors_exit_2_with_one_line_and_no_folder(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "scenario.yaml").write_text("name: bad\nprompt: prompt.md\nlimits: {cpus: many}\n")
    (bad / "prompt.md").write_text("x\n")
    r = ur(tmp_path, "run", "bad", "--model", "reference", "--sandbox", "local")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    (line,) = lines(r.stderr)
    assert "bad/scenario.yaml" in line and "limits.cpus" in line, line
    assert not (tmp_path / "logs").exists()  # nothing was started: no run folder

    (tmp_path / "calls.yaml").write_text("- not a turn\n")
    r = ur(tmp_path, "run", str(TINY), "--model", "script:calls.yaml", "--sandbox", "local")
    assert r.returncode == 2 and "calls.yaml" in r.stderr and len(lines(r.stderr)) == 1
    r = ur(tmp_path, "run", str(TINY), "--model", "x", "--max-time", "soon")
    assert r.returncode == 2 and "--max-time" in r.stderr and len(lines(r.stderr)) == 1
    r = ur(tmp_path, "report", "nowhere")
    assert r.returncode == 2 and lines(r.stderr) == [
        "error: nowhere: no such run folder, and no run id in logs starts with it "
        "(`ultrarun ls` lists the runs)"]
    r = ur(tmp_path, "resume", "nowhere")
    assert r.returncode == 2 and "nowhere: no such run folder" in r.stderr


def test_a_run_failing_at_its_first_snapshot_is_marked_failed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the issue met (git failing at step 0, after run_start) ends as one line and a
    `failed` run with an error event. Fault injected: the snapshot's git call fails."""
    import git

    from agent.cli.main import main
    from agent.trajectory.snapshots import Snapshotter

    def broken(self: Snapshotter, message: str, verify: bool = False) -> str | None:
        raise git.GitCommandError(["git", "add", "-A"], 128,
                                  stderr="fatal: not a git repository: 'x/snapshots.git'")

    monkeypatch.setattr(Snapshotter, "snapshot", broken)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fin.json").write_text(FINISH)
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(TINY), "--model", "script:fin.json", "--sandbox", "local",
              "--run-id", "s", "--quiet"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert lines(err) == ["error: GitCommandError: fatal: not a git repository: "
                          "'x/snapshots.git' (details: logs/s/error.log)"], err
    run = tmp_path / "logs" / "s"
    info = json.loads((run / "run.json").read_text())
    assert (info["status"], info["end_reason"]) == ("failed", "error")
    evs = [json.loads(x) for x in (run / "events.jsonl").read_text().splitlines()]
    assert [e["type"] for e in evs] == ["run_start", "error", "run_end"]
    assert [e["seq"] for e in evs] == [0, 1, 2]


def test_report_error_writes_details_for_harness_errors_and_bugs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert report_error(UserError("--flag: bad")) == 2
    assert capsys.readouterr().err.strip() == "error: --flag: bad"
    assert not (tmp_path / "logs").exists()
    run = tmp_path / "runs" / "r"
    try:
        raise HarnessError("engine gone\nsecond line", details="the build log", log_dir=run)
    except HarnessError as e:
        assert report_error(e) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: engine gone (details: runs/r/error.log)"), err
    text = (run / "error.log").read_text()
    assert "second line" in text and "the build log" in text and "Traceback" in text
    try:
        {}["missing"]  # a bug, as main() would meet one
    except KeyError as e:
        assert report_error(e, debug=True) == 1
        err = capsys.readouterr().err
        assert "Traceback" in err and "error: internal error: KeyError: 'missing' (details: " \
            f"{tempfile.gettempdir()}/ultrarun-error-{os.getuid()}.log)" in err
        assert not (tmp_path / "logs").exists()  # never a folder made in the current one
        assert report_error(e, logs=tmp_path / "elsewhere") == 1  # --logs DIR: there
    assert "KeyError" in (tmp_path / "elsewhere" / "error.log").read_text()
    assert not (tmp_path / "logs").exists()


def _exception_classes(root: Path) -> list[tuple[str, str, list[str]]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(ROOT)
        # A scenario's grader, image and reference files run standalone in containers or
        # workspaces, where ultrarun's error root does not exist.
        if {"workspace", "reference", "grader", "image", ".venv"} & set(rel.parts) \
                or rel.parts[0] == "tests":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                if any(b.endswith(("Exception", "Error")) or b in ("ValueError", "RuntimeError")
                       for b in bases) or node.name.endswith(("Error", "Exceeded")):
                    found.append((str(rel), node.name, bases))
    return found


def test_every_error_class_descends_from_the_one_root() -> None:
    import importlib

    classes = [c for d in ("agent", "sandboxes", "scenarios")
               for c in _exception_classes(ROOT / d)]
    assert len(classes) >= 15, classes
    for rel, name, _bases in classes:
        module = importlib.import_module(rel.removesuffix(".py").replace("/", "."))
        cls = getattr(module, name)
        if issubclass(cls, BaseException):
            assert issubclass(cls, UltrarunError), f"{rel}: {name} is outside the hierarchy"


def test_the_error_root_imports_nothing_of_ours() -> None:
    """`sandboxes.errors` sits at the bottom: any layer may import it, it imports no layer."""
    tree = ast.parse((ROOT / "sandboxes" / "errors.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | \
        {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.split(".")[0] in ("agent", "scenarios",
                                                                 "sandboxes")}
    for path in (ROOT / "sandboxes").rglob("*.py"):
        text = path.read_text()
        assert "from agent" not in text and "from scenarios" not in text, path
