"""The agent loop: model turn -> tool calls on the sandbox -> results, until finish or a budget.

The loop owns the conversation and writes every step to the Recorder as it happens; a crash at
any point leaves a readable trajectory that `resume` continues. It knows nothing of the CLI: a
UI follows it through the ``observer`` callback.

A step is: one model call, its tool calls, one `snapshot` event (with ``changed`` telling
whether the workspace changed) which also marks the step as complete, and an fsync.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from agent.budgets import Allowance, Budgets
from agent.clock import Clock, Reading
from agent.context import (
    NOTES_PATH,
    ContextPolicy,
)
from agent.context_keeper import ContextKeeper
from agent.conversation import ConversationBuilder
from agent.evaluation import EvaluationRunner
from agent.models.base import (
    AssistantTurn,
    ContextExceeded,
    DeadlineReached,
    Model,
    ModelError,
    RetryRecord,
    ScriptExhausted,
    ToolCall,
)
from agent.prefix import PrefixTracker
from agent.state import LoopState, PendingStep
from agent.stop import RunInterrupted, StopSignal
from agent.tools.base import ToolContext, ToolOutput
from agent.tools.toolbox import ToolBox
from agent.trajectory.events import (
    ClockEvent,
    ErrorEvent,
    EventBase,
    MessageEvent,
    ModelCall,
    ResumeEvent,
    RetryEvent,
    RunEnd,
    RunStart,
    SandboxRestartEvent,
    SnapshotEvent,
    ToolCallEvent,
    ToolResultEvent,
)
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import EndReason, Status
from agent.trajectory.snapshots import Snapshotter
from sandboxes import SandboxDied, SandboxError

HOW_TO_ACT = ("Continue the task by calling one of the tools; call `finish` with a summary "
              "when the task is done.")

__all__ = ["AgentLoop", "Budgets", "LoopState", "PendingStep", "RunInterrupted", "StopSignal"]

E = TypeVar("E", bound=EventBase)
Outcome = tuple[Status, EndReason]


class AgentLoop:
    """Runs one trajectory. Construct with its collaborators, then ``run`` or ``resume``."""

    def __init__(self, *, model: Model, toolbox: ToolBox, ctx: ToolContext, recorder: Recorder,
                 snapshots: Snapshotter, budgets: Budgets, policy: ContextPolicy,
                 evaluator: EvaluationRunner | None = None, eval_every: int | None = None,
                 observer: Callable[[LoopState], None] | None = None,
                 stop: StopSignal | None = None,
                 restart_sandbox: Callable[[str | None], None] | None = None,
                 summaries_from_model: bool = True, clock: Clock | None = None,
                 allowance: Allowance | None = None) -> None:
        self.model = model
        self.toolbox = toolbox
        self.ctx = ctx
        self.rec = recorder
        self.snapshots = snapshots
        self.budgets = budgets
        self.fold = ConversationBuilder(model, policy)
        self.evaluator = evaluator
        self.eval_every = eval_every
        self.observer = observer or (lambda _s: None)
        self.stop = stop or StopSignal()
        self.restart_sandbox = restart_sandbox
        self.summaries_from_model = summaries_from_model
        self.clock = clock
        self.allowance = allowance  # a budget shared with other runs (checked; they charge it)
        self.context = ContextKeeper(
            conversation=lambda: self.fold, emit=self._emit, model=model, stop=self.stop,
            tools=toolbox.schemas(), info=recorder.info, save_info=recorder.save_info,
            notes=self._notes, summaries_from_model=summaries_from_model)
        self.prefix = PrefixTracker()
        self._request: tuple[int, int | None] = (0, None)  # the last request's prefix figures
        self._sandbox_failed = False
        self._call_retries: list[RetryRecord] = []  # announced for the call in progress
        model.on_retry = self._on_retry
        if evaluator is not None and evaluator.gate is not None:
            evaluator.gate.on_wait = self._on_grader_wait

    # The conversation, the context policy and the counters are the fold's: the loop records
    # events and the fold applies them, exactly as it does for a resumed run's events.
    @property
    def state(self) -> LoopState:
        return self.fold.state

    @property
    def policy(self) -> ContextPolicy:
        return self.fold.policy

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.fold.messages

    def _emit(self, event_cls: type[E], step: int, **fields: Any) -> E:
        """Record an event and fold it into the conversation."""
        event = self.rec.emit(event_cls, step, **fields)
        self.fold.apply(event)
        return event

    # -- entry points ----------------------------------------------------------------------
    def run(self, system: str, task: str) -> Outcome:
        """A new run from the scenario's prompt; return (status, end_reason)."""
        told = self.clock.start_text() if self.clock else None
        self._emit(RunStart, 0, run_id=self.rec.info.run_id, tools=self.toolbox.names,
                   messages=[{"role": "system", "content": system},
                             {"role": "user", "content": f"{task}\n\n{told}" if told else task}])
        self._end_step(0, "initial workspace")
        return self._drive(None)

    def start_from(self, fold: ConversationBuilder, parent: dict[str, Any]) -> Outcome:
        """A new run (a fork) that opens with another run's conversation at some step."""
        self.fold = fold
        self.state.status, self.state.grade = "running", ""
        step = self.state.step
        self._emit(RunStart, step, run_id=self.rec.info.run_id, messages=self.messages,
                   tools=self.toolbox.names, parent=parent)
        self._end_step(step, f"fork of {parent.get('run_id')} at step {step}")
        return self._drive(None)

    def resume(self, fold: ConversationBuilder, reason: str, details: dict[str, Any]
               ) -> Outcome:
        """Carry on a recorded run from its rebuilt conversation and counters."""
        self.fold = fold
        self.state.status = "running"
        self._emit(ResumeEvent, self.state.step, reason=reason, details=details)
        if self.evaluator is not None:  # asked for before the stop and never recorded
            for commit, step, calls in fold.ungraded():
                self.evaluator.submit(commit, step, calls)
        # The agent called `finish` and its step is recorded: only the end (the final
        # grading, run_end) was lost, e.g. to a kill during the final evaluation.
        done = fold.pending is None and fold.finished_step is not None and \
            fold.finished_step == fold.completed
        return self._drive(fold.pending, done=done)

    def _drive(self, pending: PendingStep | None, done: bool = False) -> Outcome:
        """Run steps until a budget or the agent ends the run. ``done``: the agent already
        finished (resume); a ``pending`` step's calls may finish it too."""
        status: Status = "failed"
        reason: EndReason = "error"
        self._set_deadline()
        with self.stop.installed():
            try:
                self.context.probe_window(self.state.step)
                if pending is not None:
                    done = self._run_calls(pending.step, pending.turn, pending)
                    self._end_step(pending.step, f"step {pending.step}")
                status, reason = ("finished", "finished") if done else self._steps()
            except RunInterrupted:
                status, reason = "interrupted", "interrupted"
            except Exception as e:
                self._emit(ErrorEvent, self.state.step, message=f"{type(e).__name__}: {e}",
                           where="loop")
                self.rec.info.error = f"{type(e).__name__}: {e}"
                status, reason = "failed", "error"
                raise
            finally:
                status, reason = self._finish(status, reason)
        return status, reason

    # -- steps -----------------------------------------------------------------------------
    def _steps(self) -> Outcome:
        while True:
            reason = self._budget_reason()
            if reason:
                return "finished", reason
            self.state.step += 1
            step = self.state.step
            try:
                turn = self._call_model(step)
            except ScriptExhausted:
                self.state.step -= 1
                return "finished", "script_exhausted"
            except DeadlineReached as e:
                self._emit(ErrorEvent, step, message=str(e), where="model",
                           budget="max_time", retries=[r.model_dump() for r in e.retries])
                return "finished", "max_time"
            except ModelError as e:
                self._emit(ErrorEvent, step, message=str(e), where="model",
                           status=e.status, retries=[r.model_dump() for r in e.retries])
                self.rec.info.error = str(e)
                return "failed", "error"
            self._record_turn(step, turn)
            if not turn.tool_calls:
                if self._format_error(step, turn):
                    return "failed", "error"
                self._end_step(step, f"step {step}")
                continue
            finished = self._run_calls(step, turn, None)
            if not finished:
                self._tell_time(step)
            if self._end_step(step, f"step {step}") == "sandbox_failed":
                return "failed", "error"
            if finished:
                return "finished", "finished"

    def _budget_reason(self) -> EndReason | None:
        b, s = self.budgets, self.state
        if self.stop.requested:
            raise RunInterrupted("stop requested")
        if b.max_steps is not None and s.step >= b.max_steps:
            return "max_steps"
        if b.max_cost is not None and s.cost >= b.max_cost:
            return "max_cost"
        if b.max_time_s is not None and self._agent_time() >= b.max_time_s:
            return "max_time"
        return self.allowance.exhausted() if self.allowance is not None else None

    def _set_deadline(self) -> None:
        """Model calls and their retries end by the --max-time deadline too: the agent's
        wall time, waits for sealed gradings added back (commands end by then too)."""
        self.model.deadline = self.ctx.deadline = None if self.budgets.max_time_s is None \
            else self.state.started + self.state.grader_wait_s + self.budgets.max_time_s

    def _agent_time(self) -> float:
        """Wall time charged to the agent: the run's, less its waits for sealed gradings."""
        return time.time() - self.state.started - self.state.grader_wait_s

    def _tell_time(self, step: int) -> None:
        """A clock line after the step's results, when one is due."""
        s = self.state
        if self.clock is None or not s.tool_calls:
            return
        reading = Reading(step=step, elapsed_s=self._agent_time(), cost=s.cost,
                          cost_known=s.model_calls > s.unpriced_calls)
        due = self.clock.due(reading, s.clock_step, s.clock_marks)
        if due is not None:
            self._emit(ClockEvent, step, **due)

    def _call_model(self, step: int) -> AssistantTurn:
        """Ask the model, through the context policy; compact first when it is due. An
        overflow compacts (falling back to ``compact`` from the other policies); a compacted
        request that still overflows is cut to fit; a third overflow ends the run."""
        self._set_deadline()
        self.context.before_call(step)
        for attempt in range(3):
            view = self.context.view()
            self._request = self.prefix.measure(view)
            try:
                with self._model_waiting(step):
                    return self.model.complete(view, self.toolbox.schemas())
            except ContextExceeded as e:
                self.context.overflowed(step, e, view, attempt)
        raise AssertionError("unreachable: the third overflow is raised")

    @contextmanager
    def _model_waiting(self, step: int) -> Iterator[None]:
        """Wait for a model call (Ctrl-C honoured). Interrupted while the endpoint was being
        retried, the attempts so far are recorded (an ``error`` event), so the run's retry
        count stays true."""
        self._call_retries = []
        try:
            with self.stop.waiting():
                yield
        except RunInterrupted:
            if self._call_retries:
                self._emit(ErrorEvent, step, where="model",
                           message="interrupted while the endpoint was being retried",
                           retries=[r.model_dump() for r in self._call_retries])
            raise
        finally:
            self._call_retries = []

    def _notes(self) -> str | None:
        try:
            return self.ctx.sandbox.read_file(NOTES_PATH).decode("utf-8", "replace")
        except (OSError, SandboxError):
            return None

    def _record_turn(self, step: int, turn: AssistantTurn) -> None:
        u = turn.usage
        self.context.observe(u.prompt_tokens)
        request_chars, prefix_chars = self._request
        self._emit(ModelCall, step, message=turn.message, reasoning=turn.reasoning,
                   **u.fields(), latency_s=turn.latency_s,
                   retries=[r.model_dump() for r in turn.retries],
                   finish_reason=turn.finish_reason, format_error=turn.format_error,
                   request_chars=request_chars, prefix_chars=prefix_chars)
        self.state.note = ""
        self.observer(self.state)

    def _on_retry(self, record: RetryRecord) -> None:
        """An attempt failed and will be retried: say so now (a notice in the trajectory, the
        live view's note), not only once the call is over."""
        self._call_retries.append(record)
        self._emit(RetryEvent, self.state.step, attempt=record.attempt, error=record.error,
                   status=record.status, wait_s=record.wait_s)
        self.state.note = (f"endpoint: {record.error[:80]} — retry {record.attempt} in "
                           f"{record.wait_s:.1f} s ({len(self._call_retries)} failed attempts "
                           "so far)")
        self.observer(self.state)

    def _on_grader_wait(self, waiting: bool) -> None:
        self.state.note = ("waiting for an evaluation: the sandbox is frozen while the grader "
                           "runs (sealed evaluation)") if waiting else ""
        self.observer(self.state)

    def _format_error(self, step: int, turn: AssistantTurn) -> bool:
        """A turn with no tool call: remind the model; True when the budget for that is spent."""
        # A text-mode model is shown the exact block syntax; native ones the generic line.
        how = getattr(self.model, "format_reminder", None) or HOW_TO_ACT
        why = f"Your last reply could not be used ({turn.format_error})." if turn.format_error \
            else "Your last reply had no tool call."
        text = f"{why} {how}"
        self._emit(MessageEvent, step, role="user", content=text, reason="format_error")
        if self.state.consecutive_format_errors >= self.budgets.max_format_errors:
            self.rec.info.error = (f"{self.state.consecutive_format_errors} model turns in a row "
                                   "without a usable tool call")
            return True
        return False

    def _run_calls(self, step: int, turn: AssistantTurn, pending: PendingStep | None) -> bool:
        """Run a turn's calls; each result is recorded (the step's snapshot folds them into
        the conversation). On resume, calls already recorded run again silently, so the
        workspace matches what the model saw, and their recorded text stands."""
        finished = False
        for call in turn.tool_calls:
            replaying = pending is not None and call.id in pending.recorded
            if pending is None or call.id not in pending.announced:
                self._emit(ToolCallEvent, step, call_id=call.id, name=call.name,
                           arguments=call.arguments, raw_arguments=call.raw_arguments,
                           parse_error=call.parse_error)
            if finished:  # every call gets an answer, even after finish
                if not replaying:
                    self._emit(ToolResultEvent, step, call_id=call.id, name=call.name, ok=False,
                               output="not run: `finish` was called earlier in this turn",
                               error_kind="after_finish")
                continue
            out = self._dispatch(step, call, record=not replaying)
            finished = finished or out.finished
            self.observer(self.state)
        return finished

    def _dispatch(self, step: int, call: ToolCall, record: bool = True) -> ToolOutput:
        """Dispatch one call and record its result; a dead sandbox is replaced and the model
        is told, in the call's result."""
        gate = self.evaluator.gate if self.evaluator is not None else None
        if gate is not None:
            waited = gate.waited_s
            with self.stop.waiting():  # Ctrl-C while a sealed grading runs: it is aborted
                entered = gate.enter(lambda: self.stop.requested)
            self.state.grader_wait_s += gate.waited_s - waited
            if not entered:
                raise RunInterrupted("stop requested")
        try:
            try:
                with self.stop.waiting():
                    shown = self.toolbox.dispatch(call, self.ctx)
            except SandboxDied as e:  # replaced before any grading may freeze the sandbox
                return self._sandbox_died(step, call, str(e))
        finally:
            if gate is not None:
                gate.leave()
        out = shown.output
        if not record:
            return out
        ref = self.rec.store_output(call.id, out.spilled, out.text) if shown.needs_store \
            else None
        self._emit(ToolResultEvent, step, call_id=call.id, name=call.name, ok=out.ok,
                   output=shown.display, exit_code=out.exit_code, timed_out=out.timed_out,
                   truncated=shown.needs_store, output_ref=ref, duration_s=out.duration_s,
                   error_kind=out.error_kind, note=out.note)
        return out

    def _sandbox_died(self, step: int, call: ToolCall, why: str) -> ToolOutput:
        self.state.sandbox_restarts += 1
        head = self.snapshots.head()
        if self.restart_sandbox is None or \
                self.state.sandbox_restarts > self.budgets.max_sandbox_restarts:
            self._sandbox_failed = True
            text = f"error: the sandbox died ({why}) and cannot be replaced"
        else:
            self.restart_sandbox(head)
            self._emit(SandboxRestartEvent, step, reason=why, restored_commit=head)
            text = ("error: the sandbox died while running this call (" + why + "). A fresh "
                    "sandbox was started with the workspace restored from the last snapshot "
                    "(changes made since the start of this step are lost; cwd and exports "
                    "reset). Re-run what you need.")
        self._emit(ToolResultEvent, step, call_id=call.id, name=call.name, ok=False, output=text,
                   error_kind="sandbox")
        return ToolOutput(text=text, ok=False, error_kind="sandbox")

    def _end_step(self, step: int, message: str) -> str | None:
        """Snapshot (the step's completion mark), maybe evaluate, fsync."""
        if self._sandbox_failed:
            self.rec.info.error = (f"the sandbox died {self.state.sandbox_restarts} times; "
                                   "giving up")
            return "sandbox_failed"
        commit = self.snapshots.snapshot(message)
        head = commit or self.snapshots.head()
        left_out = self.snapshots.last_skipped
        evaluate = self._evaluation_due(head)
        self._emit(SnapshotEvent, step, commit=head or "", changed=commit is not None,
                   tool_calls=self.state.tool_calls,
                   skipped=[s.as_dict() for s in left_out[:100]] or None,
                   skipped_count=len(left_out) or None, evaluate=evaluate)
        if evaluate and head and self.evaluator is not None:  # recorded first: resume
            self.evaluator.submit(head, step, self.state.tool_calls)  # grades it if lost
        self._show_grade()
        self.rec.sync()
        # run.json follows the events step by step, so a kill -9 leaves it nearly current.
        self._update_totals()
        self.rec.save_info()
        return None

    def _update_totals(self) -> None:
        s, t = self.state, self.rec.info.totals
        t.steps, t.tool_calls = s.step, s.tool_calls
        t.tokens_in, t.tokens_out = s.tokens_in, s.tokens_out
        t.tokens_cached, t.tokens_cache_write = s.tokens_cached, s.tokens_cache_write
        t.tokens_reasoning, t.cache_reported_calls = s.tokens_reasoning, s.cache_reported_calls
        t.request_chars, t.prefix_chars = s.request_chars, s.prefix_chars
        t.cost = round(s.cost, 6)
        t.wall_s = round(time.time() - s.started, 3)
        t.grader_wait_s = round(s.grader_wait_s, 3)
        t.format_errors = s.format_errors
        t.model_calls, t.unpriced_calls, t.retries = s.model_calls, s.unpriced_calls, s.retries

    def _evaluation_due(self, head: str | None) -> bool:
        """Whether this step's snapshot is to be graded (``eval_every`` tool calls on)."""
        if self.evaluator is None or not self.eval_every or not head:
            return False
        return self.state.tool_calls - self.state.last_eval_calls >= self.eval_every

    def _show_grade(self) -> None:
        latest = self.evaluator.latest if self.evaluator else None
        if latest is not None:
            self.state.grade = f"{latest.passed}/{latest.total}"

    def _finish(self, status: Status, reason: EndReason) -> Outcome:
        """Final evaluation (unless interrupted, or nothing was ever asked of the model),
        run_end, totals in run.json. Ctrl-C during the final grading ends the run
        ``interrupted`` (``ultrarun grade RUN`` grades it later)."""
        grade = None
        if self.evaluator is not None:
            if status == "interrupted" or not self.state.model_calls:
                # Stop now; and a run that never reached its model has nothing to grade.
                self.evaluator.abort()
            else:
                head = self.snapshots.head()
                if head:
                    self.evaluator.submit(head, self.state.step, self.state.tool_calls,
                                          final=True)
                try:
                    self._wait_for_grading()
                except RunInterrupted:
                    self.evaluator.abort()
                    status, reason = "interrupted", "interrupted"
                    self.state.note = "interrupted during the final grading"
            self._show_grade()
            latest = self.evaluator.latest
            if latest is not None and status != "interrupted":
                grade = {"passed": latest.passed, "total": latest.total,
                         "stages": latest.stages, "commit": latest.commit, "error": latest.error}
        s = self.state
        info = self.rec.info
        info.status, info.end_reason, info.ended_at = status, reason, time.time()
        self._update_totals()
        info.grade = grade if grade is not None else info.grade
        self._emit(RunEnd, s.step, status=status, end_reason=reason,
                   totals=info.totals.model_dump())
        self.rec.sync()
        self.rec.save_info()
        s.status = status
        self.observer(s)
        return status, reason

    def _wait_for_grading(self) -> None:
        """Wait for the gradings still queued, saying each second what is being graded."""
        assert self.evaluator is not None
        while True:
            with self.stop.waiting():
                if self.evaluator.wait(timeout=1.0):
                    return
            self.state.note = (f"final grading: {self.evaluator.describe()} (Ctrl-C stops it: "
                               "the run ends interrupted, `ultrarun grade RUN` grades it later)")
            self.observer(self.state)
