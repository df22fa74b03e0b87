"""The agent loop: model turn -> tool calls on the sandbox -> results, until finish or a budget.

The loop owns the conversation and writes every step to the Recorder as it happens; a crash at
any point leaves a readable trajectory. It knows nothing of the CLI: a UI follows it through the
``observer`` callback.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from agent.evaluation import EvaluationRunner
from agent.models.base import AssistantTurn, Model, ModelError, ScriptExhausted
from agent.tools.base import ToolContext
from agent.tools.toolbox import ToolBox
from agent.trajectory.events import (
    ErrorEvent,
    MessageEvent,
    ModelCall,
    RunEnd,
    RunStart,
    SnapshotEvent,
    ToolCallEvent,
    ToolResultEvent,
)
from agent.trajectory.recorder import Recorder
from agent.trajectory.snapshots import Snapshotter

FORMAT_REMINDER = ("Your last reply had no tool call. Continue the task by calling one of the "
                   "tools; call `finish` with a summary when the task is done.")


class RunInterrupted(Exception):
    """SIGINT or SIGTERM arrived: the loop stops at once and marks the run interrupted."""


@dataclass
class Budgets:
    max_steps: int | None = None
    max_cost: float | None = None
    max_time_s: float | None = None
    max_format_errors: int = 10


@dataclass
class LoopState:
    """What a live view shows; updated after each model call and tool call."""

    step: int = 0
    tool_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    started: float = field(default_factory=time.time)
    last_tool: str = ""
    last_exit: int | None = None
    grade: str = ""
    status: str = "running"
    format_errors: int = 0
    consecutive_format_errors: int = 0


class StopSignal:
    """Turns SIGINT/SIGTERM into RunInterrupted, but only where the loop waits (a model call or
    a command); elsewhere it sets a flag the loop checks, so no event is ever half-written."""

    def __init__(self) -> None:
        self.requested = False
        self._waiting = False

    def _handler(self, signum: int, _frame: Any) -> None:
        self.requested = True
        if self._waiting:
            self._waiting = False
            raise RunInterrupted(signal.Signals(signum).name)

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Install the handlers (main thread only; elsewhere the flag is set by the caller)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old = {s: signal.signal(s, self._handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, h in old.items():
                signal.signal(s, h)

    @contextmanager
    def waiting(self) -> Iterator[None]:
        if self.requested:
            raise RunInterrupted("stop requested")
        self._waiting = True
        try:
            yield
        finally:
            self._waiting = False


class AgentLoop:
    """Runs one trajectory. Construct with its collaborators, then call ``run``."""

    def __init__(self, *, model: Model, toolbox: ToolBox, ctx: ToolContext, recorder: Recorder,
                 snapshots: Snapshotter, budgets: Budgets,
                 evaluator: EvaluationRunner | None = None, eval_every: int | None = None,
                 observer: Callable[[LoopState], None] | None = None,
                 stop: StopSignal | None = None) -> None:
        self.model = model
        self.toolbox = toolbox
        self.ctx = ctx
        self.rec = recorder
        self.snapshots = snapshots
        self.budgets = budgets
        self.evaluator = evaluator
        self.eval_every = eval_every
        self.observer = observer or (lambda _s: None)
        self.stop = stop or StopSignal()
        self.state = LoopState()
        self.messages: list[dict[str, Any]] = []
        self._last_eval_calls = 0

    # -- the run ---------------------------------------------------------------------------
    def run(self, system: str, task: str) -> tuple[str, str]:
        """Run to the end; return (status, end_reason). The recorder is left open."""
        self.messages = [{"role": "system", "content": system}, {"role": "user", "content": task}]
        self.rec.emit(RunStart, 0, run_id=self.rec.info.run_id, messages=self.messages,
                      tools=self.toolbox.names)
        self._snapshot(0, "initial workspace")
        self.rec.sync()
        status, reason = "failed", "error"
        with self.stop.installed():
            try:
                status, reason = self._steps()
            except RunInterrupted:
                status, reason = "interrupted", "interrupted"
            except Exception as e:
                self.rec.emit(ErrorEvent, self.state.step, message=f"{type(e).__name__}: {e}",
                              where="loop")
                status, reason = "failed", "error"
                raise
            finally:
                self._finish(status, reason)
        return status, reason

    def _steps(self) -> tuple[str, str]:
        while True:
            reason = self._budget_reason()
            if reason:
                return "finished", reason
            self.state.step += 1
            step = self.state.step
            try:
                with self.stop.waiting():
                    turn = self.model.complete(self.messages, self.toolbox.schemas())
            except ScriptExhausted:
                return "finished", "script_exhausted"
            except ModelError as e:
                self.rec.emit(ErrorEvent, step, message=str(e), where="model",
                              retries=[r.model_dump() for r in e.retries])
                self.rec.info.error = str(e)
                return "failed", "error"
            self._record_turn(step, turn)
            if not turn.tool_calls:
                if self._format_error(step, turn):
                    return "failed", "error"
                continue
            self.state.consecutive_format_errors = 0
            finished = self._run_calls(step, turn)
            commit = self._snapshot(step, f"step {step}")
            self._maybe_evaluate(step, commit)
            self.rec.sync()
            if finished:
                return "finished", "finished"

    def _budget_reason(self) -> str | None:
        b, s = self.budgets, self.state
        if self.stop.requested:
            raise RunInterrupted("stop requested")
        if b.max_steps is not None and s.step >= b.max_steps:
            return "max_steps"
        if b.max_cost is not None and s.cost >= b.max_cost:
            return "max_cost"
        if b.max_time_s is not None and time.time() - s.started >= b.max_time_s:
            return "max_time"
        return None

    def _record_turn(self, step: int, turn: AssistantTurn) -> None:
        u = turn.usage
        self.rec.emit(ModelCall, step, message=turn.message, reasoning=turn.reasoning,
                      prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens,
                      cost=u.cost, latency_s=turn.latency_s,
                      retries=[r.model_dump() for r in turn.retries],
                      finish_reason=turn.finish_reason, format_error=turn.format_error)
        self.messages.append(turn.message)
        self.state.tokens_in += u.prompt_tokens or 0
        self.state.tokens_out += u.completion_tokens or 0
        self.state.cost += u.cost or 0.0
        self.observer(self.state)

    def _format_error(self, step: int, turn: AssistantTurn) -> bool:
        """A turn with no tool call: remind the model; True when the budget for that is spent."""
        self.state.format_errors += 1
        self.state.consecutive_format_errors += 1
        text = FORMAT_REMINDER if not turn.format_error else \
            f"Your last reply could not be used ({turn.format_error}). {FORMAT_REMINDER}"
        self.rec.emit(MessageEvent, step, role="user", content=text, reason="format_error")
        self.messages.append({"role": "user", "content": text})
        self.rec.sync()
        if self.state.consecutive_format_errors >= self.budgets.max_format_errors:
            self.rec.info.error = (f"{self.state.consecutive_format_errors} model turns in a row "
                                   "without a usable tool call")
            return True
        return False

    def _run_calls(self, step: int, turn: AssistantTurn) -> bool:
        results: list[tuple[str, str, str]] = []
        finished = False
        for call in turn.tool_calls:
            self.rec.emit(ToolCallEvent, step, call_id=call.id, name=call.name,
                          arguments=call.arguments, raw_arguments=call.raw_arguments,
                          parse_error=call.parse_error)
            if finished:  # every call gets an answer, even after finish
                text = "not run: `finish` was called earlier in this turn"
                self.rec.emit(ToolResultEvent, step, call_id=call.id, name=call.name, ok=False,
                              output=text, error_kind="after_finish")
                results.append((call.id, call.name, text))
                continue
            with self.stop.waiting():
                shown = self.toolbox.dispatch(call, self.ctx)
            out = shown.output
            ref = self.rec.store_output(call.id, out.spilled, out.text) if shown.needs_store \
                else None
            self.rec.emit(ToolResultEvent, step, call_id=call.id, name=call.name, ok=out.ok,
                          output=shown.display, exit_code=out.exit_code,
                          timed_out=out.timed_out, truncated=shown.needs_store, output_ref=ref,
                          duration_s=out.duration_s, error_kind=out.error_kind, note=out.note)
            results.append((call.id, call.name, shown.display))
            self.state.tool_calls += 1
            self.state.last_tool = call.name
            self.state.last_exit = out.exit_code
            finished = finished or out.finished
            self.observer(self.state)
        self.messages.extend(self.model.tool_result_messages(turn, results))
        return finished

    def _snapshot(self, step: int, message: str) -> str | None:
        commit = self.snapshots.snapshot(message)
        if commit:
            self.rec.emit(SnapshotEvent, step, commit=commit, tool_calls=self.state.tool_calls)
        return commit

    def _maybe_evaluate(self, step: int, commit: str | None) -> None:
        if self.evaluator is None or not self.eval_every:
            return
        calls = self.state.tool_calls
        if calls - self._last_eval_calls >= self.eval_every:
            self._last_eval_calls = calls
            head = commit or self.snapshots.head()
            if head:
                self.evaluator.submit(head, step, calls)
        self._show_grade()

    def _show_grade(self) -> None:
        latest = self.evaluator.latest if self.evaluator else None
        if latest is not None:
            self.state.grade = f"{latest.passed}/{latest.total}"

    def _finish(self, status: str, reason: str) -> None:
        """Final evaluation (unless interrupted), run_end, totals in run.json."""
        grade = None
        if self.evaluator is not None:
            if status != "interrupted":
                head = self.snapshots.head()
                if head:
                    self.evaluator.submit(head, self.state.step, self.state.tool_calls,
                                          final=True)
            self.evaluator.wait()
            self._show_grade()
            latest = self.evaluator.latest
            if latest is not None and status != "interrupted":
                grade = {"passed": latest.passed, "total": latest.total, "stages": latest.stages,
                         "commit": latest.commit, "error": latest.error}
        s = self.state
        info = self.rec.info
        info.status, info.end_reason, info.ended_at = status, reason, time.time()
        info.totals.steps, info.totals.tool_calls = s.step, s.tool_calls
        info.totals.tokens_in, info.totals.tokens_out = s.tokens_in, s.tokens_out
        info.totals.cost = round(s.cost, 6)
        info.totals.wall_s = round(time.time() - info.started_at, 3)
        info.totals.format_errors = s.format_errors
        info.grade = grade if grade is not None else info.grade
        self.rec.emit(RunEnd, s.step, status=status, end_reason=reason,
                      totals=info.totals.model_dump())
        self.rec.sync()
        self.rec.save_info()
        s.status = status
        self.observer(s)
