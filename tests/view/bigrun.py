"""Synthetic long runs for the viewer's tests and benchmarks/viewer_speed.py.

Written straight in the documented format (docs/trajectory.md), fast: 20,000 steps in a few
seconds. Each step is a model turn with words, one bash call whose output is ``output_chars``
long, and a snapshot; every ``change_every`` steps the workspace changes (a real commit of a
small snapshots.git, cycling through a few), and every ``eval_every`` steps an evaluation of
``stages`` stages lands (a few events late, as real ones do). ``append_steps`` adds steps to a
run being "recorded", for the live tests.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

START = 1_800_000_000.0


def _commits(git_dir: Path, n: int) -> list[str]:
    """``n`` commits of a tiny workspace, each changing main.c."""
    work = git_dir.parent / "workspace"
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
    env = {**os.environ, "GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(work),
           "GIT_AUTHOR_NAME": "synth", "GIT_AUTHOR_EMAIL": "s@localhost",
           "GIT_COMMITTER_NAME": "synth", "GIT_COMMITTER_EMAIL": "s@localhost"}
    out = []
    for i in range(n):
        (work / "main.c").write_text("".join(f"int f{j}(void) {{ return {i * j}; }}\n"
                                             for j in range(8)))
        (work / "NOTES.md").write_text(f"version {i}\n")
        subprocess.run(["git", "add", "-A", "."], check=True, env=env)
        subprocess.run(["git", "commit", "-q", "-m", f"v{i}"], check=True, env=env)
        out.append(subprocess.run(["git", "rev-parse", "HEAD"], check=True, env=env,
                                  capture_output=True, text=True).stdout.strip())
    return out


class BigRun:
    """A run folder written step by step (``add``), or all at once (``big_run``)."""

    def __init__(self, run_dir: Path, run_id: str | None = None, stages: int = 18,
                 eval_every: int = 50, change_every: int = 7, output_chars: int = 1500,
                 budgets: dict[str, Any] | None = None, status: str = "running") -> None:
        self.run_dir = run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        self.commits = _commits(run_dir / "snapshots.git", 6)
        self.stages = [f"{i + 1:02d}-stage" for i in range(stages)]
        self.eval_every, self.change_every = eval_every, change_every
        self.output = ("lorem ipsum dolor sit amet " * (output_chars // 27 + 1))[:output_chars]
        self.seq, self.step, self.calls, self.tokens = 0, 0, 0, 0
        self.t = START
        self.head = self.commits[0]
        self.pending_eval: dict[str, Any] | None = None
        self.info = {"run_id": run_id or run_dir.name, "scenario": "synth-long",
                     "model": "script:long", "model_kind": "script", "status": status,
                     "started_at": START, "budgets": budgets or {"max_steps": 20000},
                     "eval_every": eval_every, "totals": {}}
        self.file = open(run_dir / "events.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self._event("run_start", schema_version=1, run_id=self.info["run_id"],
                    messages=[{"role": "system", "content": "You are a coding agent."},
                              {"role": "user", "content": "Build it."}], tools=["bash"])
        self._event("snapshot", commit=self.head, changed=True, tool_calls=0)
        self.save_info()

    def _event(self, kind: str, **fields: Any) -> None:
        self.t += 0.05
        self.file.write(json.dumps({"seq": self.seq, "t": round(self.t, 3), "type": kind,
                                    "step": fields.pop("step", self.step), **fields}) + "\n")
        self.seq += 1

    def add(self, n: int = 1, *, command: str | None = None, output: str | None = None,
            exit_code: int = 0, content: str | None = None) -> None:
        """``n`` more steps (flushed: a reader sees them at once)."""
        for _ in range(n):
            self.step += 1
            s, cid = self.step, f"call_{self.step}"
            cmd = command or f"make -j2 test-{s % 97} && ./run_tests --stage {s % 18 + 1}"
            self.tokens += 1200 + s % 300 + 60
            self._event("model_call", message={
                "role": "assistant", "content": content or f"Step {s}: build and run the tests.",
                "tool_calls": [{"id": cid, "type": "function", "function": {
                    "name": "bash", "arguments": json.dumps({"command": cmd})}}]},
                prompt_tokens=1200 + s % 300, completion_tokens=60, cost=None,
                latency_s=round(0.5 + (s % 13) / 10, 2), retries=[], finish_reason="tool_calls")
            self._event("tool_call", call_id=cid, name="bash", arguments={"command": cmd},
                        raw_arguments=json.dumps({"command": cmd}))
            self._event("tool_result", call_id=cid, name="bash", ok=exit_code == 0,
                        output=output if output is not None else f"step {s}\n{self.output}",
                        exit_code=exit_code, duration_s=0.2)
            self.calls += 1
            changed = s % self.change_every == 0
            if changed:
                self.head = self.commits[(s // self.change_every) % len(self.commits)]
            self._event("snapshot", commit=self.head, changed=changed, tool_calls=self.calls)
            if self.pending_eval is not None:
                self._event("evaluation", **self.pending_eval)
                self.pending_eval = None
            if self.eval_every and s % self.eval_every == 0:
                self.pending_eval = self.evaluation(s)
        self.file.flush()

    def evaluation(self, step: int, final: bool = False) -> dict[str, Any]:
        done = min(len(self.stages), step // max(1, self.eval_every) + 1)
        stages = {name: [10 if i < done else i % 3, 10] for i, name in enumerate(self.stages)}
        passed = sum(p for p, _ in stages.values())
        return {"step": step, "commit": self.head, "tool_calls": self.calls, "passed": passed,
                "total": 10 * len(self.stages), "stages": stages, "duration_s": 1.5,
                "final": final, "tests": {}}

    def save_info(self) -> None:
        self.info["totals"] = {"steps": self.step, "tool_calls": self.calls,
                               "tokens_in": self.tokens, "tokens_out": 0, "wall_s": 0}
        tmp = self.run_dir / "run.json.tmp"
        tmp.write_text(json.dumps(self.info))
        tmp.replace(self.run_dir / "run.json")

    def finish(self, status: str = "finished") -> Path:
        if self.pending_eval is not None:
            self._event("evaluation", **self.pending_eval)
            self.pending_eval = None
        final = self.evaluation(self.step, final=True)
        self._event("evaluation", **final)
        self._event("run_end", status=status, end_reason="finished",
                    totals={"steps": self.step, "tool_calls": self.calls})
        self.file.close()
        self.info.update(status=status, end_reason="finished", ended_at=self.t,
                         grade={k: final[k] for k in ("passed", "total", "stages")})
        self.save_info()
        return self.run_dir


def big_run(run_dir: Path, steps: int, **kw: Any) -> Path:
    """A finished run of ``steps`` steps."""
    run = BigRun(run_dir, **kw)
    run.add(steps)
    return run.finish()
