"""Running a batch on a Ray cluster: one task per run, `sandbox` resources, node-local reaping.

- Each run is a task requesting ``{"sandbox": 1}`` (and no CPU: a run waits on its endpoint).
  A node started with ``--resources '{"sandbox": N}'`` so runs at most N containers at once.
- A task drives the Docker engine of the node it lands on and labels its containers with the
  batch and the node (``RunConfig.labels``).
- A task whose node dies is retried by Ray elsewhere (``max_retries``); the retry finds the
  run folder and resumes it (`resume_run`), so the run's trajectory stays one and is counted
  once: batch.json keeps one record per run id, with one attempt per try.
- Run folders are written straight into the batch folder, whose path must be the same on
  every node (one machine, or shared storage such as NFS mounted at the same path).
- A prep task pinned to each node reaps the batch's orphaned containers and builds images at
  the start, and reaps again at the end.
- Progress and Ctrl-C travel through a small actor on the driver's node, and so does a batch
  budget: each task relays its run's spending there every half second and hears back whether
  the pool is spent (agent/batch/budget.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.batch.budget import BudgetPool, PoolLimits, RemoteShare
from agent.batch.entry import EntryOutcome, entry_labels, plan, prepare_images, run_entry
from agent.batch.index import Attempt, BatchRecorder
from agent.batch.matrix import Entry
from agent.batch.stop import BatchStop
from agent.loop import StopSignal
from agent.options import ConfigError
from agent.runner import Attachments, Hooks
from agent.state import LoopState
from agent.team.as_run import has_outcome

try:
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
except ImportError:  # pragma: no cover - the optional extra is missing
    ray = None  # type: ignore[assignment]

MAX_RETRIES = 3  # node or worker deaths a run survives


def _require_ray() -> Any:
    if ray is None:
        raise ConfigError("--ray needs Ray: pip install -e '.[ray]'")
    return ray


class ProgressBoard:
    """Lives on the driver's node: runs report counters here and read the stop flag."""

    def __init__(self, limits: dict[str, Any] | None = None,
                 spent: dict[str, tuple[float, int]] | None = None) -> None:
        # ``limits``/``spent``: the batch's budget and what its runs spent before.
        self.stop = False
        self.live: dict[str, dict[str, Any]] = {}
        self.attempts: dict[str, list[dict[str, Any]]] = {}
        self.pool = BudgetPool(PoolLimits.model_validate(limits)) if limits else None
        for run_id, (cost, tokens) in (spent or {}).items():
            self.charge(run_id, cost, tokens, False)

    def begin(self, run_id: str, node: str, action: str) -> tuple[bool, str | None]:
        """Record a try; say whether to stop, and why the pool is spent (then no start)."""
        verdict = self.pool.why() if self.pool else None
        if not verdict:
            self.attempts.setdefault(run_id, []).append(
                {"action": action, "node": node, "started_at": time.time(), "ended_at": None})
        return self.stop, verdict

    def charge(self, run_id: str, cost: float, tokens: int, unpriced: bool) -> str | None:
        if self.pool is None:
            return None
        self.pool.report(run_id, cost, tokens)
        if unpriced:
            self.pool.mark_unpriced(run_id)
        return self.pool.why()

    def report(self, run_id: str, step: int, tool_calls: int, grade: str) -> bool:
        self.live[run_id] = {"step": step, "tool_calls": tool_calls, "grade": grade}
        return self.stop

    def budget(self) -> tuple[dict[str, tuple[float, int]], list[str], str | None] | None:
        """What each run spent, the runs with unpriced calls, and whether the pool is spent."""
        if self.pool is None:
            return None
        each, unpriced = self.pool.each()
        return each, unpriced, self.pool.why()

    def end(self, run_id: str, node: str) -> None:
        for a in reversed(self.attempts.get(run_id, [])):
            if a["node"] == node and a["ended_at"] is None:
                a["ended_at"] = time.time()
                break

    def request_stop(self) -> None:
        self.stop = True

    def snapshot(self) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        return self.live, self.attempts


def _run_task(entry_json: str, batch_dir: str, batch_id: str, board: Any) -> str:
    """One run on whichever node Ray placed it (a retry after a node death lands here too)."""
    node = ray.get_runtime_context().get_node_id()
    entry = Entry.model_validate_json(entry_json)
    bdir = Path(batch_dir)
    stop = StopSignal()
    latest = LoopState()
    stopped, verdict = ray.get(board.begin.remote(entry.run_id, node,
                                                  plan(bdir / entry.run_id)))
    if verdict:  # the batch's budget is spent: this run does not start
        now = time.time()
        return EntryOutcome(run_id=entry.run_id, node=node, started_at=now,
                            ended_at=now).model_dump_json()
    stop.requested = stopped
    share = RemoteShare(lambda cost, tokens: ray.get(board.charge.remote(
        entry.run_id, cost, tokens, latest.unpriced_calls > 0)), verdict)
    done = threading.Event()

    def report() -> None:
        if ray.get(board.report.remote(entry.run_id, latest.step, latest.tool_calls,
                                       latest.grade)):
            stop.requested = True

    def poll() -> None:  # pushes counters, pulls Ctrl-C, even while a command runs
        while not done.wait(0.5):
            try:
                report()
            except Exception:  # the driver is going away; the run ends on its own
                return

    def observer(s: LoopState) -> None:
        nonlocal latest
        latest = s
        if s.model_calls != seen[0]:  # a model call was recorded: send the run's totals
            seen[0] = s.model_calls
            share.report(s.cost, s.tokens_in + s.tokens_out)

    seen = [-1]

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        out = run_entry(entry, bdir, Hooks(observer=observer, stop=stop),
                        labels=entry_labels(batch_id, node), node=node,
                        attach=Attachments(allowance=share))
    finally:
        done.set()
    board.report.remote(entry.run_id, latest.step, latest.tool_calls, latest.grade)
    ray.get(board.end.remote(entry.run_id, node))  # recorded before the driver sees the result
    return out.model_dump_json()


def _node_prep(batch_id: str, run_ids: list[str], entries_json: list[str],
               build: bool) -> dict[str, Any]:
    """On one node: remove the batch's orphaned containers; build images if asked."""
    from sandboxes.docker_sandbox import LABEL_RUN
    from sandboxes.engine import connect
    from sandboxes.reaper import is_orphan, managed_containers

    node = ray.get_runtime_context().get_node_id()
    client = connect()
    removed: list[str] = []
    if client is not None:
        # No run of this batch is in flight at the start or the end, so every container
        # carrying the batch label is an orphan. A resumed run's containers carry only the
        # run id (resume takes no labels): those go when their harness process is gone.
        for c in managed_containers(client, **{"ultrarun.batch": batch_id}):
            removed += _remove(c)
        ids = set(run_ids)
        for c in managed_containers(client):
            labels = c.labels or {}
            if labels.get(LABEL_RUN) in ids and "ultrarun.batch" not in labels \
                    and is_orphan(c):
                removed += _remove(c)
    if build:
        prepare_images([Entry.model_validate_json(e) for e in entries_json], lambda _m: None)
    return {"node": node, "removed": removed, "docker": client is not None}


def _remove(container: Any) -> list[str]:
    from docker.errors import DockerException

    try:
        container.remove(force=True)
    except DockerException:
        return []  # gone already (auto-remove, or another node's reaper on a shared engine)
    return [container.name]


def sandbox_nodes() -> list[str]:
    """Alive nodes that offer the `sandbox` resource."""
    return [n["NodeID"] for n in ray.nodes()
            if n.get("Alive") and n.get("Resources", {}).get("sandbox", 0) > 0]


def reap_nodes(batch_id: str, entries: list[Entry], *, build: bool = False
               ) -> list[dict[str, Any]]:
    """Run the prep/reaper task once on every alive sandbox node; return what each did."""
    prep = ray.remote(num_cpus=0, max_retries=0)(_node_prep)
    refs = [prep.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n, soft=False))
            .remote(batch_id, [e.run_id for e in entries],
                    [e.model_dump_json() for e in entries], build)
            for n in sandbox_nodes()]
    out: list[dict[str, Any]] = []
    for r in refs:
        try:
            out.append(ray.get(r))
        except Exception as e:  # a node that died meanwhile: nothing to reap there from here
            out.append({"error": f"{type(e).__name__}: {e}"})
    return out


def run_ray(entries: list[Entry], rec: BatchRecorder, stop: BatchStop, *, address: str,
            parallel: int, max_sandboxes: int | None,
            progress: Callable[[str], None] = lambda _m: None,
            pool: BudgetPool | None = None) -> list[EntryOutcome]:
    """Run entries as Ray tasks; at most ``parallel`` (and ``max_sandboxes``) in flight;
    ``pool``: the batch's budget (held by the board on the driver's node for the tasks)."""
    _require_ray()
    owns = not ray.is_initialized()
    if owns:
        ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    try:
        return _drive(entries, rec, stop, parallel=parallel, max_sandboxes=max_sandboxes,
                      progress=progress, pool=pool)
    finally:
        if owns:
            ray.shutdown()


def _drive(entries: list[Entry], rec: BatchRecorder, stop: BatchStop, *, parallel: int,
           max_sandboxes: int | None, progress: Callable[[str], None],
           pool: BudgetPool | None) -> list[EntryOutcome]:
    batch_id = rec.index.batch_id
    if not sandbox_nodes():
        raise ConfigError("the Ray cluster has no node offering the `sandbox` resource: start "
                          "nodes with `ray start ... --resources '{\"sandbox\": N}'`")
    here = ray.get_runtime_context().get_node_id()
    seed = None if pool is None else pool.each()[0]
    board: Any = ray.remote(num_cpus=0)(ProgressBoard).options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False)).remote(
        pool.limits.model_dump() if pool is not None else None, seed)
    progress("reaping orphans and preparing images on every node")
    reap_nodes(batch_id, entries, build=True)
    task = ray.remote(num_cpus=0, resources={"sandbox": 1}, max_retries=MAX_RETRIES,
                      retry_exceptions=False)(_run_task)
    limit = min(parallel, max_sandboxes or parallel)
    queue = list(entries)
    inflight: dict[Any, str] = {}
    outcomes: list[EntryOutcome] = []
    ended: set[str] = set()  # results in hand: the board may no longer mark them running
    stopped = False
    try:
        while queue or inflight:
            spent = _sync_budget(board, pool)
            if (stop.requested or spent) and not stopped:
                stopped = True
                if stop.requested:
                    board.request_stop.remote()
                now = time.time()
                outcomes += [EntryOutcome(run_id=e.run_id, started_at=now, ended_at=now)
                             for e in queue]
                queue.clear()
            while queue and len(inflight) < limit:
                e = queue.pop(0)
                ref = task.options(name=e.run_id).remote(e.model_dump_json(), str(rec.dir),
                                                         batch_id, board)
                inflight[ref] = e.run_id
            done, _ = ray.wait(list(inflight), num_returns=1, timeout=0.5)
            _sync_board(rec, board, ended)
            for ref in done:
                run_id = inflight.pop(ref)
                try:
                    out = EntryOutcome.model_validate_json(ray.get(ref))
                except Exception as e:  # retries exhausted (e.g. every node it tried died)
                    now = time.time()
                    out = EntryOutcome(run_id=run_id, action="resume", status="failed",
                                       end_reason="error", error=f"{type(e).__name__}: {e}",
                                       started_at=now, ended_at=now)
                ended.add(run_id)
                _sync_board(rec, board, ended)
                _finish(rec, out)
                outcomes.append(out)
        _sync_budget(board, pool)
    finally:
        progress("reaping orphans on every node")
        try:
            reap_nodes(batch_id, entries)
        except Exception:  # the cluster is going away; `ultrarun sandbox reap` remains
            pass
    return outcomes


def _sync_budget(board: Any, pool: BudgetPool | None) -> str | None:
    """The board's view of the batch's budget into the driver's pool; why it is spent."""
    if pool is None:
        return None
    each, unpriced, verdict = ray.get(board.budget.remote())
    pool.merge(each, unpriced)
    return str(verdict) if verdict else None


def _sync_board(rec: BatchRecorder, board: Any, ended: set[str]) -> None:
    live, attempts = ray.get(board.snapshot.remote())
    for run_id, tries in attempts.items():
        r = rec.get(run_id)
        prior = r.attempts[:rec.prior_attempts.get(run_id, 0)]
        fields: dict[str, Any] = {"attempts": prior + [Attempt(**a) for a in tries],
                                  "node": tries[-1]["node"]}
        if run_id not in ended and tries[-1]["ended_at"] is None:
            fields["state"] = "running"
        if run_id in live:
            c = live[run_id]
            fields.update(step=c["step"], tool_calls=c["tool_calls"],
                          live_grade=c["grade"] or None)
        rec.update(run_id, save=False, **fields)
    rec.progress_save()


def _finish(rec: BatchRecorder, out: EntryOutcome) -> None:
    rec.refresh_from_run(out.run_id)
    fields: dict[str, Any] = {}
    if out.node:
        fields["node"] = out.node
    if out.action is not None and not has_outcome(rec.dir / out.run_id):
        fields.update(state="failed", status="failed", end_reason=out.end_reason)
    if out.error and out.status == "failed":
        fields["error"] = out.error
    rec.update(out.run_id, **fields)
