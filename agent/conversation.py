"""The conversation a run holds, and the one fold that builds it from the run's events.

The loop records an event, then hands it to its ``ConversationBuilder``; resume and fork hand
the recorded events to a new builder in the same order (``rebuild``). Both therefore get the
same conversation, context policy and counters: a new kind of message is one event type and
one handler here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from agent.context import CallMeta, CompactPolicy, ContextPolicy
from agent.models.base import AssistantTurn, Model
from agent.models.usage import count_call
from agent.state import LoopState, PendingStep
from agent.trajectory.events import (
    ClockEvent,
    ContextEvent,
    ErrorEvent,
    EvaluationEvent,
    EventBase,
    MessageEvent,
    ModelCall,
    RunEnd,
    RunStart,
    SnapshotEvent,
    ToolCallEvent,
    ToolResultEvent,
)


@dataclass
class Conversation:
    """Messages as the model is sent them (before a context policy's view), plus what
    policies need to know: where each step starts, and each tool call's name and exit."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    step_starts: dict[int, int] = field(default_factory=dict)  # step -> index of its turn
    meta: dict[str, CallMeta] = field(default_factory=dict)  # call id -> name, exit code


def _turn_of(message: dict[str, Any]) -> AssistantTurn:
    from agent.models.openai_model import turn_from_message

    return turn_from_message(message, send_reasoning=True)


class ConversationBuilder:
    """Folds events, in order, into the conversation, the context policy and the counters."""

    def __init__(self, model: Model, policy: ContextPolicy, *,
                 keep_prefixes: bool = False) -> None:
        self.model = model
        self.policy = policy
        self.conv = Conversation()
        self.state = LoopState()
        self.commit: str | None = None  # the workspace after the last completed step
        self.completed = -1  # the last completed step
        self.finished_step: int | None = None  # the step whose `finish` call succeeded
        self.ended: RunEnd | None = None  # the last run_end, if the run had ended
        self.pending: PendingStep | None = None  # set by ``settle``
        # Before each model turn, the messages since the previous turn: all a scripted model
        # looks at, for resume to ask it again (kept only when asked: resume and fork).
        self.prefixes: list[list[dict[str, Any]]] | None = [] if keep_prefixes else None
        self._turn: ModelCall | None = None  # the last turn, while its results come in
        self._results: list[tuple[str, str, str]] = []  # (call id, tool, text shown)
        self._announced: set[str] = set()
        self._last_assistant = -1
        self._window: int | None = None  # a context window learnt from the endpoint
        self._first_t: float | None = None
        self._last_t: float | None = None
        # Evaluations asked for and not yet recorded: tool calls -> (commit, step).
        self.eval_requests: dict[int, tuple[str, int]] = {}

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.conv.messages

    def apply(self, e: EventBase) -> None:
        """Fold one event (the loop calls this for every event it records)."""
        if self._first_t is None:
            self._first_t = e.t
        self._last_t = e.t
        handler = _HANDLERS.get(type(e))
        if handler is not None:
            handler(self, e)

    # -- handlers, one per event type that changes the conversation or the counters ---------
    def _run_start(self, e: RunStart) -> None:
        self.conv.messages, self.conv.step_starts = list(e.messages), {}

    def _model_call(self, e: ModelCall) -> None:
        self._flush()
        if self.prefixes is not None:
            start = self._last_assistant if self._last_assistant >= 0 else 0
            self.prefixes.append(self.conv.messages[start:])
        self._last_assistant = len(self.conv.messages)
        self.conv.step_starts.setdefault(e.step, len(self.conv.messages))
        self.conv.messages.append(e.message)
        self._turn, self._announced = e, set()
        self.state.cost += count_call(self.state, e.__dict__)  # the fields, without a copy

    def _tool_call(self, e: ToolCallEvent) -> None:
        self._announced.add(e.call_id)
        self.state.consecutive_format_errors = 0  # a usable turn

    def _tool_result(self, e: ToolResultEvent) -> None:
        self._results.append((e.call_id, e.name, e.output))
        self.conv.meta[e.call_id] = CallMeta(e.name, e.exit_code, e.ok)
        if e.name == "finish" and e.ok and e.error_kind is None:
            self.finished_step = e.step
        if e.error_kind != "after_finish":  # never ran
            self.state.tool_calls += 1
            self.state.last_tool, self.state.last_exit = e.name, e.exit_code

    def _message(self, e: MessageEvent) -> None:
        self._flush()
        self.conv.messages.append({"role": e.role, "content": e.content})
        if e.reason == "format_error":
            self.state.format_errors += 1
            self.state.consecutive_format_errors += 1

    def _snapshot(self, e: SnapshotEvent) -> None:
        self._flush()
        self.commit = e.commit or self.commit
        self.completed = self.state.step = e.step
        if e.evaluate and e.commit:
            self.state.last_eval_calls = max(self.state.last_eval_calls, e.tool_calls)
            self.eval_requests[e.tool_calls] = (e.commit, e.step)

    def _context(self, e: ContextEvent) -> None:
        d = e.details
        if e.action == "compact":
            self._flush()
            self.conv.messages = [*self.conv.messages[:2], d["message"]]
            self.conv.step_starts = {}
            self._last_assistant = -1
            if "prompt_tokens" in d or "completion_tokens" in d:  # the summary call
                self.state.cost += count_call(self.state, d)
            else:
                self.state.retries += len(d.get("retries") or [])
        elif e.action == "fallback":
            if not isinstance(self.policy, CompactPolicy):
                # Runs recorded before the fallback named its window fall back to the learnt one.
                self.policy = CompactPolicy(context_window=d.get("context_window", self._window))
        elif e.action == "window":
            self._window = int(d.get("context_window") or 0) or self._window
            if isinstance(self.policy, CompactPolicy) and self._window:
                self.policy.context_window, self.policy.window_known = self._window, True
        else:
            self.policy.restore(d)

    def _clock(self, e: ClockEvent) -> None:
        # The line follows the step's last result, in the message that carries it.
        if self._results:
            cid, name, text = self._results[-1]
            self._results[-1] = (cid, name, f"{text}\n{e.text}" if text else e.text)
        self.state.clock_step = e.step
        self.state.clock_marks.update(e.marks)

    def _error(self, e: ErrorEvent) -> None:
        self.state.retries += len(e.retries or [])

    def _evaluation(self, e: EvaluationEvent) -> None:
        self.state.last_eval_calls = max(self.state.last_eval_calls, e.tool_calls)
        if not e.final and e.commit == self.eval_requests.get(e.tool_calls, ("",))[0]:
            del self.eval_requests[e.tool_calls]

    def ungraded(self) -> list[tuple[str, int, int]]:
        """Evaluations asked for and never recorded (commit, step, tool calls), in order."""
        return [(c, s, n) for n, (c, s) in sorted(self.eval_requests.items())]

    def _run_end(self, e: RunEnd) -> None:
        self.ended = e

    # -- helpers ----------------------------------------------------------------------------
    def _flush(self) -> None:
        """The tool results of the last turn become messages (the model's format for them)."""
        if self._results and self._turn is not None:
            self.conv.messages.extend(
                self.model.tool_result_messages(_turn_of(self._turn.message), self._results))
        self._results = []

    def settle(self) -> None:
        """After the recorded events: find a trailing step to finish and carry the wall time
        on (resume). Its results stay open: the loop adds the rest and the step's snapshot
        folds them all in, in call order."""
        turn = self._turn
        if turn is not None and turn.step > self.completed and turn.message.get("tool_calls"):
            recorded = {cid: (name, text) for cid, name, text in self._results}
            self.pending = PendingStep(turn.step, _turn_of(turn.message), recorded,
                                       self._announced)
            self.state.step = turn.step
        wall = float(self.ended.totals.get("wall_s") or 0.0) if self.ended else 0.0
        if self.ended:
            self.state.grader_wait_s = float(self.ended.totals.get("grader_wait_s") or 0.0)
        if self.ended is None and self._first_t is not None and self._last_t is not None:
            wall = max(wall, self._last_t - self._first_t)
        self.state.started = time.time() - wall


_HANDLERS: dict[type[EventBase], Callable[[ConversationBuilder, Any], None]] = {
    RunStart: ConversationBuilder._run_start,
    ModelCall: ConversationBuilder._model_call,
    ToolCallEvent: ConversationBuilder._tool_call,
    ToolResultEvent: ConversationBuilder._tool_result,
    MessageEvent: ConversationBuilder._message,
    SnapshotEvent: ConversationBuilder._snapshot,
    ContextEvent: ConversationBuilder._context,
    ClockEvent: ConversationBuilder._clock,
    ErrorEvent: ConversationBuilder._error,
    EvaluationEvent: ConversationBuilder._evaluation,
    RunEnd: ConversationBuilder._run_end,
}


def rebuild(events: Iterable[EventBase], model: Model, policy: ContextPolicy,
            upto_step: int | None = None) -> ConversationBuilder:
    """A recorded run's conversation, policy and counters, as its loop had them.

    With ``upto_step`` (fork), stop after that step completed; otherwise a trailing
    incomplete step is left ``pending`` (its recorded results are kept, the rest re-run).
    """
    fold = ConversationBuilder(model, policy, keep_prefixes=True)
    for e in events:
        if upto_step is not None and e.step > upto_step and not isinstance(e, RunStart):
            break
        fold.apply(e)
    fold.settle()
    return fold
