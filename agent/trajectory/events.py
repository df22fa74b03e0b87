"""The events of `events.jsonl` (docs/trajectory.md) as a pydantic discriminated union.

Every event has ``seq`` (contiguous from 0), ``t`` (unix seconds), ``type`` and ``step``. Each
message is stored once: ``run_start`` holds the opening messages, ``model_call`` the assistant
message, ``tool_result`` the text the model was shown, ``message`` any other message the harness
added to the conversation. The conversation can be rebuilt from these alone.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from agent.trajectory.run_info import EndReason, Status

SCHEMA_VERSION = 1


class EventBase(BaseModel):
    model_config = ConfigDict(extra="allow")

    seq: int
    t: float
    type: str
    step: int


class RunStart(EventBase):
    type: Literal["run_start"] = "run_start"
    schema_version: int = SCHEMA_VERSION
    run_id: str
    messages: list[dict[str, Any]]  # system + task prompt, as sent
    tools: list[str] = Field(default_factory=list)


class ModelCall(EventBase):
    type: Literal["model_call"] = "model_call"
    message: dict[str, Any]
    reasoning: str | None = None
    prompt_tokens: int | None = None  # all of them, cached ones included
    completion_tokens: int | None = None  # reasoning included
    cached_tokens: int | None = None  # of prompt_tokens, read from the provider's cache
    cache_write_tokens: int | None = None  # of prompt_tokens, written to it
    reasoning_tokens: int | None = None  # of completion_tokens
    cost: float | None = None
    latency_s: float = 0.0
    # The request's messages as sent (JSON characters), and how many of them from the start
    # were exactly the previous request's (None: no previous request in this session).
    request_chars: int | None = None
    prefix_chars: int | None = None
    retries: list[dict[str, Any]] = Field(default_factory=list)
    finish_reason: str | None = None
    format_error: str | None = None


class ToolCallEvent(EventBase):
    type: Literal["tool_call"] = "tool_call"
    call_id: str
    name: str
    arguments: dict[str, Any] | None = None
    raw_arguments: str = ""
    parse_error: str | None = None


class ToolResultEvent(EventBase):
    type: Literal["tool_result"] = "tool_result"
    call_id: str
    name: str
    ok: bool
    output: str
    exit_code: int | None = None
    timed_out: bool = False
    truncated: bool = False
    output_ref: str | None = None
    duration_s: float = 0.0
    error_kind: str | None = None  # unknown_tool | bad_arguments | path | sandbox | tool_error
    note: str | None = None

    @property
    def ran(self) -> bool:
        """Whether the call ran: a call after ``finish`` in the same turn is answered unrun,
        and the run's tool-call counter (snapshots, evaluations) leaves it out."""
        return self.error_kind != "after_finish"

    @property
    def failed(self) -> bool:
        """The tool refused the call or the command exited non-zero."""
        return not self.ok or (self.exit_code is not None and self.exit_code != 0)


class MessageEvent(EventBase):
    """A message the harness added to the conversation (format reminders, notes, summaries)."""

    type: Literal["message"] = "message"
    role: str
    content: str
    reason: str = ""


class SnapshotEvent(EventBase):
    """Ends every step: the workspace's commit after it (``changed``: a new commit was made)."""

    type: Literal["snapshot"] = "snapshot"
    commit: str
    changed: bool = True
    tool_calls: int = 0  # tool calls made so far in the run
    # What the snapshot left out ({path, reason}: huge files, FIFOs, devices...), first 100;
    # ``skipped_count`` is the full number.
    skipped: list[dict[str, str]] | None = None
    skipped_count: int | None = None
    # An evaluation of this commit was asked for (``grader.every``): an `evaluation` event
    # with the same ``tool_calls`` records it; resume grades one that was not recorded.
    evaluate: bool = False


class EvaluationEvent(EventBase):
    type: Literal["evaluation"] = "evaluation"
    commit: str | None = None
    tool_calls: int = 0
    passed: int = 0
    total: int = 0
    tests: dict[str, str] = Field(default_factory=dict)
    stages: dict[str, list[int]] = Field(default_factory=dict)
    duration_s: float = 0.0
    error: str | None = None
    final: bool = False
    carried: list[str] = Field(default_factory=list)  # parts not graded: results carried over
    # How long the agent's sandbox was frozen for this grading (padded; None: not sealed).
    frozen_s: float | None = None
    # The fuzz measure (agent/fuzzing.py FuzzResult, as the grader reported it): its own
    # series, never part of passed/total.
    fuzz: dict[str, Any] | None = None


class ReductionEvent(EventBase):
    """Miscompiled fuzz programs of the evaluation at ``step`` (same commit), shrunk after it
    (agent/fuzzing.py ``Reduced``, one per program)."""

    type: Literal["reduction"] = "reduction"
    commit: str | None = None
    tool_calls: int = 0
    seed: int | None = None  # the evaluation's fuzz seed
    programs: list[dict[str, Any]] = Field(default_factory=list)
    duration_s: float = 0.0
    error: str | None = None


class GradingEvent(EventBase):
    """A notice, written when the grader starts on a snapshot (``step`` is the step graded),
    so a follower can say what is being graded while it is; its ``evaluation`` follows."""

    type: Literal["grading"] = "grading"
    commit: str | None = None
    tool_calls: int = 0
    final: bool = False
    queued: int = 0  # gradings waiting behind this one


class ContextEvent(EventBase):
    type: Literal["context"] = "context"
    action: str  # mask | compact | fallback | window
    details: dict[str, Any] = Field(default_factory=dict)


class ClockEvent(EventBase):
    """What the agent was told of its budgets: ``text`` follows the step's last tool result
    (the conversation holds it there; the result's own ``output`` stays the tool's)."""

    type: Literal["clock"] = "clock"
    text: str
    reason: str = ""  # every | milestone | resume
    marks: dict[str, float] = Field(default_factory=dict)  # per budget: highest milestone told
    left: dict[str, Any] = Field(default_factory=dict)


class ErrorEvent(EventBase):
    type: Literal["error"] = "error"
    message: str
    where: str = ""  # model | loop | setup
    # A model call that failed for good: its HTTP status, the budget that stopped its retries
    # (``max_time``) and the attempts made.
    status: int | None = None
    budget: str | None = None
    retries: list[dict[str, Any]] = Field(default_factory=list)


class RetryEvent(EventBase):
    """A notice, written as a model call's attempt fails and is about to be retried, so that
    whoever follows the run (the viewer, a log) sees an outage as it happens. The attempts are
    counted from the ``retries`` of the call's ``model_call`` or ``error`` event, never from
    these notices."""

    type: Literal["retry"] = "retry"
    attempt: int
    error: str
    status: int | None = None
    wait_s: float = 0.0


class ResumeEvent(EventBase):
    type: Literal["resume"] = "resume"
    reason: str = ""
    details: dict[str, Any] = Field(default_factory=dict)


class SandboxRestartEvent(EventBase):
    type: Literal["sandbox_restart"] = "sandbox_restart"
    reason: str = ""
    restored_commit: str | None = None


class RunEnd(EventBase):
    type: Literal["run_end"] = "run_end"
    status: Status
    end_reason: EndReason
    totals: dict[str, Any] = Field(default_factory=dict)


Event = Annotated[
    RunStart | ModelCall | ToolCallEvent | ToolResultEvent | MessageEvent | SnapshotEvent
    | EvaluationEvent | ReductionEvent | GradingEvent | ContextEvent | ClockEvent | ErrorEvent
    | RetryEvent | ResumeEvent | SandboxRestartEvent | RunEnd,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
KNOWN_TYPES = {"run_start", "model_call", "tool_call", "tool_result", "message", "snapshot",
               "evaluation", "reduction", "grading", "context", "clock", "error", "retry",
               "resume", "sandbox_restart", "run_end"}


def parse_event(data: dict[str, Any]) -> EventBase:
    """A typed event; events of types this version does not know stay generic, not errors."""
    if data.get("type") in KNOWN_TYPES:
        return EVENT_ADAPTER.validate_python(data)
    return EventBase.model_validate(data)
