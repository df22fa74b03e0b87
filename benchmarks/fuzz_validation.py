"""Is the fuzz measure right? Agreement figures of known compilers, in one run.

1. The toy generator against the toy reference compiler (target: 99 % or more agree).
2. gcc as a candidate at -O1 and -O3 (the oracle is -O0 and -O2: it must agree with itself,
   100 %) and Debian's tcc (a figure, not a target), on c-compiler's programs of every tier
   (t1: the toy generator; t2-t4: Csmith), per tier and per feature.
3. The cheating workspaces of ``benchmarks/anticheat.py`` (toy-c-compiler's ``tools/cheats.py``),
   each graded by the toy grader in its container (Docker, the jail) with the fuzz measure:
   target 0 agreement.

1 and 2 run on this host, unconfined (agreement does not depend on the jail; ``fuzz_speed.py``
times the jail); the load average is printed, since the oracle's time bound
(``fuzz.Plan.oracle_timeout``) discards more programs on a loaded machine.

    python benchmarks/fuzz_validation.py [--toy 200] [--per-tier 24] [--cheats 8]
        [--skip-cheats] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import fuzzkit  # noqa: F401  (sets sys.path for the graders' modules)
from fuzzkit import TOY, fuzz_host, load, reference, workspace
from rich.console import Console
from rich.table import Table

TIERS = ("t1", "t2", "t3", "t4")
CANDIDATES = {"gcc -O1": 'exec gcc -w -O1 "$@"\n', "gcc -O3": 'exec gcc -w -O3 "$@"\n',
              "tcc": 'exec tcc -w "$@"\n'}


def summary(out: dict[str, Any], seconds: float) -> dict[str, Any]:
    tried = out["tried"]
    return {"tried": tried, "agreed": out["agreed"],
            "percent": round(100 * out["agreed"] / tried, 1) if tried else None,
            **{k: out[k] for k in ("miscompiled", "crashed", "rejected", "discarded")},
            "discards": out["discards"], "by_feature": out["by_feature"],
            "seconds": round(seconds, 1),
            "failures": [(f["tier"], f["outcome"], f["reason"][:120]) for f in out["failures"]]}


def cheats(tmp: Path, programs: int, say: Any) -> dict[str, Any]:
    """toy-c-compiler's cheating workspaces, each graded sealed with ``programs`` programs."""
    from anticheat import _tool, scenario

    from agent.fuzzing import draw_seed
    from agent.scenario.grading import FuzzRequest, grade_workspace

    tools = _tool(TOY / "tools" / "cheats.py", "toyc_cheats")
    kinds = [k for k in tools.KINDS if not k.honest]
    say(f"building {len(kinds)} cheating workspaces in the agent's image")
    built = tools.build([k.name for k in kinds], tmp / "cheats")
    out = {}
    for k in kinds:
        say(f"grading {k.name} with {programs} fuzz programs")
        t0 = time.monotonic()
        r = grade_workspace(scenario("toy-c-compiler", "01-return"), built[k.name], "docker",
                            fuzz=FuzzRequest(programs, draw_seed()))
        f = r.fuzz
        out[k.name] = {"tests": [r.passed, r.total], "error": r.error,
                       "fuzz": None if f is None else {
                           "tried": f.tried, "agreed": f.agreed, "rejected": f.rejected,
                           "crashed": f.crashed, "miscompiled": f.miscompiled},
                       "seconds": round(time.monotonic() - t0, 1)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--toy", type=int, default=200, help="toy programs for the reference")
    ap.add_argument("--per-tier", type=int, default=24, help="programs per tier and compiler")
    ap.add_argument("--cheats", type=int, default=8, help="fuzz programs per cheat")
    ap.add_argument("--skip-cheats", action="store_true")
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    console = Console(stderr=args.json)
    def say(m: str) -> None:  # stderr with --json
        console.print(f"[dim]{m}[/dim]")

    out: dict[str, Any] = {"load_before": load()}
    with tempfile.TemporaryDirectory(prefix="bench-fuzz-validation-",
                                     ignore_cleanup_errors=True) as t:
        tmp = Path(t)
        say(f"the toy reference on {args.toy} toy programs")
        ref = reference(tmp / "reference")
        res, secs = fuzz_host(ref, "toy", args.toy, args.seed)
        out["toy_reference"] = summary(res, secs)
        out["toy_reference"]["target_percent"] = 99.0

        out["c_compiler"] = {}
        for name, script in CANDIDATES.items():
            ws = workspace(tmp / name.replace(" ", ""), script)
            for tier in TIERS:
                say(f"{name} on {args.per_tier} programs of {tier}")
                res, secs = fuzz_host(ws, tier, args.per_tier, args.seed + TIERS.index(tier))
                out["c_compiler"].setdefault(name, {})[tier] = summary(res, secs)
        if not args.skip_cheats:
            out["cheats"] = cheats(tmp, args.cheats, say)
    out["load_after"] = load()
    if args.json:
        print(json.dumps(out, indent=1))
        return
    show(out, console)


def show(out: dict[str, Any], console: Console) -> None:
    r = out["toy_reference"]
    console.print(f"load average {out['load_before']} (before) / {out['load_after']} (after)")
    console.print(f"toy reference on the toy generator: {r['agreed']}/{r['tried']} agreed "
                  f"({r['percent']}%; target ≥ {r['target_percent']}%), {r['discarded']} "
                  f"programs replaced ({r['discards']}), {r['seconds']} s")
    t = Table(title="c-compiler's fuzz programs: agreement per tier (host, unconfined)")
    t.add_column("candidate")
    for tier in TIERS:
        t.add_column(tier, justify="right")
    for name, tiers in out["c_compiler"].items():
        t.add_row(name, *(f"{x['agreed']}/{x['tried']}" for x in tiers.values()))
    # the same seeds for every candidate: the programs replaced are the oracle's, not theirs
    first = next(iter(out["c_compiler"].values()))
    t.add_row("replaced", *(", ".join(f"{n} {why}" for why, n in x["discards"].items()) or "0"
                            for x in first.values()))
    console.print(t)
    features: Counter[str] = Counter()
    for name, tiers in out["c_compiler"].items():
        ft = Table(title=f"{name}: agreement by feature (all tiers)")
        ft.add_column("feature")
        ft.add_column("agreed / tried", justify="right")
        sums: dict[str, list[int]] = {}
        for x in tiers.values():
            for k, (n, ok) in x["by_feature"].items():
                s = sums.setdefault(k, [0, 0])
                s[0] += n
                s[1] += ok
        features.update(sums.keys())
        for k, (n, ok) in sorted(sums.items(), key=lambda kv: (kv[1][1] / kv[1][0], kv[0])):
            if ok < n or name == "tcc":
                ft.add_row(k, f"{ok}/{n}")
        if ft.row_count:
            console.print(ft)
        for tier, x in tiers.items():
            for f in x["failures"][:3]:
                console.print(f"  {name} {tier}: {f}", highlight=False)
    if "cheats" in out:
        ct = Table(title="Cheating workspaces with the fuzz measure (toy grader, sealed)")
        for col in ("workspace", "tests", "fuzz agreed / tried", "rejected", "crashed",
                    "miscompiled"):
            ct.add_column(col)
        for name, x in out["cheats"].items():
            f = x["fuzz"] or {}
            ct.add_row(name, f"{x['tests'][0]}/{x['tests'][1]}",
                       f"{f.get('agreed')}/{f.get('tried')}", str(f.get("rejected")),
                       str(f.get("crashed")), str(f.get("miscompiled")))
        console.print(ct)


if __name__ == "__main__":
    main()
