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

from agent.budgets import Budgets
from agent.context import (
    NOTES_PATH,
    SUMMARY_SHARE,
    CompactPolicy,
    ContextPolicy,
    FullPolicy,
    estimate_tokens,
    mechanical_summary,
    summary_message,
    summary_request,
)
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
from agent.state import LoopState, PendingStep
from agent.step_snapshots import StepSnapshots
from agent.stop import RunInterrupted, StopSignal
from agent.tools.base import ToolContext, ToolOutput
from agent.tools.toolbox import ToolBox
from agent.trajectory.events import (
    ContextEvent,
    ErrorEvent,
    EventBase,
    MessageEvent,
    ModelCall,
    ResumeEvent,
    RetryEvent,
    RunEnd,
    RunStart,
    SandboxRestartEvent,
    ToolCallEvent,
    ToolResultEvent,
)
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import EndReason, Status
from agent.trajectory.snapshots import Snapshotter
from sandboxes import SandboxDied, SandboxError

HOW_TO_ACT = ("Continue the task by calling one of the tools; call `finish` with a summary "
              "when the task is done.")
FORMAT_REMINDER = f"Your last reply had no tool call. {HOW_TO_ACT}"

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
                 summaries_from_model: bool = True) -> None:
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
        self._calibration = 1.0  # endpoint tokens / our estimate, from the last call
        self._tools_est: int | None = None
        self._sandbox_failed = False
        self.step_snaps = StepSnapshots(snapshots, lambda: self.state, self._emit)
        self._call_retries: list[RetryRecord] = []  # announced for the call in progress
        model.on_retry = self._on_retry

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
        self._emit(RunStart, 0, run_id=self.rec.info.run_id, tools=self.toolbox.names,
                   messages=[{"role": "system", "content": system},
                             {"role": "user", "content": task}])
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
        # Model calls and their retries end by then too (--max-time is wall time).
        self.model.deadline = None if self.budgets.max_time_s is None else \
            self.state.started + self.budgets.max_time_s
        with self.stop.installed():
            try:
                self._probe_window()
                if pending is not None:
                    done = self._run_calls(pending.step, pending.turn, pending)
                    self._end_step(pending.step, f"step {pending.step}", last=done)
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
            if self._end_step(step, f"step {step}", last=finished) == "sandbox_failed":
                return "failed", "error"
            if finished:
                return "finished", "finished"

    def _budget_reason(self) -> EndReason | None:
        if self.stop.requested:
            raise RunInterrupted("stop requested")
        return self._budget_spent()

    def _budget_spent(self) -> EndReason | None:
        b, s = self.budgets, self.state
        if b.max_steps is not None and s.step >= b.max_steps:
            return "max_steps"
        if b.max_cost is not None and s.cost >= b.max_cost:
            return "max_cost"
        if b.max_time_s is not None and time.time() - s.started >= b.max_time_s:
            return "max_time"
        return None

    def _call_model(self, step: int) -> AssistantTurn:
        """Ask the model, through the context policy; compact first when it is due."""
        self._update_context(step)
        try:
            with self._model_waiting(step):
                return self.model.complete(self._view(), self.toolbox.schemas())
        except ContextExceeded as e:
            if not isinstance(self.policy, CompactPolicy):
                guess = max(1000, int(self._estimate() * 0.9))
                self._emit(ContextEvent, step, action="fallback",
                           details={"from": self.policy.name, "to": "compact", "error": str(e),
                                    "context_window": None if e.window else guess})
            elif len(self.messages) <= 3:
                if e.window:
                    self._learn_window(step, e.window, "context-length error", str(e))
                raise  # nothing left to compact
            if e.window:
                self._learn_window(step, e.window, "context-length error", str(e))
            self._compact(step, forced=True, error=str(e))
            with self._model_waiting(step):
                return self.model.complete(self._view(), self.toolbox.schemas())

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

    def _view(self) -> list[dict[str, Any]]:
        return self.policy.view(self.messages, self.fold.conv.meta)

    def _raw_estimate(self, view: list[dict[str, Any]] | None = None) -> int:
        # The tool schemas go with every request: a constant part of the prompt, which keeps
        # the calibration steady when the conversation is short (e.g. just after compaction).
        if self._tools_est is None:
            self._tools_est = estimate_tokens(self.toolbox.schemas())
        return estimate_tokens(self._view() if view is None else view) + self._tools_est

    def _estimate(self, view: list[dict[str, Any]] | None = None) -> int:
        return int(self._raw_estimate(view) * self._calibration)

    def _update_context(self, step: int) -> None:
        if isinstance(self.policy, FullPolicy):
            return  # nothing to decide; estimating would cost O(history) every step
        est = self._estimate()
        if isinstance(self.policy, CompactPolicy):
            if self.policy.due(est) and len(self.messages) > 3:
                self._compact(step, forced=False)
            return
        change = self.policy.update(self.messages, self.fold.conv.step_starts, est)
        if change:
            self._emit(ContextEvent, step, action=self.policy.name,
                       details={**change, "est_tokens_before": est,
                                "est_tokens_after": self._estimate()})

    def _probe_window(self) -> None:
        """Ask the server for its context window when compaction needs one nobody set."""
        probe = getattr(self.model, "probe_context_window", None)
        if not isinstance(self.policy, CompactPolicy) or self.policy.window_known or \
                probe is None:
            return
        found = probe()
        if found:
            self._learn_window(self.state.step, found[0], f"server ({found[1]})")

    def _learn_window(self, step: int, window: int, source: str,
                      error: str | None = None) -> None:
        """Use and record a context window the endpoint told of (resume restores it)."""
        if isinstance(self.policy, CompactPolicy):
            if self.policy.window_known and self.policy.context_window == window:
                return
        elif self.rec.info.context_window == window:
            return
        self.rec.info.context_window = window
        details: dict[str, Any] = {"context_window": window, "source": source}
        if error:
            details["error"] = error[:500]
        self._emit(ContextEvent, step, action="window", details=details)
        self.rec.save_info()

    def _compact(self, step: int, forced: bool, error: str | None = None) -> None:
        before = self._estimate()
        summary: str | None = None
        usage: dict[str, Any] = {}
        if self.summaries_from_model:
            assert isinstance(self.policy, CompactPolicy)
            # Never trust a calibration below 1 here: it is measured on the agent's requests,
            # whose JSON envelopes (call ids...) a chat template mostly drops, while the
            # summary request is plain text, which has more tokens per character.
            budget = int(self.policy.context_window * SUMMARY_SHARE
                         / max(1.0, self._calibration))
            ask = summary_request(self.messages, self._compact_prompt(), budget)
            try:
                with self.stop.waiting():
                    turn = self.model.complete(ask, [])
                summary = turn.content
                u = turn.usage
                usage = {"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens,
                         "cost": u.cost, "latency_s": turn.latency_s,
                         "retries": [r.model_dump() for r in turn.retries],
                         "summary_request_est_tokens": estimate_tokens(ask)}
            except (ModelError, ScriptExhausted) as e:
                failed = e.retries if isinstance(e, ModelError) else []
                usage = {"summary_error": str(e)[:300],
                         "retries": [r.model_dump() for r in failed]}
        if not summary:
            summary = mechanical_summary(self.messages)
        message = summary_message(summary, self._notes())
        after = self._estimate([*self.messages[:2], message])  # a compact view is the whole
        assert isinstance(self.policy, CompactPolicy)
        self._emit(ContextEvent, step, action="compact",
                   details={"message": message, "replaced_messages": len(self.messages) - 2,
                            "est_tokens_before": before, "est_tokens_after": after,
                            "forced": forced, "context_window": self.policy.context_window,
                            **({"error": error[:500]} if error else {}), **usage})

    def _compact_prompt(self) -> str:
        assert isinstance(self.policy, CompactPolicy)
        return self.policy.summary_prompt

    def _notes(self) -> str | None:
        try:
            return self.ctx.sandbox.read_file(NOTES_PATH).decode("utf-8", "replace")
        except (OSError, SandboxError):
            return None

    def _record_turn(self, step: int, turn: AssistantTurn) -> None:
        u = turn.usage
        if u.prompt_tokens and not isinstance(self.policy, FullPolicy):
            # Calibrate the estimate on what the endpoint counted (only policies use it).
            self._calibration = max(0.25, min(4.0, u.prompt_tokens /
                                              max(1, self._raw_estimate())))
        self._emit(ModelCall, step, message=turn.message, reasoning=turn.reasoning,
                   prompt_tokens=u.prompt_tokens, completion_tokens=u.completion_tokens,
                   cost=u.cost, latency_s=turn.latency_s,
                   retries=[r.model_dump() for r in turn.retries],
                   finish_reason=turn.finish_reason, format_error=turn.format_error)
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
        try:
            with self.stop.waiting():
                shown = self.toolbox.dispatch(call, self.ctx)
        except SandboxDied as e:
            return self._sandbox_died(step, call, str(e))
        out = shown.output
        if not record:
            return out
        ref = self.rec.store_output(call.id, out.spilled, out.text) if shown.needs_store \
            else None
        shown_text = self.step_snaps.with_notice(shown.display)
        self._emit(ToolResultEvent, step, call_id=call.id, name=call.name, ok=out.ok,
                   output=shown_text, exit_code=out.exit_code, timed_out=out.timed_out,
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

    def _end_step(self, step: int, message: str, last: bool = False) -> str | None:
        """Snapshot (the step's completion mark), maybe evaluate, fsync. The snapshot reads
        every file's content when it is to be graded or is the run's last (``last``: the
        agent finished; or a budget is now spent)."""
        if self._sandbox_failed:
            self.rec.info.error = (f"the sandbox died {self.state.sandbox_restarts} times; "
                                   "giving up")
            return "sandbox_failed"
        self.step_snaps.take(step, message, last or self._eval_due() or
                        self._budget_spent() is not None)
        self._maybe_evaluate(step, self.snapshots.head())
        self.rec.sync()
        # run.json follows the events step by step, so a kill -9 leaves it nearly current.
        self._update_totals()
        self.rec.save_info()
        return None

    def _eval_due(self) -> bool:
        return bool(self.evaluator is not None and self.eval_every and
                    self.state.tool_calls - self.state.last_eval_calls >= self.eval_every)

    def _update_totals(self) -> None:
        s, t = self.state, self.rec.info.totals
        t.steps, t.tool_calls = s.step, s.tool_calls
        t.tokens_in, t.tokens_out = s.tokens_in, s.tokens_out
        t.cost = round(s.cost, 6)
        t.wall_s = round(time.time() - s.started, 3)
        t.format_errors = s.format_errors
        t.model_calls, t.unpriced_calls, t.retries = s.model_calls, s.unpriced_calls, s.retries

    def _maybe_evaluate(self, step: int, head: str | None) -> None:
        if self.evaluator is None:
            return
        calls = self.state.tool_calls
        if head and self._eval_due():
            self.state.last_eval_calls = calls
            self.evaluator.submit(head, step, calls)
        self._show_grade()

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
                failed = self.step_snaps.verify_last(self.state.step)
                if failed:
                    self._emit(ErrorEvent, self.state.step, message=failed, where="loop")
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
        start = time.monotonic()
        while True:
            with self.stop.waiting():
                if self.evaluator.wait(timeout=1.0):
                    return
            self.state.note = (f"final grading: {self.evaluator.describe()}, "
                               f"{time.monotonic() - start:.0f} s so far (Ctrl-C stops it: the "
                               "run ends interrupted, `ultrarun grade RUN` grades it later)")
            self.observer(self.state)
