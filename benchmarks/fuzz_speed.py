"""What the fuzz measure costs, in one run (side by side, with the load average said).

1. Programs per second, per tier, on this host (unconfined): generated (the toy generator,
   Csmith at t2-t4), and generated + built by gcc -O0/-O2 + built by the candidate + run and
   compared (the toy reference on toy programs; tcc on c-compiler's tiers), 2 at a time.
2. One evaluation at the default N (``grader.fuzz.programs``) in the grader's container (sealed
   cells, Docker), as a run grades it: gcc's part first (an empty workspace; the agent
   working), then the sealed grading with its table (the agent frozen); beside it the sealed
   grading without the fuzz measure and the former one with gcc inside the seal, alternated:
   toy-c-compiler (the reference on its whole suite) and c-compiler (tcc on tiers 1-2, what
   every evaluation grades; the toy reference, a compiler of an agent's pace). Target: at
   most 30 % added to an evaluation's wall time on 2 cores, off the agent's critical path.
3. The reduction of one miscompile (after the evaluation, off the agent's critical path), at
   the scenario's ``reduce_seconds``: the toy reference with a planted `%` bug, and tcc made
   to compute `%` as `/` on c-compiler's programs.

    python benchmarks/fuzz_speed.py [--rounds 2] [--skip-c-compiler] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import fuzzkit  # noqa: F401  (sets sys.path for the graders' modules)
from anticheat import _tool
from fuzzkit import (
    CC,
    PERCENT_AS_DIV,
    ROOT,
    csmithgen,
    fuzz,
    fuzz_host,
    load,
    reference,
    toygen,
    workspace,
)
from rich.console import Console
from rich.table import Table

from agent.evaluation import fuzz_request
from agent.fuzzing import draw_seed, fuzz_env, reduce_env
from agent.scenario.grading import copy_workspace, docker_grader
from agent.scenario.loader import load_scenario

POLICY = ROOT / "tests" / "data" / "scenarios" / "toy-fuzz" / "reference_policy.py"
EVERY_EVALUATION = ("t3", "t4", "t5")  # c-compiler's parts left out of a periodic evaluation


def generation(seconds: float = 5.0) -> dict[str, float]:
    """Programs generated per second, per tier."""
    out = {}
    for tier in ("toy", "t2", "t3", "t4"):
        n, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < seconds:
            if tier == "toy":
                toygen.generate(n)
            else:
                csmithgen.csmith(n, tier)
            n += 1
        out[tier] = round(n / (time.monotonic() - t0), 1)
    return out


def checking(tmp: Path, n: int) -> dict[str, dict[str, Any]]:
    """Programs per second generated, built by gcc twice and by the candidate, run, compared."""
    ref = reference(tmp / "reference")
    tcc = workspace(tmp / "tcc", 'exec tcc -w "$@"\n')
    out = {}
    for label, ws, tier in [("toy (reference)", ref, "toy"), *((f"{t} (tcc)", tcc, t) for t in
                                                               ("t1", "t2", "t3", "t4"))]:
        res, secs = fuzz_host(ws, tier, n, 77)
        out[label] = {"programs": res["tried"], "per_s": round(res["tried"] / secs, 2),
                      "seconds": round(secs, 1), "agreed": res["agreed"],
                      "discarded": res["discarded"]}
    return out


def oracle_bound(tmp: Path, n: int) -> dict[str, dict[str, Any]]:
    """Csmith's tiers checked with the oracle's former time bound (2 s) and the grader's:
    programs that loop burn the whole bound before they are replaced."""
    tcc = workspace(tmp / "tcc-bound", 'exec tcc -w "$@"\n')
    out = {}
    for bound in (2.0, fuzz.Plan(0, 0).oracle_timeout):
        tried = replaced = 0
        secs = 0.0
        for k, tier in enumerate(("t2", "t3", "t4")):
            res, s = fuzz_host(tcc, tier, n, 1000 + k, oracle_timeout=bound)
            tried, replaced, secs = tried + res["tried"], replaced + res["discarded"], secs + s
        out[f"{bound:g} s"] = {"programs": tried, "replaced": replaced,
                               "seconds": round(secs, 1), "per_s": round(tried / secs, 2)}
    return out


def paired(without: list[float], with_: list[float]) -> float:
    """The median of each round's added share: a grading with and one without, one after
    the other, see about the same load; the medians of each side alone drift with it."""
    return round(statistics.median(100 * (b - a) / a for a, b in zip(without, with_,
                                                                     strict=True)), 1)


class Timed:
    """One scenario's grader in Docker, as an evaluation runs it: gcc's part first (an empty
    workspace, the agent working), then the sealed grading with its table; beside it the same
    sealed grading without the fuzz measure, and the former sealed grading that ran gcc too."""

    def __init__(self, grader: Any, ws: Path, programs: int,
                 skip: tuple[str, ...] = ()) -> None:
        self.grader, self.ws, self.programs, self.skip = grader, ws, programs, skip

    def once(self, kind: str, tmp: Path) -> tuple[float, float, Any]:
        """``plain`` (no fuzz), ``sealed`` (gcc's part before: its seconds, then the sealed
        grading's) or ``inside`` (gcc in the sealed grading). Returns (before, sealed, result)."""
        before, env = 0.0, None
        seed = draw_seed()
        if kind == "sealed":
            t0 = time.monotonic()
            env, made = fuzz_request(self.grader, self.programs, seed)
            before = time.monotonic() - t0
            assert made is not None, "the grader made no table"
        elif kind == "inside":
            env = fuzz_env(self.programs, seed)
        copy = tmp / f"copy-{time.monotonic_ns()}"
        copy_workspace(self.ws, copy)
        t0 = time.monotonic()
        r = self.grader.grade(copy, self.skip, env=env)
        secs = time.monotonic() - t0
        shutil.rmtree(copy, ignore_errors=True)
        return before, secs, r

    def compare(self, rounds: int, tmp: Path) -> dict[str, Any]:
        runs: dict[str, list[float]] = {"plain": [], "sealed": [], "oracle": [], "inside": []}
        last: dict[str, Any] = {}
        self.once("plain", tmp)  # warm: images, caches
        for _ in range(rounds):
            for kind in ("plain", "sealed", "inside"):
                before, secs, last[kind] = self.once(kind, tmp)
                runs[kind].append(secs)
                if kind == "sealed":
                    runs["oracle"].append(before)
        med = {k: statistics.median(v) for k, v in runs.items()}
        f = last["sealed"].fuzz
        return {"plain_s": round(med["plain"], 1), "sealed_s": round(med["sealed"], 1),
                "oracle_s": round(med["oracle"], 1), "inside_s": round(med["inside"], 1),
                "programs": self.programs,
                # on the agent's critical path (the sealed grading), now and before
                "critical_added_percent": paired(runs["plain"], runs["sealed"]),
                "critical_added_before_percent": paired(runs["plain"], runs["inside"]),
                # all the grader's work the fuzz measure adds (gcc's part included)
                "grader_added_percent": round(statistics.median(
                    100 * (b + o - a) / a for a, b, o in zip(runs["plain"], runs["sealed"],
                                                             runs["oracle"], strict=True)), 1),
                "runs": {k: [round(x, 1) for x in v] for k, v in runs.items()},
                "tests": [last["plain"].passed, last["plain"].total],
                "fuzz": None if f is None else {
                    "tried": f.tried, "agreed": f.agreed, "discarded": f.discarded,
                    "failures": [(x.tier, x.outcome, x.reason[:160]) for x in f.failures]}}

    def reduction(self, seconds: float, tmp: Path) -> dict[str, Any]:
        """Fuzz until a miscompile shows, then reduce the smallest."""
        for _ in range(4):
            _before, secs, r = self.once("sealed", tmp)
            ask = reduce_env(r.fuzz.failures, 1, seconds) if r.fuzz else None
            if ask:
                break
        else:
            return {"error": "no miscompile in 4 evaluations"}
        copy = tmp / "reduce"
        copy_workspace(self.ws, copy)
        t0 = time.monotonic()
        red = self.grader.reduce(copy, ask)
        shutil.rmtree(copy, ignore_errors=True)
        p = red.reduced[0] if red.reduced else None
        return {"evaluation_s": round(secs, 1), "miscompiled": r.fuzz.miscompiled,
                "reduction_s": round(time.monotonic() - t0, 1), "bound_s": seconds,
                "error": red.error, **({} if p is None else {
                    "status": p.status, "lines": [p.lines_before, p.lines_after],
                    "checks": p.checks, "reduced": p.reduced})}


def toy_part(tmp: Path, rounds: int, say: Any) -> dict[str, Any]:
    scenario = load_scenario("toy-c-compiler")
    spec = scenario.grader.fuzz if scenario.grader else None
    assert spec is not None

    from agent.setup import prepare

    box = prepare(scenario, "docker").grader("bench-fuzz")
    assert box is not None

    ws = reference(tmp / "toy-ref")
    shutil.copytree(scenario.root / "workspace", ws, dirs_exist_ok=True)
    say(f"toy-c-compiler: the reference, whole suite, with and without {spec.programs} programs")
    out = {"evaluation": Timed(box, ws, spec.programs).compare(rounds, tmp)}
    bug = reference(tmp / "toy-bug")
    policy = _tool(POLICY, "toy_fuzz_policy")
    code = bug / "toyc" / "codegen.py"
    code.write_text(code.read_text().replace(policy.RIGHT, policy.WRONG))
    say(f"toy-c-compiler: reducing a planted miscompile (bound {spec.reduce_seconds:g} s)")
    out["reduction"] = Timed(box, bug, spec.programs).reduction(spec.reduce_seconds, tmp)
    return out


def cc_part(tmp: Path, rounds: int, say: Any) -> dict[str, Any]:
    from sandboxes.engine import connect

    client = connect()
    scenario = load_scenario("c-compiler")
    spec = scenario.grader.fuzz if scenario.grader else None
    assert spec is not None
    say("c-compiler: images (the scenario's, its grader's, tcc's; built once)")
    candidates = _tool(CC / "tools" / "candidates.py", "cc_candidates")
    images, _ = candidates.candidate_images(client, scenario, say)  # tcc's: on the grader's
    grader = docker_grader(client, scenario, images["tcc"], run_id="bench-fuzz")
    tcc = workspace(tmp / "cc-tcc", 'exec tcc -w "$@"\n')
    say(f"c-compiler: tcc, tiers 1-2, with and without {spec.programs} programs")
    out = {"evaluation": Timed(grader, tcc, spec.programs, EVERY_EVALUATION).compare(rounds,
                                                                                   tmp)}
    # tcc grades tiers 1-2 in seconds: the worst case for the ratio. The toy reference (a
    # compiler written in Python, passing tier 1 only) is nearer an agent's compiler's pace.
    say(f"c-compiler: the toy reference, tiers 1-2, with and without {spec.programs} programs")
    out["evaluation_reference"] = Timed(grader, reference(tmp / "cc-ref"), spec.programs,
                                        EVERY_EVALUATION).compare(rounds, tmp)
    bad = workspace(tmp / "cc-bad", PERCENT_AS_DIV + 'exec tcc -w "$@"\n')
    say(f"c-compiler: reducing a miscompile of tcc with `%` as `/` "
        f"(bound {spec.reduce_seconds:g} s)")
    out["reduction"] = Timed(grader, bad, spec.programs, EVERY_EVALUATION).reduction(
        spec.reduce_seconds, tmp)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2, help="gradings each way (medians)")
    ap.add_argument("--check", type=int, default=12, help="programs per tier for part 1")
    ap.add_argument("--skip-c-compiler", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    console = Console(stderr=args.json)
    def say(m: str) -> None:  # stderr with --json
        console.print(f"[dim]{m}[/dim]")

    out: dict[str, Any] = {"load_before": load(), "target_added_percent": 30}
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-speed-",
                                     ignore_cleanup_errors=True) as t:
        tmp = Path(t)
        say("generating and checking on this host")
        out["generated_per_s"] = generation()
        out["checked"] = checking(tmp, args.check)
        say("the oracle's time bound: 2 s (before) and the grader's, on the same programs")
        out["oracle_bound"] = oracle_bound(tmp, args.check)
        out["toy-c-compiler"] = toy_part(tmp, args.rounds, say)
        if not args.skip_c_compiler:
            out["c-compiler"] = cc_part(tmp, args.rounds, say)
    out["load_after"] = load()
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        show(out, console)


def show(out: dict[str, Any], console: Console) -> None:
    console.print(f"load average {out['load_before']} (before) / {out['load_after']} (after)")
    g = Table(title="Programs per second on this host (2 at a time for checks)")
    for col in ("tier", "generated / s", "checked / s", "checked", "agreed", "replaced"):
        g.add_column(col, justify="left" if col == "tier" else "right")
    gen = out["generated_per_s"]
    for label, c in out["checked"].items():
        tier = label.split()[0]
        g.add_row(label, str(gen.get(tier, gen["toy"] if tier == "t1" else "")),
                  str(c["per_s"]), str(c["programs"]), str(c["agreed"]), str(c["discarded"]))
    console.print(g)
    b = Table(title="Csmith tiers (t2-t4, tcc) by the oracle's time bound, same programs")
    for col in ("bound", "checked", "replaced", "seconds", "checked / s"):
        b.add_column(col, justify="right")
    for bound, x in out.get("oracle_bound", {}).items():
        b.add_row(bound, str(x["programs"]), str(x["replaced"]), str(x["seconds"]),
                  str(x["per_s"]))
    console.print(b)
    e = Table(title="One evaluation in the grader's container (medians of the rounds; "
                    "target: +30 % at most, off the agent's critical path)")
    for col in ("scenario", "candidate", "sealed, no fuzz", "gcc's part (before, unsealed)",
                "sealed, with N programs", "critical path added (paired)",
                "before: gcc in the seal", "grader time added", "fuzz agreed"):
        e.add_column(col)
    r = Table(title="Reducing one miscompile (after the evaluation)")
    for col in ("scenario", "bound", "took", "status", "lines", "checks"):
        r.add_column(col)
    for name, key, who in (("toy-c-compiler", "evaluation", "reference"),
                           ("c-compiler", "evaluation", "tcc (t1-t2)"),
                           ("c-compiler", "evaluation_reference", "toy reference (t1-t2)")):
        if key not in out.get(name, {}):
            continue
        x = out[name][key]
        f = x["fuzz"] or {}
        e.add_row(name, who, f"{x['plain_s']} s", f"{x['oracle_s']} s",
                  f"{x['sealed_s']} s ({x['programs']})", f"{x['critical_added_percent']:+}%",
                  f"{x['critical_added_before_percent']:+}% ({x['inside_s']} s)",
                  f"{x['grader_added_percent']:+}%", f"{f.get('agreed')}/{f.get('tried')}")
    for name in ("toy-c-compiler", "c-compiler"):
        if name not in out:
            continue
        y = out[name]["reduction"]
        r.add_row(name, f"{y.get('bound_s')} s", f"{y.get('reduction_s')} s",
                  str(y.get("status", y.get("error"))), str(y.get("lines")),
                  str(y.get("checks")))
    console.print(e)
    console.print(r)


if __name__ == "__main__":
    main()
