"""What the C compiler graders give to workspaces that game them and to honest compilers, and
what their defences cost, in one run.

1. toy-c-compiler: every workspace of its ``tools/cheats.py`` (built in the agent's image, each
   cheat checked to work there first), graded in the grader's container as shipped and, with
   ``--ablate``, with the defences that stop it switched off (``Kind.ablate``) each alone and
   together: which defence stops what.
2. c-compiler tier 5: the workspaces of its ``tools/cheats.py`` (gcc's objects from a cache;
   a compile that rewrites the tests), built in the scenario's agent image, graded as shipped
   and with their defences off.
3. Honest compilers per tier: toy-c-compiler's reference and its honest compiler in C; on
   c-compiler, tcc (every tier), the toy reference and the honest compiler (tier 1).
4. The cost of the defences: the reference's grade of the whole toy suite and tcc's grade of
   every c-compiler tier with the defences and without (``--ablate programs,seal`` and, for
   tier 5, ``salt,test-tree``), one after the other, nothing else running.

Target: every cheat at most 2 % as shipped; honest compilers keep their scores.

    python benchmarks/anticheat.py [--stages 01-return,17-invalid] [--ablate] [--full]
        [--only a,b] [--projects zlib,jimtcl] [--skip-c-compiler] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.evaluation import GradeResult  # noqa: E402
from agent.scenario.grading import (  # noqa: E402
    copy_workspace,
    docker_grader,
    grade_workspace,
    grader_image,
)
from agent.scenario.loader import Scenario, load_scenario  # noqa: E402
from sandboxes.engine import connect  # noqa: E402
from ultrarun.policy import write_stage  # noqa: E402

TOYC = ROOT / "scenarios" / "toy-c-compiler"
CC = ROOT / "scenarios" / "c-compiler"
STAGE_OF = {"zlib": "t5/01-zlib", "cjson": "t5/02-cjson", "jimtcl": "t5/03-jimtcl",
            "jq": "t5/04-jq", "sqlite": "t5/05-sqlite"}
ALL_OFF = {"toy-c-compiler": "programs,seal", "c-compiler": "programs,seal,salt,test-tree"}


def _tool(path: Path, name: str) -> ModuleType:  # scenario folders have dashes: by path
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def configs(ablate: str) -> list[str]:
    """The gradings that show what stops a cheat: each defence off alone, then all together."""
    parts = [p for p in ablate.split(",") if p]
    return parts + ([ablate] if len(parts) > 1 else [])


def scenario(name: str, stages: str | None, off: str = "") -> Scenario:
    """The scenario as shipped, on ``stages``, with the defences in ``off`` switched off
    ("jail": --jail off; the others: --ablate)."""
    s = load_scenario(name)
    assert s.grader is not None
    if stages:
        s.grader.command += f" --stages {stages}"
    ablate = [p for p in off.split(",") if p and p != "jail"]
    if ablate:
        s.grader.command += f" --ablate {','.join(ablate)}"
    if "jail" in off.split(","):
        s.grader.command += " --jail off"
        s.grader.tmpfs = {}  # the unconfined grader runs programs from /tmp
    return s


def score(r: GradeResult, seconds: float) -> dict[str, Any]:
    return {"passed": r.passed, "total": r.total, "error": r.error, "seconds": round(seconds, 1),
            "percent": round(100 * r.passed / r.total, 1) if r.total else 0.0,
            "tiers": _tiers(r)}


def _tiers(r: GradeResult) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for stage, (p, n) in r.stages.items():
        t = out.setdefault(stage.split("/")[0] if "/" in stage else "all", [0, 0])
        t[0] += p
        t[1] += n
    return out


class Grader:
    """Grades workspaces in a scenario's grader container: the toy's by its own image, the
    c-compiler's in a given image (the grader's, or tcc's)."""

    def __init__(self, client: Any, tmp: Path) -> None:
        self.client = client
        self.tmp = tmp
        self.n = 0

    def toy(self, ws: Path, stages: str | None, off: str = "") -> dict[str, Any]:
        t = time.monotonic()
        r = grade_workspace(scenario("toy-c-compiler", stages, off), ws, "docker")
        return score(r, time.monotonic() - t)

    def cc(self, image: str, ws: Path, stages: str | None, off: str = "") -> dict[str, Any]:
        self.n += 1
        copy = self.tmp / f"grade-{self.n}"
        copy_workspace(ws, copy)
        t = time.monotonic()
        r = docker_grader(self.client, scenario("c-compiler", stages, off), image,
                          run_id=f"bench-anticheat-{self.n}").grade(copy)
        shutil.rmtree(copy, ignore_errors=True)
        return score(r, time.monotonic() - t)


def reference_workspace(dest: Path) -> Path:
    shutil.copytree(TOYC / "workspace", dest)
    write_stage(TOYC / "reference" / "staged", dest)  # the reference: its last stage
    return dest


def run_all(args: argparse.Namespace, tmp: Path, say: Callable[[str], None]) -> dict[str, Any]:
    client = connect()
    grader = Grader(client, tmp)
    toy_cheats = _tool(TOYC / "tools" / "cheats.py", "toyc_cheats")
    kinds = [k for k in toy_cheats.KINDS if not args.only or k.name in args.only.split(",")]
    out: dict[str, Any] = {"stages": args.stages or "all"}
    t0 = time.monotonic()
    toy_ws = toy_cheats.build([k.name for k in kinds], tmp / "toy")
    out["toy_build_s"] = round(time.monotonic() - t0, 1)
    ref = reference_workspace(tmp / "reference")
    cc_images: dict[str, str] = {}
    cc_grader = ""
    if not args.skip_c_compiler:
        say("c-compiler images (the scenario's, narrowed to --projects if given)")
        candidates = _tool(CC / "tools" / "candidates.py", "cc_candidates")
        cc_scenario = load_scenario("c-compiler")
        projects = args.projects.split(",") if args.projects else None
        cc_images, _ = candidates.candidate_images(client, cc_scenario, say, projects)
        cc_grader = grader_image(client, cc_scenario, cc_images["gcc"])
        tcc_ws = candidates.wrapper_workspace(tmp / "tcc", "tcc")

    # 4. the cost of the defences, first and alone
    say("timing the defences: the toy reference, then tcc on every c-compiler tier")
    cost: dict[str, Any] = {"toy-c-compiler reference (all 380)": {
        "shipped": grader.toy(ref, None), "no defences": grader.toy(
            ref, None, ALL_OFF["toy-c-compiler"])}}
    if cc_images:
        cost["c-compiler tcc (every tier)"] = {
            "shipped": grader.cc(cc_images["tcc"], tcc_ws, None),
            "no defences": grader.cc(cc_images["tcc"], tcc_ws, None, ALL_OFF["c-compiler"])}
    out["cost"] = cost

    # 1. toy-c-compiler's cheats
    def toy_job(job: tuple[str, str]) -> tuple[str, str, dict[str, Any]]:
        name, off = job
        kind = toy_cheats.BY_NAME[name]
        stages: str | None = args.stages or ("01-return" if kind.unpacks
                                             else "01-return,17-invalid")
        if kind.honest or (args.full and not off and not kind.unpacks):
            stages = None  # the whole suite
        return name, off, grader.toy(toy_ws[name], stages, off)

    jobs = [(k.name, off) for k in kinds for off in ["", *(configs(k.ablate)
                                                          if args.ablate else [])]]
    say(f"grading {len(jobs)} toy-c-compiler workspaces")
    with ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        toy_rows: dict[str, Any] = {k.name: {"what": k.what, "honest": k.honest,
                                             "ablate": k.ablate, "graded": {}} for k in kinds}
        for name, off, res in pool.map(toy_job, jobs):
            toy_rows[name]["graded"][off or "shipped"] = res
    out["toy_cheats"] = toy_rows

    # 2. c-compiler tier 5's cheats; 3. honest compilers per tier
    honest: dict[str, Any] = {
        "toy-c-compiler: reference": cost["toy-c-compiler reference (all 380)"]["shipped"]}
    if "honest-c" in toy_rows:
        honest["toy-c-compiler: honest-c"] = toy_rows["honest-c"]["graded"]["shipped"]
    if cc_images:
        cc_cheats = _tool(CC / "tools" / "cheats.py", "cc_cheats")
        have = [p for p in STAGE_OF if p in (args.projects.split(",") if args.projects
                                             else STAGE_OF)]
        say("building c-compiler's tier-5 cheats in the agent image")
        cc_ws = cc_cheats.build([k.name for k in cc_cheats.KINDS], tmp / "cc", cc_images["gcc"],
                                have, client)
        cc_rows: dict[str, Any] = {}
        for k in cc_cheats.KINDS:
            stages = ",".join(STAGE_OF[p] for p in (have if k.name == "gcc-object-cache"
                                                   else k.projects))
            graded = {off or "shipped": grader.cc(cc_grader, cc_ws[k.name], stages, off)
                      for off in ["", *configs(k.ablate)]}
            cc_rows[k.name] = {"what": k.what, "ablate": k.ablate, "stages": stages,
                               "graded": graded}
        out["c_compiler_cheats"] = cc_rows
        honest["c-compiler: tcc"] = cost["c-compiler tcc (every tier)"]["shipped"]
        honest["c-compiler: toy reference"] = grader.cc(cc_grader, ref, "t1")
        if "honest-c" in toy_ws:
            honest["c-compiler: honest-c"] = grader.cc(cc_grader, toy_ws["honest-c"], "t1")
    out["honest"] = honest
    cheat_scores = [r["graded"]["shipped"]["percent"] for r in toy_rows.values()
                    if not r["honest"]]
    cheat_scores += [r["graded"]["shipped"]["percent"]
                     for r in out.get("c_compiler_cheats", {}).values()]
    out["target_cheat_percent_max"] = 2.0
    out["worst_cheat_percent"] = max(cheat_scores, default=0.0)
    return out


def _cell(r: dict[str, Any]) -> str:
    if r["error"]:
        return f"error: {r['error'][:40]}"
    return f"{r['passed']}/{r['total']} ({r['percent']:g}%)"


def show(out: dict[str, Any], console: Console) -> None:
    t = Table(title="toy-c-compiler: cheating workspaces (each off: the defences that stop it, "
                    "switched off)")
    for col in ("workspace", "what it does", "as shipped", "defences off: score"):
        t.add_column(col)
    for name, row in out["toy_cheats"].items():
        offs = [f"{off}: {_cell(r)}" for off, r in row["graded"].items() if off != "shipped"]
        label = f"[green]{name}[/green]" if row["honest"] else name
        t.add_row(label, row["what"], _cell(row["graded"]["shipped"]), "\n".join(offs))
    console.print(t)
    if "c_compiler_cheats" in out:
        t = Table(title="c-compiler tier 5: served without compiling")
        for col in ("workspace", "what it does", "stages", "as shipped", "defences off"):
            t.add_column(col)
        for name, row in out["c_compiler_cheats"].items():
            offs = [f"{off}: {_cell(r)}" for off, r in row["graded"].items() if off != "shipped"]
            t.add_row(name, row["what"], row["stages"], _cell(row["graded"]["shipped"]),
                      "\n".join(offs))
        console.print(t)
    t = Table(title="honest compilers, per tier (as shipped)")
    for col in ("compiler", "tiers", "total", "grade s"):
        t.add_column(col)
    for name, r in out["honest"].items():
        tiers = "  ".join(f"{k} {p}/{n}" for k, (p, n) in sorted(r["tiers"].items()))
        t.add_row(name, tiers, _cell(r), str(r["seconds"]))
    console.print(t)
    t = Table(title="what the defences cost: grading time with them and without")
    for col in ("grading", "with defences", "s", "without", "s"):
        t.add_column(col)
    for name, r in out["cost"].items():
        t.add_row(name, _cell(r["shipped"]), str(r["shipped"]["seconds"]),
                  _cell(r["no defences"]), str(r["no defences"]["seconds"]))
    console.print(t)
    console.print(f"worst cheat as shipped: {out['worst_cheat_percent']}% (target <= 2%); toy "
                  f"workspaces built in {out['toy_build_s']} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--stages", default=None,
                    help="toy stages for the cheats (default: 01-return,17-invalid)")
    ap.add_argument("--ablate", action="store_true",
                    help="also grade each toy cheat with the defences that stop it off")
    ap.add_argument("--full", action="store_true",
                    help="grade the toy cheats as shipped on the whole suite (but the four that "
                         "unpack 33 MB at every compile)")
    ap.add_argument("--only", default=None, help="comma-separated toy workspace names")
    ap.add_argument("--projects", default=None,
                    help="c-compiler: tier-5 projects of a narrowed image (default: all five)")
    ap.add_argument("--skip-c-compiler", action="store_true")
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    console = Console(stderr=args.json)
    tmp = Path(tempfile.mkdtemp(prefix="bench-anticheat-"))
    try:
        out = run_all(args, tmp, lambda m: console.print(f"[dim]{m}[/dim]"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        show(out, console)


if __name__ == "__main__":
    main()
