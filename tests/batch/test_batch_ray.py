"""Batches on a local 3-node Ray cluster (token auth on): per-node sandbox caps, container
labels, a node killed mid-batch (its runs resume elsewhere, once), and the reaper."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from agent.batch import BatchOptions, BatchRecorder, BatchResult, run_batch
from tests.batch.helpers import TINY, events, max_overlap, write_matrix, write_script

# serial: run alone after the parallel part of `make test` (it starts Ray clusters)
pytestmark = [pytest.mark.docker, pytest.mark.serial]
LABELS = ("ultrarun.batch", "ultrarun.node")


@pytest.fixture(scope="module")
def ray_token() -> str:
    return secrets.token_hex(24)  # Ray caches the token per process: one for all clusters


@pytest.fixture
def cluster(ray_token: str) -> Iterator[Any]:
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        pytest.fail("Ray is not installed: the test set-up installs '.[dev,ray]'")
    from agent.batch.ray_cluster import local_cluster  # imports Ray with token auth set

    with local_cluster((2, 2, 2), token=ray_token) as c:
        yield c


class ContainerWatch:
    """Polls the engine for the batch's agent containers: most open per node at once."""

    def __init__(self, client: docker.DockerClient, batch_id: str) -> None:
        self.client, self.batch_id = client, batch_id
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            counts: dict[str, int] = {}
            # The low-level list: no per-container inspect to race a container's removal.
            for c in self.client.api.containers(filters={"label": [
                    f"ultrarun.batch={self.batch_id}", "ultrarun.role=agent"]}):
                node = c["Labels"]["ultrarun.node"]
                counts[node] = counts.get(node, 0) + 1
            for n, k in counts.items():
                self.peak[n] = max(self.peak.get(n, 0), k)

    def stop(self) -> dict[str, int]:
        self._stop.set()
        self._t.join()
        return self.peak


def _attempt_overlap(res: BatchResult) -> dict[str, int]:
    by_node: dict[str, list[tuple[float, float]]] = {}
    for e in res.index.entries:
        for a in e.attempts:
            by_node.setdefault(a.node or "?", []).append((a.started_at,
                                                          a.ended_at or time.time()))
    return {n: max_overlap(iv) for n, iv in by_node.items()}


def test_ray_placement_honours_per_node_cap(tmp_path: Path, cluster: Any, base_image: str,
                                            docker_client: docker.DockerClient) -> None:
    spec = write_script(tmp_path / "s.yaml", 4, delay_s=0.5)
    matrix = write_matrix(tmp_path / "cap.yaml", scenarios=[str(TINY)], models=[spec],
                          seeds=list(range(1, 13)), overrides={"eval_every": 0})
    watch = ContainerWatch(docker_client, "cap")
    res = run_batch(BatchOptions(matrix=matrix, logs=tmp_path / "logs", parallel=12,
                                 ray=cluster.address), handle_signals=False)
    peak = watch.stop()
    assert res.index.state == "finished", [(e.run_id, e.error) for e in res.index.entries]
    assert res.index.totals["finished"] == 12
    nodes = {e.node for e in res.index.entries}
    assert len(nodes) == 3  # every node took runs
    overlap = _attempt_overlap(res)
    assert max(overlap.values()) == 2 and set(overlap) == nodes, overlap
    assert set(peak) <= nodes and 1 <= max(peak.values()) <= 2, peak  # containers, labelled
    assert all(e.attempts[0].action == "start" for e in res.index.entries)
    assert not docker_client.containers.list(all=True, filters={"label": "ultrarun.batch=cap"})


def test_ray_node_death_resumes_runs_elsewhere_once(
        tmp_path: Path, cluster: Any, base_image: str,
        docker_client: docker.DockerClient) -> None:
    turns = 12
    spec = write_script(tmp_path / "s.yaml", turns, delay_s=0.5)
    matrix = write_matrix(tmp_path / "kill.yaml", scenarios=[str(TINY)], models=[spec],
                          seeds=list(range(1, 7)), overrides={"eval_every": 0})
    recs: list[BatchRecorder] = []
    out: list[BatchResult] = []
    opts = BatchOptions(matrix=matrix, logs=tmp_path / "logs", parallel=6, ray=cluster.address)
    t = threading.Thread(target=lambda: out.append(run_batch(
        opts, on_ready=recs.append, handle_signals=False)), daemon=True)
    t.start()
    workers = {n.node_id: n for n in cluster.worker_nodes}
    victim = None
    deadline = time.monotonic() + 90
    while victim is None and time.monotonic() < deadline:
        time.sleep(0.2)
        for e in (recs[0].index.entries if recs else []):
            if e.state == "running" and e.node in workers and e.step >= 2:
                victim = e.node
    assert victim is not None, "no run reached step 2 on a worker node"
    # Runs that had recorded steps on the victim must resume elsewhere; one that had only
    # just been placed there may legitimately start over (nothing was recorded yet).
    on_victim = {e.run_id for e in recs[0].index.entries
                 if e.node == victim and e.state == "running" and e.step >= 1}
    # A container the dead node will leave behind on its engine, as a crashed host would.
    orphan = docker_client.containers.run(
        base_image, ["sleep", "300"], detach=True, labels={
            "ultrarun.managed": "true", "ultrarun.run-id": "ghost", "ultrarun.role": "agent",
            "ultrarun.batch": "kill", "ultrarun.node": victim})
    cluster.remove_node(workers[victim], allow_graceful=False)
    t.join(timeout=150)
    assert out, "the batch did not finish"
    res = out[0]
    assert res.index.state == "finished", [(e.run_id, e.error) for e in res.index.entries]
    for e in res.index.entries:
        evs = events(res.batch_dir / e.run_dir)  # one trajectory, seq contiguous
        assert sum(ev["type"] == "run_start" for ev in evs) == 1
        assert sum(ev["type"] == "model_call" for ev in evs) == turns + 1
        log = (res.batch_dir / e.run_dir / "workspace" / "log.txt").read_text().split()
        assert log == [str(i) for i in range(1, turns + 1)]
        if e.run_id in on_victim:
            assert e.attempts[0].node == victim and len(e.attempts) >= 2
            assert e.attempts[-1].node != victim and e.attempts[-1].action == "resume"
            assert e.node != victim and any(ev["type"] == "resume" for ev in evs)
    assert on_victim
    with pytest.raises(docker.errors.NotFound):
        orphan.reload()  # the end-of-batch reaper removed the dead node's container
    assert not docker_client.containers.list(all=True, filters={"label": "ultrarun.batch=kill"})


def test_ray_batch_stops_at_its_token_budget(tmp_path: Path, cluster: Any) -> None:
    model = f"py:{Path(__file__).parent / 'priced_model.py'}:PricedModel"  # 1,100 tokens a call
    matrix = write_matrix(tmp_path / "pool.yaml", scenarios=[str(TINY)], models=[model],
                          seeds=list(range(1, 7)),
                          overrides={"sandbox": "local", "eval_every": 0})
    res = run_batch(BatchOptions(matrix=matrix, logs=tmp_path / "logs", parallel=3,
                                 ray=cluster.address, max_tokens_total=10_000),
                    handle_signals=False)
    assert res.index.state == "budget_spent"
    bdir = tmp_path / "logs" / "pool"
    calls = sum(sum(ev["type"] == "model_call" for ev in events(bdir / e.run_dir))
                for e in res.index.entries if (bdir / e.run_dir / "events.jsonl").exists())
    # Each task sends its spending after every call: at most one more call per run in flight.
    assert 10 <= calls <= 12
    assert res.index.budget is not None and res.index.budget["tokens"] == calls * 1100
    stopped = [e for e in res.index.entries if e.end_reason == "shared_budget"]
    assert stopped and all(e.state == "interrupted" for e in stopped)
    assert "pending" in [e.state for e in res.index.entries]
