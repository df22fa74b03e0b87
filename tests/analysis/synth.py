"""Build synthetic run folders (run.json, events.jsonl, snapshots.git) with planted defects.

Written directly in the documented format (docs/trajectory.md), never through the recorder, so
the analysis is tested against the contract rather than against our own writer.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

START = 1_800_000_000.0


def _git_env(git_dir: Path, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(work),
                "GIT_AUTHOR_NAME": "synth", "GIT_AUTHOR_EMAIL": "synth@localhost",
                "GIT_COMMITTER_NAME": "synth", "GIT_COMMITTER_EMAIL": "synth@localhost"})
    return env


class RunBuilder:
    """Append events one by one; ``write()`` produces the folder. One model turn per call."""

    def __init__(self, run_dir: Path, run_id: str = "synth-run", scenario: str = "synth",
                 dt: float = 1.0) -> None:
        self.run_dir = run_dir
        self.run_id = run_id
        self.scenario = scenario
        self.dt = dt
        self.lines: list[str] = []
        self.seq = 0
        self.t = START
        self.step = 0
        self.tool_calls = 0
        self.parent: dict[str, Any] | None = None
        self.grade: dict[str, Any] | None = None
        self._git_dir = run_dir / "snapshots.git"
        self._work = run_dir / "workspace"
        run_dir.mkdir(parents=True, exist_ok=True)
        self.emit("run_start", schema_version=1, run_id=run_id,
                  messages=[{"role": "system", "content": "sys"},
                            {"role": "user", "content": "task"}],
                  tools=["bash", "read_file", "write_file", "edit_file", "finish"])

    def emit(self, type_: str, **fields: Any) -> None:
        self.t += self.dt / 4
        event = {"seq": self.seq, "t": self.t, "type": type_, "step": self.step, **fields}
        self.lines.append(json.dumps(event))
        self.seq += 1

    def raw(self, line: str) -> None:
        """Append a raw line (garbage, or a torn last line when it has no newline)."""
        self.lines.append(line)

    def call(self, name: str, arguments: dict[str, Any] | None = None, *, ok: bool = True,
             exit_code: int | None = None, output: str = "ok", parse_error: str | None = None,
             raw_arguments: str | None = None, error_kind: str | None = None,
             tokens: tuple[int, int] = (100, 10)) -> None:
        """One model turn making one tool call, and its result."""
        self.step += 1
        self.call_no = getattr(self, "call_no", 0) + 1
        cid = f"call_{self.call_no}"
        raw = raw_arguments if raw_arguments is not None else json.dumps(arguments or {})
        self.emit("model_call", message={"role": "assistant", "content": None, "tool_calls": [
            {"id": cid, "type": "function", "function": {"name": name, "arguments": raw}}]},
            prompt_tokens=tokens[0], completion_tokens=tokens[1], latency_s=0.1,
            finish_reason="tool_calls")
        fields: dict[str, Any] = {"call_id": cid, "name": name, "raw_arguments": raw}
        if arguments is not None and parse_error is None:
            fields["arguments"] = arguments
        if parse_error is not None:
            fields["parse_error"] = parse_error
        self.emit("tool_call", **fields)
        result: dict[str, Any] = {"call_id": cid, "name": name, "ok": ok, "output": output,
                                  "duration_s": 0.01}
        if exit_code is not None:
            result["exit_code"] = exit_code
        if error_kind is not None:
            result["error_kind"] = error_kind
        self.emit("tool_result", **result)
        self.tool_calls += 1

    def bash(self, command: str, exit_code: int = 0, output: str | None = None) -> None:
        self.call("bash", {"command": command}, ok=exit_code == 0, exit_code=exit_code,
                  output=output if output is not None else f"[exit code {exit_code}]")

    def filler(self, n: int, prefix: str = "echo filler") -> None:
        """``n`` distinct, successful bash calls (lettered, so not near-duplicates either)."""
        for _ in range(n):
            word = "".join("abcdefghij"[int(d)] for d in str(self.seq))
            self.bash(f"{prefix} {word}")

    def evaluate(self, tests: dict[str, str], stages: dict[str, list[int]] | None = None,
                 final: bool = False, error: str | None = None,
                 fuzz: dict[str, Any] | None = None) -> None:
        passed = sum(1 for v in tests.values() if v == "pass")
        fields: dict[str, Any] = {"tool_calls": self.tool_calls, "passed": passed,
                                  "total": len(tests), "tests": tests,
                                  "stages": stages or {"all": [passed, len(tests)]},
                                  "duration_s": 0.5, "final": final}
        if error is not None:
            fields["error"] = error
        if fuzz is not None:
            fields["fuzz"] = fuzz
        self.emit("evaluation", **fields)

    def reduction(self, step: int, tool_calls: int, seed: int,
                  programs: list[dict[str, Any]]) -> None:
        """The reduction of an evaluation's miscompiles (recorded after it)."""
        self.emit("reduction", step=step, commit=None, tool_calls=tool_calls, seed=seed,
                  programs=programs, duration_s=3.0)

    def context(self, action: str = "compact", **details: Any) -> None:
        self.emit("context", action=action, details=details)

    def snapshot(self, files: dict[str, str | None]) -> str:
        """Change the workspace (None deletes a file), commit it, emit a snapshot event."""
        self._work.mkdir(exist_ok=True)
        if not (self._git_dir / "HEAD").exists():
            subprocess.run(["git", "init", "-q", "--bare", str(self._git_dir)], check=True)
        for rel, text in files.items():
            path = self._work / rel
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
        env = _git_env(self._git_dir, self._work)
        subprocess.run(["git", "add", "-A", "--force", "."], check=True, env=env)
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", f"step {self.step}"],
                       check=True, env=env)
        sha = subprocess.run(["git", "rev-parse", "HEAD"], check=True, env=env,
                             capture_output=True, text=True).stdout.strip()
        self.emit("snapshot", commit=sha, tool_calls=self.tool_calls)
        return sha

    def unchanged_snapshot(self) -> None:
        """The end-of-step snapshot event of a step that did not change the workspace."""
        head = subprocess.run(["git", "--git-dir", str(self._git_dir), "rev-parse", "HEAD"],
                              check=True, capture_output=True, text=True).stdout.strip()
        self.emit("snapshot", commit=head, changed=False, tool_calls=self.tool_calls)

    def write(self, status: str = "finished", end: bool = True, torn: str | None = None) -> Path:
        """Write run.json and events.jsonl; ``torn`` is appended without a newline."""
        if end:
            self.emit("run_end", status=status, end_reason="finished",
                      totals={"steps": self.step, "tool_calls": self.tool_calls})
        body = "".join(line + "\n" for line in self.lines) + (torn or "")
        (self.run_dir / "events.jsonl").write_text(body)
        info = {"run_id": self.run_id, "scenario": self.scenario, "model": "script:synth",
                "model_kind": "script", "status": status, "end_reason": "finished",
                "started_at": START, "ended_at": self.t, "parent": self.parent,
                "grade": self.grade,
                "totals": {"steps": self.step, "tool_calls": self.tool_calls,
                           "wall_s": self.t - START}}
        (self.run_dir / "run.json").write_text(json.dumps(info, indent=1))
        return self.run_dir


def lines(n: int, tag: str) -> str:
    return "".join(f"{tag} line {i}\n" for i in range(n))


def planted_run(run_dir: Path) -> Path:
    """One run with every defect the tests know the answer to (see test_metrics.py)."""
    b = RunBuilder(run_dir, run_id="planted")
    b.snapshot({"README": "seed\n"})
    tests = {f"t{i}": "fail" for i in range(10)}
    b.evaluate(tests, stages={"basic": [0, 5], "advanced": [0, 5]})  # at 0 calls
    b.filler(10)  # calls 1-10
    for i in range(6):
        tests[f"t{i}"] = "pass"
    b.evaluate(tests, stages={"basic": [5, 5], "advanced": [1, 5]})  # 6/10 at 10
    for _ in range(10):  # calls 11-20: a loop of 10 identical calls
        b.bash("cat main.c")
    for _ in range(3):  # calls 21-29: cycle A B C x3
        b.call("read_file", {"path": "a.c"})
        b.bash("make -j2")
        b.call("edit_file", {"path": "a.c", "old": "x", "new": "y"})
    for _ in range(7):  # calls 30-36: error streak of 7
        b.bash("./run-tests", exit_code=1, output="FAILED")
    for i in range(4):
        tests[f"t{i}"] = "fail"
    b.evaluate(tests, stages={"basic": [1, 5], "advanced": [1, 5]})  # 2/10 at 36: lose t0-t3
    b.context("compact", kept=10)  # at 36 calls
    b.filler(30)  # calls 37-66
    for i in range(4):
        tests[f"t{i}"] = "pass"
    b.evaluate(tests, stages={"basic": [5, 5], "advanced": [1, 5]})  # 6/10 at 66: recovered
    b.call("write_file", {"path": "big.c", "content": lines(10, "v1")})  # 67
    b.snapshot({"big.c": lines(10, "v1")})
    b.call("write_file", {"path": "big.c", "content": lines(10, "v2")})  # 68
    b.snapshot({"big.c": lines(10, "v2")})
    b.call("write_file", {"path": "big.c", "content": lines(10, "v3")})  # 69
    b.snapshot({"big.c": lines(10, "v3")})
    b.call("bash", None, ok=False, parse_error="Expecting value", raw_arguments="{bad",
           error_kind="bad_arguments", output="error: bad arguments")  # 70
    b.call("bash", {"cmd": 1}, ok=False, error_kind="bad_arguments", output="error")  # 71
    b.call("frobnicate", {"x": 1}, ok=False, error_kind="unknown_tool", output="unknown")  # 72
    b.filler(8)  # 73-80
    for i in range(6, 8):
        tests[f"t{i}"] = "pass"
    b.evaluate(tests, stages={"basic": [5, 5], "advanced": [3, 5]}, final=True)  # 8/10 at 80
    b.grade = {"passed": 8, "total": 10, "stages": {"all": [8, 10]}}
    return b.write()
