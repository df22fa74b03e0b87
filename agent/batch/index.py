"""`logs/<batch-id>/batch.json`: the batch's index of entries, their run folders and state.

The run folders are the truth (run.json of each); batch.json is an index the head rewrites
atomically (temp file + rename) whenever an entry changes, so a reader never sees half a file.
Only the process driving the batch writes it; Ray workers write run folders only.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.batch.matrix import Entry
from agent.team.as_run import has_outcome, outcome_info
from agent.trajectory.durable import write_atomic
from agent.trajectory.run_info import RunInfo

SCHEMA = 1
State = Literal["pending", "running", "finished", "failed", "interrupted"]


class Attempt(BaseModel):
    """One try at an entry in one invocation (a Ray retry after a node died is another)."""

    action: str  # start | resume | skip
    node: str | None = None
    started_at: float
    ended_at: float | None = None


class EntryRecord(BaseModel):
    run_id: str
    scenario: str
    model: str
    seed: int
    run_dir: str  # relative to the batch folder
    state: State = "pending"
    status: str | None = None  # run.json status
    end_reason: str | None = None
    grade: dict[str, Any] | None = None  # passed, total (final evaluation)
    score: float | None = None  # passed / total
    step: int = 0
    tool_calls: int = 0
    live_grade: str | None = None  # the latest evaluation while running, e.g. "4/10"
    wall_s: float = 0.0
    started_at: float | None = None
    ended_at: float | None = None
    node: str | None = None  # where it last ran (Ray node id, or "local")
    error: str | None = None
    attempts: list[Attempt] = Field(default_factory=list)  # every try, across invocations


class BatchIndex(BaseModel):
    schema_version: int = SCHEMA
    batch_id: str
    matrix: str
    executor: str  # local | ray
    parallel: int
    max_sandboxes: int | None = None
    ray_address: str | None = None
    state: str = "running"  # running | finished | interrupted | failed | budget_spent
    created_at: float
    updated_at: float
    invocations: int = 1
    totals: dict[str, int] = Field(default_factory=dict)
    # --max-cost / --max-tokens-total of the batch and what its runs spent (agent/batch/budget.py)
    budget: dict[str, Any] | None = None
    entries: list[EntryRecord]


def state_of(info: RunInfo) -> State:
    """An entry's state from its run.json. A run the batch's budget stopped is interrupted:
    not done, and a re-run with a larger budget resumes it."""
    if info.end_reason == "shared_budget":
        return "interrupted"
    if info.status in ("finished", "failed", "interrupted"):
        return info.status
    return "running"  # a run left `running` crashed; re-running resumes it


def record_from_info(rec: EntryRecord, info: RunInfo) -> None:
    """Copy a run.json's outcome into its entry record."""
    rec.state, rec.status, rec.end_reason = state_of(info), info.status, info.end_reason
    rec.step, rec.tool_calls, rec.wall_s = info.totals.steps, info.totals.tool_calls, \
        info.totals.wall_s or 0.0
    rec.error = info.error
    g = info.grade
    rec.grade = {"passed": g["passed"], "total": g["total"]} if g else None
    rec.score = g["passed"] / g["total"] if g and g.get("total") else None
    rec.started_at, rec.ended_at = info.started_at, info.ended_at


class BatchRecorder:
    """Owns batch.json: thread-safe updates, atomic writes."""

    def __init__(self, batch_dir: Path, index: BatchIndex) -> None:
        self.dir = batch_dir
        self.path = batch_dir / "batch.json"
        self.index = index
        self._lock = threading.Lock()
        self._by_id = {e.run_id: e for e in index.entries}
        self._last_save = 0.0
        #: tries recorded by earlier invocations (Ray's board only knows this one's)
        self.prior_attempts = {e.run_id: len(e.attempts) for e in index.entries}

    @classmethod
    def open(cls, batch_dir: Path, entries: list[Entry], *, matrix: Path, executor: str,
             parallel: int, max_sandboxes: int | None, ray_address: str | None
             ) -> BatchRecorder:
        """The index for this invocation: entries from the matrix, state from run folders."""
        batch_dir.mkdir(parents=True, exist_ok=True)
        path = batch_dir / "batch.json"
        now = time.time()
        created, invocations = now, 1
        before: dict[str, dict[str, Any]] = {}
        if path.exists():
            try:
                old = json.loads(path.read_text())
                created = float(old.get("created_at", now))
                invocations = int(old.get("invocations", 0)) + 1
                before = {e["run_id"]: e for e in old.get("entries", [])}
            except (OSError, ValueError, KeyError, TypeError):
                pass  # a damaged index is rebuilt from the run folders
        records = []
        for e in entries:
            rec = EntryRecord(run_id=e.run_id, scenario=e.scenario_name, model=e.model_label,
                              seed=e.seed, run_dir=e.run_id)
            prev = before.get(e.run_id, {})
            try:  # where it ran and its tries so far outlive one invocation
                rec.node = prev.get("node")
                rec.attempts = [Attempt.model_validate(a) for a in prev.get("attempts", [])]
            except ValueError:
                pass
            if has_outcome(batch_dir / e.run_id):
                try:
                    record_from_info(rec, outcome_info(batch_dir / e.run_id))
                except (OSError, ValueError):
                    pass
            records.append(rec)
        index = BatchIndex(batch_id=batch_dir.name, matrix=str(matrix.resolve()),
                           executor=executor, parallel=parallel, max_sandboxes=max_sandboxes,
                           ray_address=ray_address, created_at=created, updated_at=now,
                           invocations=invocations, entries=records)
        rec_ = cls(batch_dir, index)
        rec_.save()
        return rec_

    def get(self, run_id: str) -> EntryRecord:
        return self._by_id[run_id]

    def update(self, run_id: str, *, save: bool = True, **fields: Any) -> None:
        with self._lock:
            rec = self._by_id[run_id]
            for k, v in fields.items():
                setattr(rec, k, v)
        if save:
            self.save()

    def refresh_from_run(self, run_id: str) -> None:
        """Re-read a run's run.json into its record (after the run ended)."""
        run_dir = self.dir / run_id
        if has_outcome(run_dir):
            info = outcome_info(run_dir)
            with self._lock:
                record_from_info(self._by_id[run_id], info)

    def progress(self, run_id: str, step: int, tool_calls: int, grade: str | None) -> None:
        """Live counters; written at most every 2 s, since the view shows them anyway."""
        self.update(run_id, save=False, step=step, tool_calls=tool_calls,
                    live_grade=grade or None)
        self.progress_save()

    def progress_save(self) -> None:
        if time.time() - self._last_save > 2:
            self.save()

    def totals(self) -> dict[str, int]:
        out = {s: 0 for s in ("pending", "running", "finished", "failed", "interrupted")}
        for e in self.index.entries:
            out[e.state] += 1
        out["total"] = len(self.index.entries)
        return out

    def save(self, state: str | None = None) -> None:
        with self._lock:
            if state:
                self.index.state = state
            self.index.updated_at = time.time()
            self.index.totals = self.totals()
            write_atomic(self.path, self.index.model_dump_json(indent=2))
            self._last_save = time.time()
