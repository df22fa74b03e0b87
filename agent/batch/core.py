"""Driving a batch: the batch folder, the index, local threads or Ray, Ctrl-C, the summary.

Local execution: ``parallel`` worker threads (a run mostly waits on its endpoint, so threads
are enough); ``max_sandboxes`` is a semaphore held around a whole run. A run opens its agent
sandbox when it starts and keeps it to the end, so runs in flight = agent sandboxes open.
Grader containers are extra: short-lived, one per evaluation in flight.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.batch.budget import BudgetPool, PoolLimits
from agent.batch.entry import EntryOutcome, entry_labels, plan, prepare_images, run_entry
from agent.batch.index import Attempt, BatchIndex, BatchRecorder
from agent.batch.matrix import Entry, expand, load_matrix
from agent.batch.stop import BatchStop, stop_on_signals
from agent.options import ConfigError
from agent.runner import Attachments, Hooks
from agent.state import LoopState
from agent.team.as_run import has_outcome


class BatchOptions(BaseModel):
    """How to run a matrix (the `ultrarun batch` flags)."""

    model_config = ConfigDict(extra="forbid")

    matrix: Path
    logs: Path = Path("logs")
    batch_id: str | None = None
    parallel: int = Field(4, ge=1)
    max_sandboxes: int | None = Field(None, ge=1)
    ray: str | None = None  # Ray address (e.g. 127.0.0.1:6379 or "auto")
    max_cost: float | None = Field(None, gt=0)  # dollars, all runs together
    max_tokens_total: int | None = Field(None, gt=0)  # prompt + completion tokens, all runs

    @property
    def limits(self) -> PoolLimits:
        return PoolLimits(max_cost=self.max_cost, max_tokens=self.max_tokens_total)

    @property
    def batch_dir(self) -> Path:
        return (self.logs / (self.batch_id or self.matrix.stem)).resolve()


class BatchResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    batch_dir: Path
    index: BatchIndex
    outcomes: list[EntryOutcome]
    interrupted: bool


@contextmanager
def batch_lock(batch_dir: Path) -> Iterator[None]:
    """One driver per batch folder (two would run the same entries twice at once)."""
    batch_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(batch_dir / ".batch.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"{batch_dir} is being run by another `ultrarun batch`") from None
        yield
    finally:
        os.close(fd)


def _record_outcome(rec: BatchRecorder, out: EntryOutcome) -> None:
    r = rec.get(out.run_id)
    if out.action is None:  # never started: leave it pending (or as its folder says)
        rec.refresh_from_run(out.run_id)
        rec.save()
        return
    rec.refresh_from_run(out.run_id)
    fields: dict[str, Any] = {"node": out.node or r.node}
    if not has_outcome(rec.dir / out.run_id):
        fields.update(state="failed", status="failed", end_reason=out.end_reason)
    if out.error and out.status == "failed":
        fields["error"] = out.error
    if out.action != "skip" and r.attempts and r.attempts[-1].ended_at is None:
        r.attempts[-1].ended_at = out.ended_at
    rec.update(out.run_id, **fields)


def run_local(entries: list[Entry], rec: BatchRecorder, stop: BatchStop, *, parallel: int,
              max_sandboxes: int | None, budget: BudgetPool | None = None) -> list[EntryOutcome]:
    """Run entries on this machine: ``parallel`` threads, ``max_sandboxes`` runs in flight;
    with a ``budget``, a run starts only while it has money and tokens left."""
    sem = threading.BoundedSemaphore(max_sandboxes) if max_sandboxes else None
    node = socket.gethostname()
    labels = entry_labels(rec.index.batch_id, node)

    def work(entry: Entry) -> EntryOutcome:
        if sem is not None:
            while not sem.acquire(timeout=0.5):
                if stop.requested or (budget is not None and budget.exhausted()):
                    t = time.time()
                    return EntryOutcome(run_id=entry.run_id, started_at=t, ended_at=t)
        if budget is not None and budget.exhausted():
            if sem is not None:
                sem.release()
            t = time.time()
            return EntryOutcome(run_id=entry.run_id, started_at=t, ended_at=t)
        try:
            run_stop = stop.new_signal()

            def on_start(_d: Path) -> None:
                r = rec.get(entry.run_id)
                now = time.time()
                if r.attempts and r.attempts[-1].ended_at is None:
                    r.attempts[-1].ended_at = now  # a try that failed to start (retried)
                r.attempts.append(Attempt(action=plan_of.get(entry.run_id, "start"),
                                          node=node, started_at=now))
                rec.update(entry.run_id, state="running", node=node, error=None)

            def observer(s: LoopState) -> None:
                rec.progress(entry.run_id, s.step, s.tool_calls, s.grade)
                if budget is not None:  # the run's own totals: a repeat counts once
                    budget.report(entry.run_id, s.cost, s.tokens_in + s.tokens_out)
                    if s.unpriced_calls:
                        budget.mark_unpriced(entry.run_id)

            hooks = Hooks(observer=observer, on_start=on_start, stop=run_stop)
            out = run_entry(entry, rec.dir, hooks, labels=labels, node=node,
                            attach=Attachments(allowance=budget) if budget else None)
        finally:
            if sem is not None:
                sem.release()
        _record_outcome(rec, out)
        return out

    plan_of = {e.run_id: plan(rec.dir / e.run_id) for e in entries}
    outcomes: list[EntryOutcome] = []
    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="batch") as pool:
        pending: set[Future[EntryOutcome]] = {pool.submit(work, e) for e in entries}
        while pending:  # short waits keep the main thread free to take Ctrl-C
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            outcomes += [f.result() for f in done if not f.cancelled()]
            if stop.requested:
                for f in pending:
                    f.cancel()
    return outcomes


def run_batch(opts: BatchOptions, *, stop: BatchStop | None = None,
              on_ready: Callable[[BatchRecorder], None] | None = None,
              progress: Callable[[str], None] = lambda _m: None,
              handle_signals: bool = True) -> BatchResult:
    """Run (or continue) a batch: skip finished runs, resume broken ones, start the rest."""
    matrix = load_matrix(opts.matrix)
    entries = expand(matrix, source=opts.matrix)
    stop = stop or BatchStop()
    batch_dir = opts.batch_dir
    pool = BudgetPool(opts.limits) if opts.limits.any else None
    with batch_lock(batch_dir):
        rec = BatchRecorder.open(batch_dir, entries, matrix=opts.matrix,
                                 executor="ray" if opts.ray else "local",
                                 parallel=opts.parallel, max_sandboxes=opts.max_sandboxes,
                                 ray_address=opts.ray)
        if pool is not None:
            pool.seed_from(batch_dir, [e.run_id for e in entries])
        todo = [e for e in entries if plan(batch_dir / e.run_id) != "skip"]
        todo_ids = {e.run_id for e in todo}
        now = time.time()
        skipped = [EntryOutcome(run_id=e.run_id, action="skip", status="finished",
                                started_at=now, ended_at=now)
                   for e in entries if e.run_id not in todo_ids]
        if on_ready:
            on_ready(rec)
        sig = stop_on_signals(stop) if handle_signals else _nothing()
        with sig:
            if not todo:
                outcomes: list[EntryOutcome] = []
            elif opts.ray:
                from agent.batch.ray_exec import run_ray

                outcomes = run_ray(todo, rec, stop, address=opts.ray, parallel=opts.parallel,
                                   max_sandboxes=opts.max_sandboxes, progress=progress,
                                   pool=pool)
            else:
                prepare_images(todo, progress)
                outcomes = run_local(todo, rec, stop, parallel=opts.parallel,
                                     max_sandboxes=opts.max_sandboxes, budget=pool)
        totals = rec.totals()
        spent = pool.why() if pool is not None else None
        state = "interrupted" if stop.requested else \
            "finished" if totals["finished"] == totals["total"] else \
            "budget_spent" if spent else "failed"
        if pool is not None:
            rec.index.budget = pool.summary()
        rec.save(state)
        return BatchResult(batch_dir=batch_dir, index=rec.index, outcomes=skipped + outcomes,
                           interrupted=stop.requested)


@contextmanager
def _nothing() -> Iterator[None]:
    yield
