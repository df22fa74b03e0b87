"""Differential fuzzing in the grader: fresh programs, gcc's answer, the candidate in the jail.

python3 stdlib only; the toy C compiler's grader and c-compiler's (which includes this file)
call ``run_fuzz`` after their suite. An evaluation draws ``programs`` programs from ``seed``
(the harness records it in the evaluation event and never reuses one): program ``i`` comes
from the generator seed ``derive(seed, i, attempt)``. For each program:

1. gcc (root, the front ends the grader keeps out of the candidate's reach) builds it at
   ``-O0`` and ``-O2`` in a jail cell; both binaries run sealed, like a candidate's. If the
   two disagree, one fails, or one runs past ``oracle_timeout``, the program is discarded and
   replaced by the next attempt (``attempts`` at most). This part needs no candidate: ultrarun
   has it made before the sealed grading (``make_table``, ``$ULTRARUN_FUZZ_ORACLE``) and hands
   the table back (``$ULTRARUN_FUZZ_EXPECTED``), the programs then regenerated from their
   seeds and gcc's outputs taken from it;
2. the candidate compiles and runs it exactly as a hidden test (the grader's own function,
   ``candidate``: same cell, vetting and sealing), and the outcome is one of
   ``agreed`` (same stdout and exit code), ``miscompiled`` (it built a program whose output
   or exit code differs, that crashed or ran past the limit), ``crashed`` (the compiler died
   by a signal or ran past its limit) or ``rejected`` (it refused the program, or built
   nothing that may run).

The result (``summarise``) goes into the grader's last line as ``"fuzz"``: counts, counts by
feature and by tier, the discards and why, and the failures with the seeds that regenerate
them (``reduce.py`` shrinks the first few, later, from those seeds).
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import json
import os
import secrets
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from jail import DEFAULT_FRONT_ENDS
from runner import run_limited

FUZZ_ENV = "ULTRARUN_FUZZ"  # "N:SEED", set by ultrarun for each evaluation
# The oracle's part, before the seal (docs/scenarios.md, "The fuzz measure"): with "1", draw
# the programs and run gcc on them only (no workspace, no candidate, no test) and print the
# table of what gcc says ("oracle"); ultrarun hands that table back, as ``EXPECTED_ENV``, to
# the sealed grading, which then runs only the candidate on those programs.
ORACLE_ENV = "ULTRARUN_FUZZ_ORACLE"
EXPECTED_ENV = "ULTRARUN_FUZZ_EXPECTED"
OUTCOMES = ("agreed", "miscompiled", "crashed", "rejected")
OUTPUT_CAP = 1 << 20
SHOWN = 400  # characters of an output kept in a failure


@dataclass(frozen=True)
class Case:
    """One program of an evaluation: where it comes from and how to build it."""

    index: int  # its place in the evaluation
    seed: int  # the generator's seed: the same program again, anywhere
    tier: str  # the feature level it was drawn at (the toy subset, csmith's t2...)
    source: str
    features: tuple[str, ...]
    flags: tuple[str, ...] = ()  # compiler flags it needs (e.g. -I for csmith's headers)


class Source(Protocol):
    """Where an evaluation's programs come from (the toy generator, csmith)."""

    def make(self, seed: int, index: int) -> Case:
        """Program number ``index`` of an evaluation, from the generator seed ``seed``."""
        ...


# The grader's own check of a valid program (toy: grade_valid): (verdict, details).
Candidate = Callable[[int, Path, dict[str, Any]], tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Plan:
    programs: int
    seed: int
    attempts: int = 5
    # A gcc-built program runs this long at most. The generators' programs either end within
    # milliseconds (toygen's budget; Csmith's, measured: 7 ms at most at -O0) or loop for
    # seconds: a long bound only burns CPU on programs that will be discarded anyway, and a
    # program that needs it could time out in a naive candidate's code
    # (benchmarks/fuzz_speed.py; scenarios' READMEs, "Fuzzing").
    oracle_timeout: float = 0.5
    compile_timeout: float = 120.0
    kept: int = 20  # failures listed in the result
    only: bool = False  # the fuzz programs alone, no test of the suite
    make_oracle: bool = False  # gcc's part alone: the table of expected outputs
    # gcc's part made before (``make_table``): index -> its row; None: gcc runs here
    known: dict[int, dict[str, Any]] | None = None

    @property
    def no_suite(self) -> bool:
        """This grading grades no test of the suite (the fuzz programs, or gcc's part, alone)."""
        return self.only or self.make_oracle


def derive(seed: int, index: int, attempt: int) -> int:
    """The generator seed of attempt ``attempt`` at program ``index`` of evaluation ``seed``."""
    digest = hashlib.sha256(f"ultrarun-fuzz:{seed}:{index}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def add_options(ap: argparse.ArgumentParser, generator: str) -> None:
    """The fuzz measure's options of a grader (``generator``: the module its programs come
    from); ``plan_from`` and ``reduce.request_from`` read them."""
    ap.add_argument("--fuzz", type=int, default=None, metavar="N",
                    help=f"also try N fresh random programs against gcc ({generator}, "
                         "fuzz.py; default: $ULTRARUN_FUZZ, N:SEED)")
    ap.add_argument("--fuzz-seed", type=int, default=None, metavar="S",
                    help="the seed the fuzz programs are drawn from (default: a fresh one)")
    ap.add_argument("--fuzz-only", action="store_true",
                    help="grade the fuzz programs only, no test of the suite")
    ap.add_argument("--fuzz-oracle", action="store_true",
                    help="only draw the fuzz programs and run gcc on them; print the table "
                         "of expected outputs (default: $ULTRARUN_FUZZ_ORACLE)")
    ap.add_argument("--reduce", default=None, metavar="JSON",
                    help='only shrink these fuzz programs with C-Reduce (reduce.py): '
                         '{"cases": [{"index": I, "seed": S}], "seconds": T} (default: '
                         '$ULTRARUN_FUZZ_REDUCE)')


def plan_from(programs: int | None, seed: int | None, only: bool = False,
              make_oracle: bool = False, env: dict[str, str] | None = None) -> Plan | None:
    """The fuzz plan of this grading: flags first, else ``$ULTRARUN_FUZZ`` ("N:SEED"),
    ``$ULTRARUN_FUZZ_ORACLE`` and ``$ULTRARUN_FUZZ_EXPECTED``."""
    env = os.environ if env is None else env
    table = None
    if programs is None and env.get(FUZZ_ENV):
        n, _, s = env[FUZZ_ENV].partition(":")
        programs, seed = int(n), int(s) if s else None
        make_oracle = make_oracle or env.get(ORACLE_ENV, "") not in ("", "0")
        table = env.get(EXPECTED_ENV)
    if env is os.environ:  # gcc's outputs: never in the environment of a process we start
        os.environ.pop(EXPECTED_ENV, None)
    if not programs or programs <= 0:
        return None
    plan = Plan(programs, secrets.randbits(63) if seed is None else seed, only=only,
                make_oracle=make_oracle)
    if table and not make_oracle:
        plan = dataclasses.replace(plan, known=read_table(table, plan))
    return plan


def encode_table(plan: Plan, rows: list[dict[str, Any]]) -> str:
    """gcc's part of ``plan`` as one short string (compressed JSON): it travels back to the
    grader in its environment."""
    data = json.dumps({"seed": plan.seed, "programs": plan.programs, "rows": rows},
                      separators=(",", ":"))
    return base64.b64encode(zlib.compress(data.encode(), 9)).decode()


def read_table(text: str, plan: Plan) -> dict[int, dict[str, Any]] | None:
    """The table made for ``plan`` (None: unreadable or another plan's: gcc runs here)."""
    try:
        data = json.loads(zlib.decompress(base64.b64decode(text, validate=True)))
        if (data["seed"], data["programs"]) != (plan.seed, plan.programs):
            return None
        return {int(r["index"]): r for r in data["rows"]}
    except (ValueError, KeyError, TypeError, zlib.error):
        return None


# ----------------------------------------------------------------------------- the oracle


def gcc_command(front_ends: Path = DEFAULT_FRONT_ENDS) -> list[str]:
    """gcc whole: with ``-B`` to the front ends the grader's setup moved away, if it did."""
    argv = ["gcc", "-std=gnu11", "-w"]
    if (front_ends / "cc1").is_file():
        argv += ["-B", f"{front_ends}/"]
    return argv


@dataclass(frozen=True)
class Expected:
    exit_code: int
    stdout: str


def run_built(cells: Any, cell: Any, program: Path, timeout: float) -> Any:
    """Run a built program in ``cell`` as the grader runs a candidate's (sealed)."""
    with cells.program(cell, program) as how:
        return run_limited(how.argv, cell.workdir, timeout, OUTPUT_CAP, env=how.env,
                           pass_fds=how.fds)


def gcc_run(cells: Any, index: int, case: Case, plan: Plan, gcc: list[str],
            opt: str) -> Expected | str:
    """gcc's build of ``case`` at ``opt``, run in cell ``index``: its output, or why the
    program cannot be used."""
    with cells.cell(index) as cell:
        cells.put(cell, "t.c", case.source.encode())
        # gcc runs as the grader (root), never in the cell's uid: the front ends stay out of
        # the candidate's reach.
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TMPDIR": str(cell.workdir)}
        libs = [f for f in case.flags if f.startswith(("-l", "-L"))]
        comp = run_limited([*gcc, opt, *(f for f in case.flags if f not in libs), "t.c",
                            "-o", "t", *libs], cell.workdir, plan.compile_timeout, env=env)
        if comp.returncode != 0:
            return f"gcc {opt} did not build it"
        program = cells.install(cell, "t")
        run = run_built(cells, cell, program, plan.oracle_timeout)
    if run.timed_out:
        return f"ran past {plan.oracle_timeout:g} s (gcc {opt})"
    if run.returncode is None or run.returncode < 0 or run.stdout_truncated:
        return f"crashed or printed too much (gcc {opt})"
    try:
        return Expected(run.returncode, run.stdout.decode("utf-8"))
    except UnicodeDecodeError:
        return "output is not UTF-8"


def oracle(cells: Any, index: int, case: Case, plan: Plan,
           gcc: list[str]) -> Expected | str:
    """gcc's output for ``case`` (-O0 and -O2 agreeing), or why the program is discarded."""
    first = gcc_run(cells, index, case, plan, gcc, "-O0")
    if isinstance(first, str):
        return first
    second = gcc_run(cells, index, case, plan, gcc, "-O2")
    if isinstance(second, str):
        return second
    return first if first == second else "gcc -O0 and -O2 disagree"


# --------------------------------------------------------------------------- one program


@dataclass
class Outcome:
    case: Case | None  # None: no usable program in ``attempts`` tries
    outcome: str = ""
    reason: str = ""
    expected: Expected | None = None
    got: dict[str, Any] = field(default_factory=dict)
    discards: list[str] = field(default_factory=list)


def classify(verdict: str, details: dict[str, Any]) -> tuple[str, str]:
    """A candidate's verdict on a valid program, as a fuzz outcome (and the reason). The
    details are the grader's: ``compile_rc`` (toy) or ``step<i>.rc`` (c-compiler's builds)."""
    reason = str(details.get("reason", ""))
    if verdict == "pass":
        return "agreed", ""
    if "run_rc" in details:  # its program ran
        return "miscompiled", reason
    rcs = [details["compile_rc"]] if "compile_rc" in details else \
        [v.get("rc") for k, v in details.items() if k.startswith("step") and isinstance(v, dict)]
    if verdict == "timeout" or not rcs or any(rc is None or rc < 0 for rc in rcs):
        return "crashed", reason
    return "rejected", reason


def draw(source: Source, cells: Any, plan: Plan, index: int, cell: int, gcc: list[str],
         with_oracle: bool = True) -> Outcome:
    """Program ``index`` and gcc's output for it, replacing discarded programs (without
    ``with_oracle``: the first program drawn, and no output)."""
    out = Outcome(None)
    for attempt in range(plan.attempts):
        try:
            case = source.make(derive(plan.seed, index, attempt), index)
        except Exception as exc:  # a generator's failure costs the program, not the grading
            out.discards.append(f"generator failed: {str(exc)[:200]}")
            continue
        expected = oracle(cells, cell, case, plan, gcc) if with_oracle else None
        if isinstance(expected, str):
            out.discards.append(expected)
            continue
        out.case, out.expected = case, expected
        break
    return out


def recall(source: Source, row: dict[str, Any], index: int) -> Outcome:
    """Program ``index`` as the table made before says: its program again, gcc's output."""
    out = Outcome(None, discards=[str(d) for d in row.get("discards", [])])
    if row.get("seed") is None:
        return out
    try:
        case = source.make(int(row["seed"]), index)
    except Exception as exc:  # as in ``draw``
        out.discards.append(f"generator failed: {str(exc)[:200]}")
        return out
    exit_code, stdout = row["expected"]
    out.case, out.expected = case, Expected(int(exit_code), str(stdout))
    return out


def table_row(o: Outcome, index: int) -> dict[str, Any]:
    return {"index": index, "seed": o.case.seed if o.case else None, "discards": o.discards,
            "expected": [o.expected.exit_code, o.expected.stdout] if o.expected else None}


def make_table(plan: Plan, source: Source, cells: Any, pool: Executor,
               first_cell: int) -> str:
    """gcc's part of ``plan``, for a grading to come (``encode_table``)."""
    gcc = gcc_command()
    futures = [pool.submit(draw, source, cells, plan, i, first_cell + i, gcc)
               for i in range(plan.programs)]
    return encode_table(plan, [table_row(f.result(), i) for i, f in enumerate(futures)])


def fuzz_one(source: Source, cells: Any, candidate: Candidate, plan: Plan, index: int,
             cell: int, gcc: list[str], refused: str | None) -> Outcome:
    """Program ``index``: drawn (replacing discarded ones) or recalled from the table made
    before, then the candidate's outcome."""
    row = plan.known.get(index) if plan.known is not None else None
    out = recall(source, row, index) if row is not None else \
        draw(source, cells, plan, index, cell, gcc, with_oracle=refused is None)
    if out.case is None:
        return out
    if refused is not None or out.expected is None:
        out.outcome, out.reason = "rejected", refused or "no compiler"
        return out
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:  # root's, on the noexec /tmp
        path = Path(tmp) / "t.c"
        path.write_text(out.case.source)
        want: dict[str, Any] = {"exit_code": out.expected.exit_code,
                                "stdout": out.expected.stdout}
        if out.case.flags:
            want["build"] = {"flags": list(out.case.flags)}
        verdict, details = candidate(cell, path, want)
    out.outcome, out.reason = classify(verdict, details)
    out.got = {k: details[k] for k in ("got_exit_code", "got_stdout", "run_rc", "compile_rc",
                                       "compile_stderr") if k in details}
    return out


def run_fuzz(plan: Plan, source: Source, cells: Any, candidate: Candidate, pool: Executor,
             first_cell: int, refused: str | None = None) -> dict[str, Any]:
    """Fuzz the candidate with ``plan``; cells ``first_cell`` onwards are the fuzzer's."""
    gcc = gcc_command()
    futures = [pool.submit(fuzz_one, source, cells, candidate, plan, i, first_cell + i, gcc,
                           refused) for i in range(plan.programs)]
    return summarise(plan, [f.result() for f in futures])


def summarise(plan: Plan, outcomes: Iterable[Outcome]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    discards: Counter[str] = Counter()
    by_feature: dict[str, list[int]] = {}
    by_tier: dict[str, list[int]] = {}
    failures: list[dict[str, Any]] = []
    for o in outcomes:
        discards.update(o.discards)
        if o.case is None:
            counts["unusable"] += 1
            continue
        counts["tried"] += 1
        counts[o.outcome] += 1
        agreed = int(o.outcome == "agreed")
        for key, table in [(f, by_feature) for f in o.case.features] + [(o.case.tier, by_tier)]:
            row = table.setdefault(key, [0, 0])
            row[0] += 1
            row[1] += agreed
        if not agreed and len(failures) < plan.kept:
            failures.append(_failure(o))
    return {"seed": plan.seed, "programs": plan.programs,
            **{k: counts[k] for k in ("tried", *OUTCOMES, "unusable")},
            "discarded": sum(discards.values()), "discards": dict(discards),
            "by_feature": by_feature, "by_tier": by_tier, "failures": failures}


def _failure(o: Outcome) -> dict[str, Any]:
    assert o.case is not None
    exp = o.expected
    return {"index": o.case.index, "seed": o.case.seed, "tier": o.case.tier,
            "outcome": o.outcome, "reason": o.reason[:SHOWN],
            "lines": o.case.source.count("\n"),
            "features": list(o.case.features),
            "expected": {"exit_code": exp.exit_code, "stdout": exp.stdout[:SHOWN]} if exp
            else None,
            "got": {"exit_code": o.got.get("got_exit_code", o.got.get("run_rc")),
                    "stdout": str(o.got.get("got_stdout", ""))[:SHOWN]}
            if o.outcome == "miscompiled" else None}
