"""What the toy-c grader gives to workspaces that reuse gcc's front end, and to honest ones.

Every workspace of ``scenarios/toy-c-compiler/tools/cheats.py`` is built in the agent's image
(each cheat is checked to work there first) and graded in the grader's container, as shipped.
With ``--ablate`` it is graded twice more, each time with one layer of the anti-cheat off:
``no scan`` (no front-end fingerprints) and ``no jail`` (no cells: no noexec folder, Landlock,
seccomp), to show which layer stops what. Target: every cheat at most 2 % as shipped.

    python benchmarks/anticheat.py [--stages 01-return,17-invalid] [--ablate] [--only a,b]
                                   [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.scenario.grading import grade_workspace  # noqa: E402
from agent.scenario.loader import Scenario, load_scenario  # noqa: E402

TOYC = ROOT / "scenarios" / "toy-c-compiler"


def _cheats():  # the scenario folder's name has a dash: load the tool by path
    spec = importlib.util.spec_from_file_location("toyc_cheats", TOYC / "tools" / "cheats.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _scenario(stages: str | None, layer_off: str | None) -> Scenario:
    s = load_scenario("toy-c-compiler")
    assert s.grader is not None
    if stages:
        s.grader.command += f" --stages {stages}"
    if layer_off == "scan":
        s.grader.command += " --front-ends /nonexistent"
    elif layer_off == "jail":
        s.grader.command += " --jail off"
        s.grader.tmpfs = {}  # the unconfined grader runs programs from /tmp
    return s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stages", default=None, help="comma-separated stages (default: all)")
    ap.add_argument("--ablate", action="store_true",
                    help="also grade with the scan off, then with the jail off")
    ap.add_argument("--only", default=None, help="comma-separated workspace names")
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cheats = _cheats()
    kinds = [k for k in cheats.KINDS if not args.only or k.name in args.only.split(",")]
    configs: list[str | None] = [None, "scan", "jail"] if args.ablate else [None]
    tmp = Path(tempfile.mkdtemp(prefix="bench-anticheat-"))
    try:
        t0 = time.monotonic()
        workspaces = cheats.build([k.name for k in kinds], tmp / "ws")
        build_s = time.monotonic() - t0

        def grade(job: tuple[str, str | None]) -> tuple[str, str | None, dict]:
            name, off = job
            t = time.monotonic()
            r = grade_workspace(_scenario(args.stages, off), workspaces[name], "docker")
            return name, off, {"passed": r.passed, "total": r.total, "error": r.error,
                               "percent": round(100 * r.passed / r.total, 1) if r.total else 0,
                               "seconds": round(time.monotonic() - t, 1)}

        jobs = [(k.name, off) for off in configs for k in kinds]
        with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
            graded = list(pool.map(grade, jobs))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rows = {k.name: {"what": k.what, "honest": k.honest} for k in kinds}
    for name, off, res in graded:
        rows[name]["shipped" if off is None else f"no_{off}"] = res
    cheaters = [r["shipped"]["percent"] for r in rows.values() if not r["honest"]]
    out = {"stages": args.stages or "all", "build_s": round(build_s, 1),
           "target_cheat_percent_max": 2.0, "worst_cheat_percent": max(cheaters, default=0),
           "workspaces": rows}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    t = Table(title=f"toy-c grader vs cheating workspaces (stages: {out['stages']})")
    t.add_column("workspace")
    t.add_column("what it does")
    for off in configs:
        t.add_column("as shipped" if off is None else f"no {off}", justify="right")
    t.add_column("s", justify="right")
    for name, row in rows.items():
        cells = []
        for off in configs:
            r = row["shipped" if off is None else f"no_{off}"]
            cell = f"{r['passed']}/{r['total']} ({r['percent']:g}%)" if not r["error"] \
                else f"error: {r['error'][:40]}"
            cells.append(cell)
        label = f"[green]{name}[/green]" if row["honest"] else name
        t.add_row(label, row["what"], *cells, str(row["shipped"]["seconds"]))
    console = Console()
    console.print(t)
    console.print(f"worst cheat as shipped: {out['worst_cheat_percent']}% (target <= 2%); "
                  f"workspaces built in {out['build_s']} s")


if __name__ == "__main__":
    main()
