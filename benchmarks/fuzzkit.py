"""What the fuzz benchmarks share: the graders' fuzz modules on a host, candidate workspaces,
and one tier's programs as a ``fuzz.Source``.

The graders' modules are python3 stdlib files of the scenarios (``fuzz.py``, ``toygen.py`` in
toy-c-compiler's grader, ``csmithgen.py`` in c-compiler's, c-compiler's ``suite.py`` for its
candidate check); on a host they run unconfined (``jail.Unconfined``): the figures are about
agreement and speed, the jail's own cost is measured in Docker (``fuzz_speed.py``).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "scenarios" / "toy-c-compiler"
CC = ROOT / "scenarios" / "c-compiler"
for p in (ROOT, TOY / "grader", CC / "grader", CC / "image" / "programs"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import csmithgen  # noqa: E402
import fuzz  # noqa: E402
import jail  # noqa: E402
import suite  # noqa: E402
import toygen  # noqa: E402
from runner import run_limited  # noqa: E402

# gcc, except that `a % b` (operators between spaces, as the generators write them) is `a / b`
PERCENT_AS_DIV = ('src=""; for a in "$@"; do case "$a" in *.c) src="$a";; esac; done\n'
                  'sed "s| % | / |g" "$src" > "$src.x.c" && mv "$src.x.c" "$src"\n')


def workspace(dest: Path, script: str) -> Path:
    """A workspace whose ``compile`` is ``script`` (a /bin/sh body)."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "compile").write_text("#!/bin/sh\n" + script)
    (dest / "compile").chmod(0o755)
    return dest


def reference(dest: Path) -> Path:
    """The toy reference compiler (``compile`` and ``toyc/``)."""
    from ultrarun.policy import write_stage

    write_stage(TOY / "reference" / "staged", dest)
    return dest


class OneTier:
    """``fuzz.Source``: every program at one tier (``toy``, or c-compiler's t1-t4)."""

    def __init__(self, tier: str) -> None:
        self.tier = tier
        self.cc = csmithgen.CsmithPrograms()

    def make(self, seed: int, index: int) -> Any:
        if self.tier == "toy":
            return toygen.ToyPrograms().make(seed, index)
        case = self.cc.make(seed, csmithgen.ORDER.index(self.tier))  # the tier's slot
        return dataclasses.replace(case, index=index)


def fuzz_host(ws: Path, tier: str, programs: int, seed: int,
              jobs: int = os.cpu_count() or 2,
              oracle_timeout: float | None = None) -> tuple[dict[str, Any], float]:
    """``programs`` programs of ``tier`` against ``ws``'s compile, unconfined: the grader's
    fuzz result and the seconds it took (``oracle_timeout``: other than the grader's)."""
    cells = jail.Unconfined(ws)
    ctx = suite.Context(str((ws / "compile").resolve()), cells, run_limited, 30.0, 10.0)
    plan = fuzz.Plan(programs, seed)
    if oracle_timeout is not None:
        plan = dataclasses.replace(plan, oracle_timeout=oracle_timeout)
    t0 = time.monotonic()
    with ThreadPoolExecutor(jobs) as pool:
        out = fuzz.run_fuzz(plan, OneTier(tier), cells,
                            lambda i, p, want: suite.check_valid(ctx, i, p, want), pool, 0)
    return out, time.monotonic() - t0


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())
