"""Evaluation alongside the agent: grade snapshots in the background, record the results."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

from agent.fuzzing import (
    ORACLE_CAP,
    FuzzResult,
    Reduced,
    draw_seed,
    evaluation_seed,
    fuzz_env,
    oracle_env,
    parse_fuzz,
    parse_reduced,
    reduce_env,
)
from agent.sealing import Seal, SealGate
from agent.trajectory.events import EvaluationEvent, GradingEvent, ReductionEvent

if TYPE_CHECKING:
    from agent.scenario.loader import FuzzSpec

VERDICTS = {"pass", "fail", "error", "timeout"}
# The grader's environment names the parts of its suite to leave out (comma-separated).
SKIP_ENV = "ULTRARUN_GRADE_SKIP"


class GradeResult(BaseModel):
    """What a grader found: a verdict per test and (passed, total) per stage."""

    tests: dict[str, str] = Field(default_factory=dict)
    stages: dict[str, list[int]] = Field(default_factory=dict)
    error: str | None = None
    duration_s: float = 0.0
    fuzz: FuzzResult | None = None  # the fuzz measure, when asked for (agent/fuzzing.py)
    reduced: list[Reduced] = Field(default_factory=list)  # when asked to reduce
    oracle: str | None = None  # gcc's part of the fuzz measure, when asked for it alone

    @property
    def passed(self) -> int:
        return sum(1 for v in self.tests.values() if v == "pass")

    @property
    def total(self) -> int:
        return len(self.tests)


class Exporter(Protocol):
    """Writes a recorded state of a workspace into an empty folder (a run's snapshots, or a
    team's upstream)."""

    def export(self, commit: str, dest: Path) -> Any: ...


class EventSink(Protocol):
    """Where evaluations are recorded (a run's recorder, or a team's log)."""

    def emit(self, event_cls: Any, step: int, **fields: Any) -> Any: ...


class Grader(Protocol):
    """Grades a workspace folder (a copy: the grader may do anything to it).

    A grader with ``grader.parts`` also takes ``skip``: the parts to leave out this time; one
    with ``grader.fuzz`` takes ``env`` (what to fuzz) and has ``reduce(workspace, env)``.
    """

    def grade(self, workspace: Path) -> GradeResult: ...


def part_of(key: str) -> str | None:
    """The part a test or stage id belongs to: what comes before its first ``/``."""
    head, sep, _ = key.partition("/")
    return head if sep else None


class PartSchedule:
    """Which parts of a suite an evaluation grades (``grader.parts``).

    ``parts`` maps a part to k: grade it at every k-th periodic evaluation (``every`` tool
    calls apart). Parts left out carry their latest results over. The first evaluation, one
    after a failed one, and the final one grade everything.
    """

    def __init__(self, parts: dict[str, int], every: int | None) -> None:
        self.parts = dict(parts)
        self.every = every or 0
        self._last: dict[str, int] = {}  # part -> tool calls of its latest grading

    def skip(self, tool_calls: int, final: bool, have_base: bool) -> list[str]:
        """The parts not due at ``tool_calls`` (none when there is nothing to carry)."""
        if final or not have_base or not self.every:
            return []
        return sorted(p for p, k in self.parts.items()
                      if p in self._last and tool_calls - self._last[p] < k * self.every)

    def graded(self, tool_calls: int, skipped: list[str]) -> None:
        for p in self.parts:
            if p not in skipped:
                self._last[p] = tool_calls


def carry_over(result: GradeResult, base: EvaluationEvent, skipped: list[str]) -> GradeResult:
    """``result`` (graded without the ``skipped`` parts) completed with theirs from ``base``."""
    out = set(skipped)
    tests = {k: v for k, v in base.tests.items() if part_of(k) in out}
    tests.update({k: v for k, v in result.tests.items() if part_of(k) not in out})
    stages = {k: v for k, v in base.stages.items() if part_of(k) in out}
    stages.update({k: v for k, v in result.stages.items() if part_of(k) not in out})
    return GradeResult(tests=tests, stages=stages, duration_s=result.duration_s,
                       fuzz=result.fuzz)


def fuzz_request(grader: Any, programs: int, seed: int) -> tuple[dict[str, str], float | None]:
    """The sealed grading's fuzz request, with gcc's part made first: a grading of an empty
    workspace (no candidate code runs) while the agent works, its table handed back. Returns
    the environment and the seconds it took; None when the sealed grading will run gcc
    itself (a grader that makes no table, a failure, a table past ``ORACLE_CAP``)."""
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ultrarun-oracle-") as tmp:
        try:
            made: GradeResult | None = grader.grade(Path(tmp), env=oracle_env(programs, seed))
        except Exception:  # gcc's part is then made in the sealed grading
            made = None
    table = made.oracle if made is not None and made.error is None else None
    if table is None or len(table) > ORACLE_CAP:
        return fuzz_env(programs, seed), None
    return fuzz_env(programs, seed, table), round(time.monotonic() - t0, 3)


def parse_grader_output(stdout: str) -> GradeResult:
    """Read the grader's last stdout line: ``{"tests": {...}, "stages": {...}}``."""
    lines = [line for line in stdout.strip().splitlines() if line.strip()]
    if not lines:
        return GradeResult(error="the grader printed nothing")
    try:
        data: Any = json.loads(lines[-1])
        tests = {str(k): str(v) for k, v in data["tests"].items()}
        bad = {v for v in tests.values() if v not in VERDICTS}
        if bad:
            raise ValueError(f"unknown verdicts {sorted(bad)}")
        stages = {str(k): [int(v[0]), int(v[1])] for k, v in data.get("stages", {}).items()}
    except (ValueError, KeyError, TypeError, IndexError) as e:
        return GradeResult(error=f"the grader's last line is not a result object ({e}): "
                                 f"{lines[-1][:200]!r}")
    oracle = data.get("oracle")
    return GradeResult(tests=tests, stages=stages, fuzz=parse_fuzz(data.get("fuzz")),
                       reduced=parse_reduced(data.get("reduced")),
                       oracle=oracle if isinstance(oracle, str) else None)


class EvaluationRunner:
    """Grades recorded states on a worker thread, in the order asked; records `evaluation`s.

    Every evaluation asked for is graded, in order (the states are all in the store): a
    grader slower than the agent builds a backlog that it works through, and the end of the
    run waits for it, so the progress curve does not depend on how fast the grader or the
    machine is. With ``coalesce``, a grading still queued when a newer one is asked for is
    dropped instead (``skipped`` counts them; ``report`` shows them), unless it was submitted
    with ``keep`` (a team's upstream grades on such a schedule: docs/teams.md).

    With a ``gate`` whose sandbox can be frozen, the hidden part of each grading (the
    grader's container, and the removal of what it wrote) runs with the agent's sandbox
    frozen (``agent/sealing.py``); gcc's part of the fuzz measure is made before it, unfrozen
    (``fuzz_request``). ``snapshots`` exports a recorded state (a run's snapshots,
    a team's upstream), ``recorder`` records the events (a run's recorder, a team's log) as
    ``event_cls``; ``on_result`` sees every evaluation once recorded (on the worker thread).
    """

    def __init__(self, grader: Grader, snapshots: Exporter, recorder: EventSink,
                 workers: int = 1, schedule: PartSchedule | None = None,
                 gate: SealGate | None = None, coalesce: bool = False,
                 event_cls: type[EvaluationEvent] = EvaluationEvent,
                 on_result: Callable[[EvaluationEvent], None] | None = None,
                 fuzz: FuzzSpec | None = None, fuzz_seed: int | None = None) -> None:
        self.grader = grader
        self.schedule = schedule
        self.fuzz = fuzz
        self.fuzz_seed = fuzz_seed
        self.snapshots = snapshots
        self.recorder = recorder
        self.gate = gate
        self.coalesce = coalesce
        self.event_cls = event_cls
        self.on_result = on_result
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grader")
        self._pending: list[tuple[Future[EvaluationEvent | None], bool]] = []
        self._lock = threading.Lock()
        self.latest: EvaluationEvent | None = None
        self.skipped = 0  # queued gradings superseded by a newer snapshot (``coalesce``)
        self._current: tuple[int, float, bool] | None = None  # (step, start, final) grading
        self._aborted = False

    def submit(self, commit: str, step: int, tool_calls: int, final: bool = False,
               keep: bool = False, extra: dict[str, Any] | None = None) -> None:
        """Queue a grading of ``commit``; it runs while the agent goes on (sealed: while
        the model thinks, the agent's next tool call waiting for it if need be). ``keep``:
        never superseded; ``extra``: more fields of the evaluation event."""
        with self._lock:
            if self.coalesce:
                for fut, kept in self._pending:
                    if not kept and fut.cancel():
                        self.skipped += 1
            self._pending = [(f, k) for f, k in self._pending if not f.done()]
            self._pending.append((self._pool.submit(self._grade, commit, step, tool_calls,
                                                    final, extra or {}), keep))

    def _grade(self, commit: str, step: int, tool_calls: int, final: bool,
               extra: dict[str, Any]) -> EvaluationEvent | None:
        if self._aborted:
            return None
        t0 = time.monotonic()
        self._current = (step, t0, final)
        with self._lock:
            queued = sum(1 for f, _k in self._pending if not f.done() and not f.running())
        self.recorder.emit(GradingEvent, step, commit=commit, tool_calls=tool_calls,
                           final=final, queued=queued)
        # Decided when the grading starts, not when it was queued: a superseded grading
        # never marks its parts as graded. One worker, so `latest` is the previous grading.
        base = self.latest if self.latest is not None and not self.latest.error else None
        skip = self.schedule.skip(tool_calls, final, base is not None) if self.schedule else []
        tmp = Path(tempfile.mkdtemp(prefix="ultrarun-grade-"))
        seal = Seal()
        env: dict[str, str] | None = None  # the fuzz measure's request
        oracle_s: float | None = None
        try:
            self.snapshots.export(commit, tmp / "workspace")  # nothing hidden yet
            if self.fuzz:  # fresh programs at every evaluation; gcc's part before the seal
                seed = draw_seed() if self.fuzz_seed is None else \
                    evaluation_seed(self.fuzz_seed, tool_calls, final)
                env, oracle_s = fuzz_request(self.grader, self.fuzz.programs, seed)
            t1 = time.monotonic()
            with self.gate.sealed(seal) if self.gate is not None else nullcontext():
                seal.waited_s = time.monotonic() - t1  # for the agent's tool call to end
                try:
                    ws = tmp / "workspace"
                    grade: Any = self.grader.grade  # takes `skip` when the scenario has parts
                    if env is not None:
                        result = grade(ws, skip, env=env)
                    else:
                        result = grade(ws, skip) if skip else grade(ws)
                finally:  # what candidate code wrote is gone before the agent runs again
                    shutil.rmtree(tmp, ignore_errors=True)
            if result.fuzz is not None:
                result.fuzz.oracle_s = oracle_s
        except Exception as e:  # a grader failure is recorded, never fatal to the run
            result = GradeResult(error=f"{type(e).__name__}: {e}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            self._current = None
        if self._aborted:  # the run is stopping: this result is no longer wanted
            return None
        if result.error is None and self.schedule:
            self.schedule.graded(tool_calls, skip)
            if skip and base is not None:
                result = carry_over(result, base, skip)
        carried = skip if result.error is None else []
        event: EvaluationEvent = self.recorder.emit(
            self.event_cls, step, commit=commit, tool_calls=tool_calls, passed=result.passed,
            total=result.total, tests=result.tests, stages=result.stages,
            duration_s=time.monotonic() - t0 - seal.waited_s, error=result.error, final=final,
            carried=carried, frozen_s=round(seal.frozen_s, 3) if seal.frozen else None,
            fuzz=result.fuzz.model_dump() if result.fuzz else None, **extra)
        with self._lock:
            if self.latest is None or event.tool_calls >= self.latest.tool_calls:
                self.latest = event
        if self.on_result is not None:
            self.on_result(event)
        if self.fuzz and result.fuzz and self.fuzz.reduce:  # after the grading, not in it
            self._reduce(event, result.fuzz, self.fuzz.reduce, self.fuzz.reduce_seconds)
        return event

    def _reduce(self, event: EvaluationEvent, fuzz: FuzzResult, count: int,
                seconds: float) -> None:
        """Shrink the first ``count`` miscompiles of ``event``'s fuzz programs in the grader's
        sandbox, on the snapshot graded; record a ``reduction`` event."""
        env = reduce_env(fuzz.failures, count, seconds)
        if env is None or self._aborted or event.commit is None:
            return
        t0 = time.monotonic()
        tmp = Path(tempfile.mkdtemp(prefix="ultrarun-reduce-"))
        try:
            self.snapshots.export(event.commit, tmp / "workspace")
            grader: Any = self.grader  # a ScenarioGrader: it has ``reduce``
            result = grader.reduce(tmp / "workspace", env)
        except Exception as e:  # recorded, never fatal to the run
            result = GradeResult(error=f"{type(e).__name__}: {e}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if self._aborted:
            return
        self.recorder.emit(ReductionEvent, event.step, commit=event.commit,
                           tool_calls=event.tool_calls, seed=fuzz.seed,
                           programs=[r.model_dump() for r in result.reduced],
                           duration_s=time.monotonic() - t0, error=result.error)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued grading is recorded (True), or ``timeout`` seconds pass
        (False). Gradings an ``on_result`` queued meanwhile are waited for too."""
        from concurrent.futures import wait as wait_all

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [f for f, _k in self._pending if not f.done()]
            if not pending:
                return True
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            done, not_done = wait_all(pending, timeout=left)
            for fut in done:
                if not fut.cancelled():
                    fut.result()  # a grading's own failure is recorded; this re-raises a bug
            if not_done:
                return False

    def describe(self) -> str:
        """What the grader is doing: ``grading step 120 (34 s), 1 queued``."""
        with self._lock:
            queued = sum(1 for f, _k in self._pending if not f.done() and not f.running())
            now = self._current
        text = (f"grading step {now[0]}{' (final)' if now[2] else ''} "
                f"({time.monotonic() - now[1]:.0f} s)") if now else "idle"
        return text + (f", {queued} queued" if queued else "")

    def abort(self) -> None:
        """Stop now (the run was interrupted): drop queued gradings, stop a running one
        (its sealed part ends at once: the agent's sandbox is thawed)."""
        self._aborted = True
        if self.gate is not None:
            self.gate.abort()
        with self._lock:
            for fut, _kept in self._pending:
                fut.cancel()
        stop = getattr(self.grader, "abort", None)
        if stop is not None:
            stop()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
