"""Sealed evaluation: what freezing the agent while the grader runs costs, and what leaks.

1. Freeze per evaluation: the agent's container (the scenario's image) frozen around a real
   grading, as a run does it (``SealGate.sealed``): toy-c-compiler's reference compiler on the
   full hidden suite, and a full c-compiler grade (every tier; gcc wrapped as `compile`, graded
   in the agent image where gcc is whole: the reference the suite is validated with).
2. Wall time of a scripted toy-c run (the reference policy, `every: 25`), sealed and unsealed.
3. A simulated real model (each turn takes ``--think`` seconds; the reference run's own turns
   replayed with that delay): how much of the freeze hides inside think time.
4. Bandwidth of the channels that remain: the freeze's length as the agent's clock sees it
   (the ladder's output alphabet, measured on the real freeze path), and sysinfo(2)'s load
   averages read by the agent after a freeze in which the grader ran K busy processes.

    python benchmarks/sealed_eval.py [--parts toy,cc,runs,channels] [--think 3]
        [--think-steps 60] [--think-every 10] [--run-steps N] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.runner import RunConfig, execute_run  # noqa: E402
from agent.scenario.grading import copy_workspace, docker_grader  # noqa: E402
from agent.scenario.loader import Scenario, load_scenario  # noqa: E402
from agent.sealing import PAD_BASE_S, PAD_RATIO, Seal, SealGate, padded  # noqa: E402
from agent.setup import prepare  # noqa: E402
from agent.trajectory import load_run  # noqa: E402
from agent.trajectory.events import EvaluationEvent, ModelCall  # noqa: E402
from sandboxes.docker_sandbox import DockerSandbox  # noqa: E402

LABELS = {"ultrarun.bench": "sealed_eval"}


def agent_box(image: str, ws: Path, **kw: Any) -> DockerSandbox:
    return DockerSandbox(image=image, workspace=ws, labels=LABELS, **kw)


def sealed_grade(scenario: Scenario, workspace: Path,
                 grader_image: str | None = None) -> dict[str, Any]:
    """Grade ``workspace`` with the agent's container (of the scenario's image) frozen."""
    prepared = prepare(scenario, "docker")
    image = prepared.factory.image
    assert image is not None
    with tempfile.TemporaryDirectory(prefix="bench-seal-") as t:
        tmp = Path(t)
        with agent_box(image, tmp / "agent") as box:
            grader = (docker_grader(box.client, scenario, grader_image, run_id="bench-seal")
                      if grader_image else prepared.grader("bench-seal"))
            assert grader is not None
            gate = SealGate(lambda: box.freezer)
            copy = tmp / "copy"
            copy_workspace(workspace, copy)
            seal = Seal()
            t0 = time.monotonic()
            with gate.sealed(seal):
                result = grader.grade(copy)
            wall = time.monotonic() - t0
    return {"grade_s": round(result.duration_s, 1), "frozen_s": round(seal.frozen_s, 1),
            "wall_s": round(wall, 1), "passed": result.passed, "total": result.total,
            "error": result.error}


def toy_reference(tmp: Path) -> Path:
    scenario = load_scenario("toy-c-compiler")
    ws = tmp / "toy-ws"
    copy_workspace(scenario.root / "workspace", ws)
    copy_workspace(scenario.root / "reference", ws)
    return ws


def c_compiler_full() -> dict[str, Any]:
    import importlib.util

    path = ROOT / "scenarios" / "c-compiler" / "tools" / "candidates.py"
    spec = importlib.util.spec_from_file_location("_cc_candidates", path)
    assert spec and spec.loader
    candidates = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(candidates)
    scenario = load_scenario("c-compiler")
    image = prepare(scenario, "docker").factory.image
    assert image is not None
    with tempfile.TemporaryDirectory(prefix="bench-cc-") as tmp:
        ws = candidates.wrapper_workspace(Path(tmp) / "ws", "gcc")
        # gcc's front end is whole in the agent image: the reference is graded there.
        return sealed_grade(scenario, ws, grader_image=image)


def scripted_runs(tmp: Path, think: float, steps: int, run_steps: int | None,
                  think_every: int) -> dict[str, Any]:
    """The reference policy on toy-c (its first ``run_steps`` turns), sealed and unsealed;
    then its first ``steps`` turns replayed with ``think`` seconds per turn (a model that
    thinks), graded every ``think_every`` calls, sealed and unsealed."""
    out: dict[str, Any] = {}
    for sealed in (True, False):
        name = f"ref-{'sealed' if sealed else 'open'}"
        t0 = time.monotonic()
        res = execute_run(RunConfig(scenario="toy-c-compiler", model="reference",
                                    logs=tmp / "logs", run_id=name, sealed_eval=sealed,
                                    max_steps=run_steps))
        out[name] = run_figures(res.run_dir, time.monotonic() - t0)
    turns = [{"content": m.message.get("content") or "",
              "tool_calls": [{"name": c["function"]["name"],
                              "arguments": json.loads(c["function"]["arguments"] or "{}")}
                             for c in m.message.get("tool_calls") or []],
              "delay_s": think}
             for m in load_run(tmp / "logs" / "ref-sealed").events_of(ModelCall)][:steps]
    script = tmp / "thinking.yaml"
    script.write_text(yaml.safe_dump(turns))
    for sealed in (True, False):
        name = f"think-{'sealed' if sealed else 'open'}"
        t0 = time.monotonic()
        res = execute_run(RunConfig(scenario="toy-c-compiler", model=f"script:{script}",
                                    logs=tmp / "logs", run_id=name, sealed_eval=sealed,
                                    eval_every=think_every))
        out[name] = run_figures(res.run_dir, time.monotonic() - t0)
    return out


def run_figures(run_dir: Path, wall: float) -> dict[str, Any]:
    run = load_run(run_dir)
    assert run.info is not None
    evals = run.events_of(EvaluationEvent)
    # In-run gradings only: the final one comes after the agent's last step either way.
    frozen = sum(e.frozen_s or 0 for e in evals if not e.final)
    waited = run.info.totals.grader_wait_s
    return {"wall_s": round(wall, 1), "steps": run.info.totals.steps,
            "evaluations": len(evals), "failed": sum(1 for e in evals if e.error),
            "frozen_in_run_s": round(frozen, 1), "agent_waited_s": round(waited, 1),
            "hidden_in_think_time": round(1 - waited / frozen, 2) if frozen else None,
            "final": f"{run.info.grade['passed']}/{run.info.grade['total']}"
            if run.info.grade else None}


def duration_channel(tmp: Path) -> dict[str, Any]:
    """Freeze lengths the agent's clock sees for gradings of 16 lengths in [0.2, 8] s, and
    the bits this leaves per evaluation up to a grader timeout of 900 s."""
    from sandboxes.images import BASE_IMAGE

    seen: list[tuple[float, float]] = []
    with agent_box(BASE_IMAGE, tmp / "dur") as box:
        gate = SealGate(lambda: box.freezer)
        for i in range(16):
            want = 0.2 + i * (7.8 / 15)
            t_in = float(box.exec("date +%s.%N").output)
            seal = Seal()
            with gate.sealed(seal):  # a grading whose length the candidate chose
                time.sleep(want)
            t_out = float(box.exec("date +%s.%N").output)
            seen.append((round(want, 2), round(t_out - t_in, 1)))
    levels = sorted({round(padded(w), 3) for w, _ in seen})
    ladder = math.ceil(math.log(900 / PAD_BASE_S) / math.log(PAD_RATIO)) + 1
    return {"sent": [w for w, _ in seen], "agent_saw_s": [s for _, s in seen],
            "distinct_lengths": len(levels), "bits_in_range": round(math.log2(len(levels)), 2),
            "ladder_steps_to_900s": ladder, "bits_max": round(math.log2(ladder), 2)}


LOADAVG = ("python3 -c \"import ctypes; b=(ctypes.c_ulong*16)(); "
           "ctypes.CDLL(None).sysinfo(b); print(b[1]/65536)\"")


def load_channel(tmp: Path) -> dict[str, Any]:
    """The agent reads sysinfo(2)'s 1-minute load average right after a freeze in which a
    grader container ran K busy processes for the last 10 s: what K does to what it reads."""
    import docker

    from sandboxes.images import BASE_IMAGE

    client = docker.from_env()
    rows = []
    with agent_box(BASE_IMAGE, tmp / "load") as box:
        gate = SealGate(lambda: box.freezer)
        for k in (0, 16, 0, 16, 64, 0, 64):
            time.sleep(20)  # let the last round's load decay a little
            before = float(box.exec(LOADAVG).output)
            with gate.sealed():
                client.containers.run(BASE_IMAGE, [
                    "sh", "-c", f"for i in $(seq {k}); do timeout 10 sh -c 'while :; do :; "
                    "done' & done; sleep 10; wait"], remove=True, labels=LABELS)
            after = float(box.exec(LOADAVG).output)
            rows.append({"k": k, "before": round(before, 2), "after": round(after, 2),
                         "rise": round(after - before, 2)})
    rises = {k: [r["rise"] for r in rows if r["k"] == k] for k in (0, 16, 64)}
    noise = max(rises[0]) - min(rises[0]) if len(rises[0]) > 1 else 0.0
    span = max(rises[64]) - min(rises[0])
    levels = max(1.0, span / max(noise, 0.5))
    return {"rounds": rows, "rise_by_k": rises, "noise": round(noise, 2),
            "bits_per_evaluation_est": round(math.log2(levels + 1), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", default="toy,cc,runs,channels",
                    help="what to measure: toy (toy-c freeze), cc (c-compiler freeze), runs "
                    "(scripted and thinking runs), channels (what remains)")
    ap.add_argument("--think", type=float, default=3.0, help="seconds per simulated turn")
    ap.add_argument("--think-steps", type=int, default=60)
    ap.add_argument("--think-every", type=int, default=10, help="grade every N calls")
    ap.add_argument("--run-steps", type=int, default=None,
                    help="stop the reference runs after N steps (default: the whole run)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-sealed-") as t:
        tmp = Path(t)
        if "toy" in parts:
            toy = load_scenario("toy-c-compiler")
            sealed_grade(toy, toy_reference(tmp))  # warm: images built, caches filled
            out["toy_c_reference"] = sealed_grade(toy, toy_reference(tmp))
        if "cc" in parts:
            out["c_compiler_full"] = c_compiler_full()
        if "runs" in parts:
            out["runs"] = scripted_runs(tmp, args.think, args.think_steps, args.run_steps,
                                        args.think_every)
        if "channels" in parts:
            out["duration_channel"] = duration_channel(tmp)
            out["load_channel"] = load_channel(tmp)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    show(out)


def show(out: dict[str, Any]) -> None:
    console = Console()
    t = Table(title="Freeze per evaluation (agent's container paused around the grading)")
    for c in ("grading", "grade s", "frozen s (padded)", "passed"):
        t.add_column(c)
    for key, label in (("toy_c_reference", "toy-c-compiler, reference, full suite"),
                       ("c_compiler_full", "c-compiler, every tier, gcc")):
        if key in out:
            r = out[key]
            t.add_row(label, str(r["grade_s"]), str(r["frozen_s"]),
                      f"{r['passed']}/{r['total']}")
    console.print(t)
    if "runs" in out:
        t = Table(title="Runs on toy-c-compiler, sealed vs unsealed")
        for c in ("run", "wall s", "steps", "evaluations", "frozen in run s",
                  "agent waited s", "freeze hidden in think time", "final"):
            t.add_column(c)
        for name, r in out["runs"].items():
            hidden = r["hidden_in_think_time"]
            t.add_row(name, str(r["wall_s"]), str(r["steps"]), str(r["evaluations"]),
                      str(r["frozen_in_run_s"]), str(r["agent_waited_s"]),
                      "-" if hidden is None else f"{hidden:.0%}", str(r["final"]))
        console.print(t)
    if "duration_channel" in out:
        d = out["duration_channel"]
        console.print(f"freeze length channel: {d['distinct_lengths']} lengths seen for 16 "
                      f"gradings of 0.2-8 s ({d['bits_in_range']} bits); at most "
                      f"{d['ladder_steps_to_900s']} up to a 900 s timeout "
                      f"({d['bits_max']} bits per evaluation)")
        console.print(f"  sent {d['sent']}\n  agent saw {d['agent_saw_s']}")
    if "load_channel" in out:
        d = out["load_channel"]
        console.print(f"sysinfo load channel: rise of the 1-min load by K={d['rise_by_k']} "
                      f"(noise {d['noise']}): ~{d['bits_per_evaluation_est']} bits per "
                      "evaluation")


if __name__ == "__main__":
    main()
