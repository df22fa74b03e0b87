"""Evaluation alongside the agent: grade snapshots in the background, record the results."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from agent.trajectory.events import EvaluationEvent
from agent.trajectory.recorder import Recorder
from agent.trajectory.snapshots import Snapshotter

VERDICTS = {"pass", "fail", "error", "timeout"}
# The grader's environment names the parts of its suite to leave out (comma-separated).
SKIP_ENV = "ULTRARUN_GRADE_SKIP"


class GradeResult(BaseModel):
    """What a grader found: a verdict per test and (passed, total) per stage."""

    tests: dict[str, str] = Field(default_factory=dict)
    stages: dict[str, list[int]] = Field(default_factory=dict)
    error: str | None = None
    duration_s: float = 0.0

    @property
    def passed(self) -> int:
        return sum(1 for v in self.tests.values() if v == "pass")

    @property
    def total(self) -> int:
        return len(self.tests)


class Grader(Protocol):
    """Grades a workspace folder (a copy: the grader may do anything to it).

    A grader with ``grader.parts`` also takes ``skip``: the parts to leave out this time.
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
    return GradeResult(tests=tests, stages=stages, duration_s=result.duration_s)


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
    return GradeResult(tests=tests, stages=stages)


class EvaluationRunner:
    """Grades snapshots on a worker thread so the agent never waits; records `evaluation`s."""

    def __init__(self, grader: Grader, snapshots: Snapshotter, recorder: Recorder,
                 workers: int = 1, schedule: PartSchedule | None = None) -> None:
        self.grader = grader
        self.schedule = schedule
        self.snapshots = snapshots
        self.recorder = recorder
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grader")
        self._pending: list[Future[EvaluationEvent | None]] = []
        self._lock = threading.Lock()
        self.latest: EvaluationEvent | None = None
        self.skipped = 0  # queued gradings superseded by a newer snapshot before they ran
        self._current: tuple[int, float, bool] | None = None  # (step, start, final) grading
        self._aborted = False

    def submit(self, commit: str, step: int, tool_calls: int, final: bool = False) -> None:
        """Queue a grading of ``commit``; it runs while the agent goes on.

        A grading still waiting in the queue when a newer one arrives is dropped (the newer
        snapshot supersedes it): when grading is slower than the agent, evaluations thin out
        instead of piling up behind it and delaying the end of the run.
        """
        with self._lock:
            for fut in self._pending:
                if fut.cancel():
                    self.skipped += 1
            self._pending = [f for f in self._pending if not f.cancelled()]
            self._pending.append(self._pool.submit(self._grade, commit, step, tool_calls,
                                                   final))

    def _grade(self, commit: str, step: int, tool_calls: int,
               final: bool) -> EvaluationEvent | None:
        if self._aborted:
            return None
        t0 = time.monotonic()
        self._current = (step, t0, final)
        # Decided when the grading starts, not when it was queued: a superseded grading
        # never marks its parts as graded. One worker, so `latest` is the previous grading.
        base = self.latest if self.latest is not None and not self.latest.error else None
        skip = self.schedule.skip(tool_calls, final, base is not None) if self.schedule else []
        tmp = Path(tempfile.mkdtemp(prefix="ultrarun-grade-"))
        try:
            self.snapshots.export(commit, tmp / "workspace")
            ws = tmp / "workspace"
            grade: Any = self.grader.grade  # takes `skip` when the scenario has parts
            result = grade(ws, skip) if skip else grade(ws)
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
        event = self.recorder.emit(
            EvaluationEvent, step, commit=commit, tool_calls=tool_calls, passed=result.passed,
            total=result.total, tests=result.tests, stages=result.stages,
            duration_s=time.monotonic() - t0, error=result.error, final=final, carried=carried)
        with self._lock:
            if self.latest is None or event.tool_calls >= self.latest.tool_calls:
                self.latest = event
        return event

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued grading is recorded (True), or ``timeout`` seconds pass
        (False)."""
        from concurrent.futures import wait as wait_all

        with self._lock:
            pending = list(self._pending)
        done, not_done = wait_all(pending, timeout=timeout)
        for fut in done:
            if not fut.cancelled():
                fut.result()  # a grading's own failure is recorded; this re-raises a bug
        return not not_done

    def describe(self) -> str:
        """What the grader is doing: ``grading step 120 (34 s), 1 queued``."""
        with self._lock:
            queued = sum(1 for f in self._pending if not f.done() and not f.running())
            now = self._current
        text = (f"grading step {now[0]}{' (final)' if now[2] else ''} "
                f"({time.monotonic() - now[1]:.0f} s)") if now else "idle"
        return text + (f", {queued} queued" if queued else "")

    def abort(self) -> None:
        """Stop now (the run was interrupted): drop queued gradings, stop a running one."""
        self._aborted = True
        with self._lock:
            for fut in self._pending:
                fut.cancel()
        stop = getattr(self.grader, "abort", None)
        if stop is not None:
            stop()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
