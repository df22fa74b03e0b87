"""What `run`, `resume` and `fork` show while a run goes (imported when one starts): a rich
live panel on a terminal, plain log lines when stdout is not one (``make demo > file``, CI,
nohup). Both follow the loop's state and every recorded event, so an outage, an evaluation or
an alert is shown as it happens, and a long wait always says what it waits for."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agent.analysis.alerts import AlertDetector
from agent.models.usage import cost_text
from agent.state import LoopState
from agent.textsafe import visible
from agent.trajectory import EventBase
from agent.trajectory.events import (
    ErrorEvent,
    EvaluationEvent,
    GradingEvent,
    RetryEvent,
    RunStart,
    SnapshotEvent,
)


def fmt_elapsed(seconds: float) -> str:
    """``H:MM:SS``."""
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02}:{s:02}"


def cost_now(s: LoopState, model_kind: str = "endpoint") -> str:
    return cost_text(s.cost, s.model_calls, s.unpriced_calls, model_kind)


def evaluation_text(e: EvaluationEvent) -> str:
    if e.error:
        return f"grading of step {e.step} failed: {e.error[:200]}"
    pct = f" ({e.passed / e.total:.1%})" if e.total else ""
    return (f"{'final ' if e.final else ''}evaluation of step {e.step} ({e.tool_calls} tool "
            f"calls): {e.passed}/{e.total}{pct} in {e.duration_s:.1f} s")


class Follower:
    """What both views keep from the events: alerts, the latest evaluation, retries."""

    def __init__(self) -> None:
        self.state = LoopState()
        self.alerts: deque[str] = deque(maxlen=3)
        self.evaluation = ""
        self.model_kind = "endpoint"
        self.grading: GradingEvent | None = None  # a grading under way
        self._detector = AlertDetector()

    def budgets(self, budgets: dict[str, Any], started_at: float, every: int | None,
                model_kind: str = "endpoint") -> None:
        self._detector = AlertDetector(budgets, started_at, every)
        self.model_kind = model_kind

    def alerts_of(self, e: EventBase) -> list[str]:
        found = [f"step {a.step}: {a.message}" for a in self._detector.feed(e.model_dump())
                 if a.kind not in ("retries", "outage", "model_error", "run")]
        self.alerts.extend(found)
        if isinstance(e, EvaluationEvent):
            self.evaluation = evaluation_text(e)
            self.grading = None
        elif isinstance(e, GradingEvent):
            self.grading = e
        return found

    def grading_text(self) -> str:
        g = self.grading
        if g is None:
            return ""
        return (f"{'final grading' if g.final else 'grading'} of step {g.step} ({g.tool_calls} "
                f"tool calls) for {fmt_elapsed(time.time() - g.t)}"
                + (f", {g.queued} queued" if g.queued else ""))


class LiveView(Follower):
    """A rich panel following the loop: step, time, tokens, cost, the endpoint's state,
    the last tool, the grade, alerts."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = title
        self.run_dir = ""
        self.note = ""  # what the harness is doing (setting up, building an image …)

    def update(self, state: LoopState) -> None:
        self.state = state

    def on_event(self, e: EventBase) -> None:
        self.alerts_of(e)

    def __rich__(self) -> Panel:
        s = self.state
        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold")
        t.add_column()
        t.add_row("step", f"{s.step}   tool calls {s.tool_calls}")
        t.add_row("elapsed", fmt_elapsed(time.time() - s.started))
        t.add_row("tokens", f"in {s.tokens_in:,}   out {s.tokens_out:,}")
        t.add_row("cost", cost_now(s, self.model_kind).removeprefix("cost "))
        if s.retries:
            t.add_row("retries", str(s.retries))
        if s.note:  # an outage being waited out, the final grading …: shown as it happens
            t.add_row("now", Text(visible(s.note), style="yellow"))
        last = f"{s.last_tool}" + (f" (exit {s.last_exit})" if s.last_exit is not None else "")
        # The tool name and the notes come from the model and the endpoint: shown as plain
        # text (no markup) with control characters visible.
        t.add_row("last tool", Text(visible(last or "-")))
        t.add_row("grade", Text(visible(s.grade or "-")))
        if self.grading is not None:
            t.add_row("grading", Text(visible(self.grading_text()), style="cyan"))
        if self.evaluation:
            t.add_row("graded", Text(visible(self.evaluation), style="dim"))
        for i, alert in enumerate(self.alerts):
            t.add_row("alert" if i == 0 else "", Text(visible(alert), style="yellow"))
        parts: list[Any] = [t]
        if self.note:
            parts.append(Text(visible(self.note), style="dim"))
        return Panel(Group(*parts), title=Text(visible(self.title)),
                     subtitle=Text(visible(self.run_dir)), expand=False)


class PlainLog(Follower):
    """One plain line per block of steps (or minute), per evaluation, per retry and per
    alert, for output that is not a terminal. Lines are whole and never redrawn."""

    def __init__(self, write: Callable[[str], None], every_steps: int = 10,
                 every_s: float = 60.0) -> None:
        super().__init__()
        self._write = write
        self.every_steps = every_steps
        self.every_s = every_s
        self._lock = threading.Lock()
        self._last_line = 0.0
        self._last_note = ("", 0.0)
        self._last_progress = ""

    def line(self, text: str) -> None:
        with self._lock:
            self._write(f"{time.strftime('%H:%M:%S')} {visible(text)}")
            self._last_line = time.monotonic()

    def progress(self, message: str) -> None:
        if message and message != self._last_progress:
            self._last_progress = message
            self.line(message)

    def update(self, state: LoopState) -> None:
        self.state = state
        kind, when = self._last_note
        # A note that stays (the final grading, its counter ticking) is repeated every 30 s.
        now_kind = re.sub(r"\d+", "#", state.note)
        if state.note and (now_kind != kind or time.monotonic() - when > 30) and \
                not state.note.startswith("endpoint:"):  # retries have their own lines
            self._last_note = (now_kind, time.monotonic())
            self.line(state.note)

    def on_event(self, e: EventBase) -> None:
        for alert in self.alerts_of(e):
            self.line(f"alert: {alert}")
        s = self.state
        match e:
            case RunStart():
                self.line(f"run {e.run_id} started")
            case SnapshotEvent() if e.step and (
                    e.step % self.every_steps == 0
                    or time.monotonic() - self._last_line >= self.every_s):
                last = f"{s.last_tool} (exit {s.last_exit})" if s.last_exit is not None \
                    else s.last_tool or "-"
                self.line(f"step {e.step}: {e.tool_calls} tool calls, tokens "
                          f"{s.tokens_in:,}/{s.tokens_out:,}, {cost_now(s, self.model_kind)}, "
                          f"last {last}"
                          + (f", grade {s.grade}" if s.grade else ""))
            case EvaluationEvent():
                self.line(evaluation_text(e))
            case GradingEvent():
                self.line(f"{'final grading' if e.final else 'grading'} of step {e.step} "
                          f"({e.tool_calls} tool calls) started"
                          + (f", {e.queued} more queued" if e.queued else ""))
            case RetryEvent():
                self.line(f"endpoint: {e.error[:200]} — retry {e.attempt} in {e.wait_s:.1f} s")
            case ErrorEvent():
                self.line(f"error ({e.where}): {e.message[:300]}")
