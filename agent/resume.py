"""Rebuilding a run's conversation and counters from its events, to resume or fork it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from agent.context import CompactPolicy, ContextPolicy
from agent.conversation import Conversation
from agent.loop import LoopState, PendingStep
from agent.models.base import Model
from agent.models.openai_model import turn_from_message
from agent.trajectory.events import (
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
from sandboxes.errors import UserError


class ResumeError(UserError):
    """The run cannot be continued; the message says why."""


@dataclass
class Rebuilt:
    conv: Conversation
    state: LoopState
    pending: PendingStep | None
    commit: str | None  # workspace at the last completed step
    model_turns: int  # model turns recorded (for scripted models to skip)
    # Before each recorded model turn, the messages since the previous turn: all a scripted
    # model looks at (a policy reads its last observation), without quadratic copies.
    prefixes: list[list[dict[str, Any]]]
    ended: RunEnd | None  # the last run_end, if the run had ended
    policy: ContextPolicy


def rebuild(events: list[EventBase], model: Model, policy: ContextPolicy,
            upto_step: int | None = None) -> Rebuilt:
    """Replay events into a Conversation exactly as the loop built it.

    With ``upto_step`` (fork), stop after that step completed; otherwise include a trailing
    incomplete step as ``pending`` (its recorded results are kept, the rest re-run).
    """
    conv = Conversation()
    state = LoopState()
    step_results: list[tuple[str, str, str]] = []
    turn = None
    last_turn_step = 0
    commit: str | None = None
    completed = -1
    prefixes: list[list[dict[str, Any]]] = []
    announced: set[str] = set()
    ended: RunEnd | None = None
    wall = 0.0
    first_t: float | None = None
    last_assistant = -1
    window: int | None = None  # a context window learnt from the endpoint

    def flush() -> None:
        nonlocal step_results, turn
        if turn is not None:
            conv.add(model.tool_result_messages(turn, step_results))
        step_results, turn = [], None

    for e in events:
        if upto_step is not None and e.step > upto_step and not isinstance(e, RunStart):
            break
        if first_t is None:
            first_t = e.t
        if isinstance(e, RunStart):
            conv.start(e.messages)
        elif isinstance(e, ModelCall):
            flush()
            prefixes.append(conv.messages[last_assistant:] if last_assistant >= 0
                            else list(conv.messages))
            last_assistant = len(conv.messages)
            conv.add_turn(e.step, e.message)
            turn = turn_from_message(e.message, send_reasoning=True) \
                if e.message.get("tool_calls") else None
            last_turn_step = e.step
            _count_call(state, e.prompt_tokens, e.completion_tokens, e.cost, len(e.retries))
            announced = set()
        elif isinstance(e, ToolCallEvent):
            announced.add(e.call_id)
            state.consecutive_format_errors = 0  # a usable turn, as the loop counts it
        elif isinstance(e, ToolResultEvent):
            step_results.append((e.call_id, e.name, e.output))
            conv.note_result(e.call_id, e.name, e.exit_code, e.ok)
            if e.error_kind != "after_finish":
                state.tool_calls += 1
            state.last_tool, state.last_exit = e.name, e.exit_code
        elif isinstance(e, MessageEvent):
            flush()
            conv.add([{"role": e.role, "content": e.content}])
            if e.reason == "format_error":
                state.format_errors += 1
                state.consecutive_format_errors += 1
        elif isinstance(e, SnapshotEvent):
            flush()
            commit = e.commit or commit
            completed = e.step
            state.step = e.step
        elif isinstance(e, ContextEvent):
            if e.action == "compact":
                flush()
                conv.compact(e.details["message"])
                last_assistant = -1
                d = e.details
                if "prompt_tokens" in d or "completion_tokens" in d:  # the summary call
                    _count_call(state, d.get("prompt_tokens"), d.get("completion_tokens"),
                                d.get("cost"), len(d.get("retries") or []))
                else:
                    state.retries += len(d.get("retries") or [])
            elif e.action == "fallback":
                if not isinstance(policy, CompactPolicy):
                    policy = CompactPolicy(context_window=window)
            elif e.action == "window":
                window = int(e.details.get("context_window") or 0) or window
                if isinstance(policy, CompactPolicy) and window:
                    policy.context_window, policy.window_known = window, True
            else:
                policy.restore(e.details)
        elif isinstance(e, ErrorEvent):
            state.retries += len(getattr(e, "retries", None) or [])
        elif isinstance(e, EvaluationEvent):
            state.last_eval_calls = max(state.last_eval_calls, e.tool_calls)
        elif isinstance(e, RunEnd):
            ended = e
            wall = float(e.totals.get("wall_s", wall))
    pending = None
    if turn is not None and last_turn_step > completed:
        recorded = {cid: (name, text) for cid, name, text in step_results}
        pending = PendingStep(last_turn_step, turn, recorded, announced)
        state.step = last_turn_step
    if ended is None and first_t is not None:
        wall = max(wall, events[-1].t - first_t)
    state.started = time.time() - wall
    return Rebuilt(conv, state, pending, commit, len(prefixes), prefixes, ended, policy)


def _count_call(state: LoopState, prompt: Any, completion: Any, cost: Any,
                retries: int) -> None:
    """Add one recorded model call to the counters, as the loop's ``_count_usage`` did."""
    state.tokens_in += prompt if isinstance(prompt, int) else 0
    state.tokens_out += completion if isinstance(completion, int) else 0
    state.cost += cost if isinstance(cost, int | float) else 0.0
    state.model_calls += 1
    state.unpriced_calls += cost is None
    state.retries += retries


def fast_forward(model: Model, prefixes: list[list[dict[str, Any]]],
                 tools: list[dict[str, Any]]) -> None:
    """Advance a scripted model (script, replay, reference policy) past recorded turns by
    asking it again with the same conversations; nothing is executed or recorded."""
    sleeper = getattr(model, "_sleep", None)
    if sleeper is not None:  # scripted latency is not worth waiting for again
        model._sleep = lambda _s: None  # type: ignore[attr-defined]
    try:
        for prefix in prefixes:
            model.complete(prefix, tools)
    finally:
        if sleeper is not None:
            model._sleep = sleeper  # type: ignore[attr-defined]
