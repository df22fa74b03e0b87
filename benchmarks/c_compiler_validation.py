"""Validation of the c-compiler suite with real compilers, and its grading time per tier.

Two real compilers are graded as candidates, tier by tier, in the scenario's grader container
(the way a run grades: `agent.scenario.grading.docker_grader`, isolated, with the anti-cheat):

- gcc itself, wrapped as `compile`, in a test-only image where gcc's front end is whole (the
  scenario's agent image): it must score (close to) 100% — anything less is a suite bug;
- Debian's tcc, wrapped as `compile`, in a test-only image (the grader image plus tcc): a
  real, small compiler; it scores high except where it lacks features (no `-S`, ...).

The images come from the scenario's tools/candidates.py (shared with the tests). Also the
build time of the scenario's image (tier-5 sources fetched and prepared) and of tcc's, when
they were not built yet. `--per-stage t5` grades a tier one stage at a time, to time each.

    python benchmarks/c_compiler_validation.py [--tiers t1,t5] [--compilers gcc,tcc]
        [--per-stage t5] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agent.scenario.grading import copy_workspace, docker_grader  # noqa: E402
from agent.scenario.loader import load_scenario  # noqa: E402
from sandboxes.engine import connect  # noqa: E402

TIERS = ["t1", "t2", "t3", "t4", "t5"]


def _candidates() -> ModuleType:
    """The scenario's tools/candidates.py (test images and wrappers, shared with the tests)."""
    path = ROOT / "scenarios" / "c-compiler" / "tools" / "candidates.py"
    spec = importlib.util.spec_from_file_location("_cc_candidates", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


candidates = _candidates()


def grade_tier(client, scenario, image: str, compiler: str, tier: str,
               stages: list[str] | None = None) -> dict:
    """Grade one tier of a wrapper workspace: {passed, total, seconds, stages, error}; with
    ``stages``, one grading per stage (``stage_seconds``), the tier's time their sum."""
    if stages:
        parts = [grade_tier(client, _narrowed(scenario, s), image, compiler, tier)
                 for s in stages]
        return {"passed": sum(r["passed"] for r in parts),
                "total": sum(r["total"] for r in parts),
                "seconds": round(sum(r["seconds"] for r in parts), 1),
                "stages": {k: v for r in parts for k, v in r["stages"].items()},
                "stage_seconds": {s: r["seconds"] for s, r in zip(stages, parts, strict=True)},
                "error": next((r["error"] for r in parts if r["error"]), None),
                "failing": sorted(k for r in parts for k in r["failing"])}
    with tempfile.TemporaryDirectory(prefix="ccval-") as tmp:
        ws = candidates.wrapper_workspace(Path(tmp) / "src", compiler)
        copy = Path(tmp) / "workspace"
        copy_workspace(ws, copy)
        grader = docker_grader(client, scenario, image, run_id="ccval")
        t0 = time.monotonic()
        result = grader.grade(copy, [t for t in TIERS if t != tier])
        seconds = time.monotonic() - t0
    return {"passed": result.passed, "total": result.total, "seconds": round(seconds, 1),
            "stages": result.stages, "error": result.error,
            "failing": sorted(k for k, v in result.tests.items() if v != "pass")}


def _narrowed(scenario, stage: str):
    """The scenario with a grader that grades one stage (a stage id prefix) only."""
    copy = scenario.model_copy(deep=True)
    copy.grader.command += f" --stages {stage}"
    return copy


def _stage_ids(tier: str) -> list[str]:
    """A tier's stage ids: its hidden test folders, or tier 5's projects."""
    if tier == "t5":
        sys.path.insert(0, str(ROOT / "scenarios" / "c-compiler" / "image" / "programs"))
        import programs  # the scenario's tier-5 module: its projects

        return [f"t5/{p.stage}" for p in programs.PROJECTS]
    # Tier 1 is toy-c-compiler's suite, included (scenario.yaml `include:`).
    root = ROOT / "scenarios" / "toy-c-compiler" / "grader" / "tests" if tier == "t1" else \
        ROOT / "scenarios" / "c-compiler" / "grader" / "tests" / tier
    return sorted(f"{tier}/{d.name}" for d in root.iterdir() if d.is_dir())


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--tiers", default=",".join(TIERS))
    ap.add_argument("--compilers", default="gcc,tcc")
    ap.add_argument("--per-stage", default="", help="tiers graded one stage at a time, to "
                    "time each stage (e.g. t5)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    console = Console(stderr=True)
    client = connect()
    if client is None:
        sys.exit("no Docker engine answers (see `ultrarun sandbox doctor`)")
    scenario = load_scenario("c-compiler")
    imgs, times = candidates.candidate_images(client, scenario, lambda m: console.log(m[:100]))
    tiers = [t for t in args.tiers.split(",") if t]
    results: dict[str, dict[str, dict]] = {}
    for cc in [c for c in args.compilers.split(",") if c]:
        for tier in tiers:
            console.log(f"grading {tier} with {cc}")
            split = _stage_ids(tier) if tier in args.per_stage.split(",") else None
            results.setdefault(cc, {})[tier] = grade_tier(client, scenario, imgs[cc],
                                                          cc, tier, split)
    out = {"images": times, "results": results,
           "full_grade_s": {cc: round(sum(r["seconds"] for r in rs.values()), 1)
                            for cc, rs in results.items()},
           "target_full_grade_s": 300}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    table = Table(title="c-compiler suite: real compilers as candidates (Docker grader)")
    table.add_column("tier")
    for cc in results:
        table.add_column(f"{cc} passed", justify="right")
        table.add_column(f"{cc} grade s", justify="right")
    for tier in tiers:
        row = [tier]
        for cc in results:
            r = results[cc][tier]
            row += [f"{r['passed']}/{r['total']} ({100 * r['passed'] / max(r['total'], 1):.1f}%)"
                    + (f" ERROR {r['error'][:40]}" if r["error"] else ""), f"{r['seconds']}"]
        table.add_row(*row)
    Console().print(table)
    for cc, s in out["full_grade_s"].items():
        print(f"full grade with {cc}: {s} s (target {out['target_full_grade_s']} s)")
    for name, s in times.items():
        print(f"{name}: {s}")
    for cc, rs in results.items():
        for r in rs.values():
            for stage, s in r.get("stage_seconds", {}).items():
                print(f"{cc} {stage}: {r['stages'].get(stage)} in {s} s")


if __name__ == "__main__":
    main()
