"""The fuzz measure on the harness's side: what a grader reports, and what to ask it.

A scenario with ``grader.fuzz`` (docs/scenarios.md, "The fuzz measure") is asked, at every
evaluation, for ``programs`` fresh random programs drawn from a seed drawn here (recorded in
the evaluation event, never used twice): ``$ULTRARUN_FUZZ=N:SEED``. gcc's part (the programs
and their expected outputs: nothing of the candidate's) is made first, in a grading of its own
on an empty workspace while the agent works (``$ULTRARUN_FUZZ_ORACLE=1``; the grader prints it
as ``"oracle"``), and handed to the sealed grading (``$ULTRARUN_FUZZ_EXPECTED``), which then
only runs the candidate on those programs. Its last line carries ``"fuzz"``: programs tried
and their outcomes (``FuzzResult``). After the evaluation, off the agent's critical path, the
first few miscompiled programs are shrunk by the grader (``$ULTRARUN_FUZZ_REDUCE``), and the
result recorded as a ``reduction`` event.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

FUZZ_ENV = "ULTRARUN_FUZZ"
ORACLE_ENV = "ULTRARUN_FUZZ_ORACLE"
EXPECTED_ENV = "ULTRARUN_FUZZ_EXPECTED"
# gcc's table handed back in the grader's environment: Linux takes 128 KiB per string; a
# larger one (over ~1,000 programs) is not passed, and the sealed grading runs gcc itself.
ORACLE_CAP = 96 << 10
REDUCE_ENV = "ULTRARUN_FUZZ_REDUCE"
OUTCOMES = ("agreed", "miscompiled", "crashed", "rejected")
SOURCE_CAP = 64 << 10  # characters of any text a grader reports that are kept


class RunOutput(BaseModel):
    model_config = ConfigDict(extra="ignore")

    exit_code: int | None = None
    stdout: str = ""


class FuzzFailure(BaseModel):
    """A program the candidate did not agree with gcc on (regenerated from ``seed``)."""

    model_config = ConfigDict(extra="ignore")

    index: int
    seed: int
    tier: str = ""
    outcome: str
    reason: str = ""
    features: list[str] = Field(default_factory=list)
    expected: RunOutput | None = None
    got: RunOutput | None = None
    lines: int | None = None  # of its source


class FuzzResult(BaseModel):
    """What the grader's ``"fuzz"`` says: outcomes, counts by feature and tier, failures."""

    model_config = ConfigDict(extra="ignore")

    seed: int
    programs: int
    tried: int = 0
    agreed: int = 0
    miscompiled: int = 0
    crashed: int = 0
    rejected: int = 0
    unusable: int = 0  # no program both gcc builds agreed on, in the attempts allowed
    discarded: int = 0  # programs replaced (gcc -O0 and -O2 disagreed, timed out, ...)
    discards: dict[str, int] = Field(default_factory=dict)
    by_feature: dict[str, list[int]] = Field(default_factory=dict)  # [tried, agreed]
    by_tier: dict[str, list[int]] = Field(default_factory=dict)
    failures: list[FuzzFailure] = Field(default_factory=list)
    # Set by the harness: seconds gcc's part took before the seal (None: it ran in the seal).
    oracle_s: float | None = None

    @property
    def rate(self) -> float | None:
        return self.agreed / self.tried if self.tried else None


class Reduced(BaseModel):
    """A miscompiled program after C-Reduce: its original and reduced source, and gcc's
    (``expected``) and the candidate's (``got``) output on the reduced one."""

    model_config = ConfigDict(extra="ignore")

    index: int
    seed: int
    tier: str = ""
    status: str = ""
    features: list[str] = Field(default_factory=list)
    source: str = ""
    reduced: str = ""
    lines_before: int = 0
    lines_after: int = 0
    expected: RunOutput | None = None
    got: RunOutput | None = None
    reason: str = ""
    seconds: float = 0.0
    checks: int = 0


def fuzz_line(f: FuzzResult) -> str:
    """``fuzz 27/30 agreed with gcc (3 miscompiled), seed 7``."""
    rest = ", ".join(f"{getattr(f, k)} {k}" for k in OUTCOMES[1:] if getattr(f, k))
    discard = f", {f.discarded} replaced" if f.discarded else ""
    return (f"fuzz {f.agreed}/{f.tried} agreed with gcc" + (f" ({rest})" if rest else "")
            + f"{discard}, seed {f.seed}")


def draw_seed() -> int:
    """A fresh seed for one evaluation's programs (63 bits: never the same twice)."""
    return secrets.randbits(63)


def evaluation_seed(base: int, tool_calls: int, final: bool) -> int:
    """The seed of the evaluation at ``tool_calls`` of a run given ``--fuzz-seed base``."""
    digest = hashlib.sha256(f"ultrarun-eval:{base}:{tool_calls}:{int(final)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def fuzz_env(programs: int, seed: int, table: str | None = None) -> dict[str, str]:
    """The sealed grading's request: these programs (and gcc's part, made before)."""
    return {FUZZ_ENV: f"{programs}:{seed}", **({EXPECTED_ENV: table} if table else {})}


def oracle_env(programs: int, seed: int) -> dict[str, str]:
    """The request for gcc's part alone."""
    return {FUZZ_ENV: f"{programs}:{seed}", ORACLE_ENV: "1"}


def reduce_env(failures: list[FuzzFailure], count: int, seconds: float) -> dict[str, str] | None:
    """Ask for the first ``count`` miscompiles to be reduced; None when there are none."""
    # the smallest first: they reduce furthest within the time bound
    picked = sorted((f for f in failures if f.outcome == "miscompiled"),
                    key=lambda f: (f.lines or 1 << 30, f.index))[:count]
    if not picked:
        return None
    cases = [{"index": f.index, "seed": f.seed} for f in picked]
    return {REDUCE_ENV: json.dumps({"cases": cases, "seconds": seconds})}


def parse_fuzz(data: Any) -> FuzzResult | None:
    """The grader's ``"fuzz"`` object, or None when it gave none or a malformed one."""
    if not isinstance(data, dict):
        return None
    try:
        return FuzzResult.model_validate(_clip(data))
    except ValidationError:
        return None


def parse_reduced(data: Any) -> list[Reduced]:
    out = []
    for item in data if isinstance(data, list) else []:
        try:
            out.append(Reduced.model_validate(_clip(item)))
        except ValidationError:
            continue
    return out


def _clip(data: Any) -> Any:
    """Long texts cut to what the models keep (a grader may print much)."""
    if isinstance(data, dict):
        return {k: _clip(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_clip(v) for v in data]
    if isinstance(data, str) and len(data) > SOURCE_CAP:
        return data[:SOURCE_CAP]
    return data
