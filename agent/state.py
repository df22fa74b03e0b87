"""What a run's loop counts and shows, and a step to finish after a crash."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agent.models.base import AssistantTurn
from agent.trajectory.run_info import Status


@dataclass
class LoopState:
    """What a live view shows, and the counters a resumed run carries on from."""

    step: int = 0
    tool_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_cached: int = 0
    tokens_cache_write: int = 0
    tokens_reasoning: int = 0
    cache_reported_calls: int = 0
    cost: float = 0.0
    model_calls: int = 0
    unpriced_calls: int = 0  # model calls whose cost is unknown
    retries: int = 0
    request_chars: int = 0  # prefix stability (see Totals)
    prefix_chars: int = 0
    started: float = field(default_factory=time.time)  # minus earlier sessions' wall time
    last_tool: str = ""
    last_exit: int | None = None
    grade: str = ""
    status: Status = "running"
    note: str = ""
    format_errors: int = 0
    consecutive_format_errors: int = 0
    sandbox_restarts: int = 0
    last_eval_calls: int = 0
    clock_step: int = 0  # the step of the agent's last clock line
    clock_marks: dict[str, float] = field(default_factory=dict)  # budget -> milestone told
    # Time tool calls waited for sealed gradings: wall time not charged to --max-time.
    grader_wait_s: float = 0.0


@dataclass
class PendingStep:
    """A step whose model turn was recorded but whose tool calls did not all finish."""

    step: int
    turn: AssistantTurn
    recorded: dict[str, tuple[str, str]]  # call id -> (name, text shown) already recorded
    announced: set[str]  # call ids whose tool_call event is recorded
