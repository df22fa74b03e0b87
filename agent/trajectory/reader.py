"""Loading a run folder back into typed events; tolerant of a torn or garbage line."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from agent.models.usage import count_call
from agent.trajectory.events import (
    ContextEvent,
    ErrorEvent,
    EventBase,
    MessageEvent,
    ModelCall,
    ResumeEvent,
    RunEnd,
    RunStart,
    SnapshotEvent,
    ToolCallEvent,
    ToolResultEvent,
    parse_event,
)
from agent.trajectory.run_info import RunInfo, Totals, read_run_info

#: What a run whose harness died says instead of run.json's stale ``running``.
NO_RUN_END = ("no run_end recorded and no process is writing the run: the harness was killed "
              "or crashed (`ultrarun resume RUN_DIR` continues it)")


E = TypeVar("E", bound=EventBase)


@dataclass
class ToolExchange:
    """One tool call with its recorded result: ``result`` is None while the call runs or if
    the run died in it; ``call`` is None for a result whose call was not recorded."""

    call: ToolCallEvent | None
    result: ToolResultEvent | None

    @property
    def call_id(self) -> str:
        return self.call.call_id if self.call else self.result.call_id if self.result else ""

    @property
    def name(self) -> str:
        return self.call.name if self.call else self.result.name if self.result else "?"

    @property
    def step(self) -> int:
        return self.call.step if self.call else self.result.step if self.result else 0


def pair_tool_calls(events: Sequence[EventBase]) -> list[ToolExchange]:
    """Every tool call paired with its result by call id, in the order the calls were made;
    a result with no recorded call is an exchange of its own, where it lands."""
    out: list[ToolExchange] = []
    pending: dict[str, ToolExchange] = {}
    for e in events:
        if isinstance(e, ToolCallEvent):
            x = ToolExchange(e, None)
            out.append(x)
            pending[e.call_id] = x  # an id used again pairs with its latest call
        elif isinstance(e, ToolResultEvent):
            if e.call_id in pending:
                pending.pop(e.call_id).result = e
            else:
                out.append(ToolExchange(None, e))
    return out


@dataclass
class LoadedRun:
    """A run folder read back: ``events`` holds each event as its own class (``ModelCall``,
    ``ToolResultEvent``...; a type this version does not know stays ``EventBase``), so
    ``isinstance`` and ``match`` narrow them; `events_of` selects one class, typed."""

    run_dir: Path
    info: RunInfo | None
    events: list[EventBase]
    warnings: list[str] = field(default_factory=list)
    valid_bytes: int = 0  # length of the clean prefix of events.jsonl (for resume to trim to)

    def events_of(self, kind: type[E], step: int | None = None) -> list[E]:
        """The events of class ``kind`` in order, as that class (``run.events_of(SnapshotEvent)``
        is a ``list[SnapshotEvent]``); only those of ``step`` when it is given."""
        return [e for e in self.events
                if isinstance(e, kind) and (step is None or e.step == step)]

    def by_step(self) -> dict[int, list[EventBase]]:
        """The events grouped by their step, steps ascending, events in recorded order."""
        out: dict[int, list[EventBase]] = {}
        for e in sorted(self.events, key=lambda e: e.step):  # stable: keeps the order
            out.setdefault(e.step, []).append(e)
        return out

    def tool_calls(self) -> list[ToolExchange]:
        """Every tool call paired with its result (see `pair_tool_calls`)."""
        return pair_tool_calls(self.events)

    def snapshot_commits(self) -> list[tuple[int, str]]:
        """(step, commit) of each snapshot, in order (a step that changed nothing repeats the
        commit before it)."""
        return [(e.step, e.commit) for e in self.events_of(SnapshotEvent) if e.commit]

    @cached_property
    def current_info(self) -> RunInfo | None:
        """run.json as the events say it stands, for display (``info`` is the file as is).

        run.json is rewritten at each step's end, so a ``kill -9`` leaves it a little behind
        and still ``running``: with no ``run_end`` after the last start and no process
        holding the run's lock, the run is shown ``interrupted`` with ``NO_RUN_END`` as its
        error, and its totals are counted from the events.
        """
        info = self.info
        if info is None or info.status != "running" or not self.events \
                or info.model_kind == "imported":  # an import says what its source declares
            return info
        out = info.model_copy(deep=True)
        end = _last_end(self.events)
        if end is not None:  # ended, but run.json was not rewritten after it
            out.status = end.status
            out.end_reason = end.end_reason
            out.totals = Totals.model_validate({**out.totals.model_dump(), **end.totals})
            out.ended_at = end.t
            return out
        out.totals = totals_from_events(self.events, info.totals)
        if not writer_alive(self.run_dir):
            out.status, out.end_reason, out.error = "interrupted", "interrupted", NO_RUN_END
        return out


def _last_end(events: Sequence[EventBase]) -> RunEnd | None:
    """The run_end that closes the last session, if it has one."""
    for e in reversed(events):
        if isinstance(e, RunEnd):
            return e
        if isinstance(e, RunStart | ResumeEvent):
            return None
    return None


def totals_from_events(events: Sequence[EventBase], recorded: Totals | None = None) -> Totals:
    """A run's totals counted from its events (what the loop counts, minus what only the
    loop knows: the wall time is first to last event, unless run.json says more)."""
    t = Totals()
    cost_sum = 0.0
    for e in events:
        match e:
            case SnapshotEvent():
                t.steps = max(t.steps, e.step)
            case ToolResultEvent() if e.ran:
                t.tool_calls += 1
            case MessageEvent(reason="format_error"):
                t.format_errors += 1
            case ErrorEvent():
                t.retries += len(e.retries)
            case ModelCall():
                cost_sum += count_call(t, e.__dict__)  # the fields, without a copy
            case ContextEvent(action="compact"):
                if "prompt_tokens" in e.details or "completion_tokens" in e.details:
                    cost_sum += count_call(t, e.details)  # the summary call
                else:
                    t.retries += len(e.details.get("retries") or [])
    t.cost = round(cost_sum, 6)
    t.wall_s = round(max((recorded.wall_s or 0.0) if recorded else 0.0,
                         events[-1].t - events[0].t), 3) if events else 0.0
    return t


def writer_alive(run_dir: Path) -> bool:
    """Whether a process holds the run's ``.lock`` (the runner keeps it for the whole run)."""
    try:
        fd = os.open(Path(run_dir) / ".lock", os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops our own lock, if we got it
    return False


def iter_events(path: Path, warnings: list[str],
                parse: Callable[[bytes], EventBase] | None = None
                ) -> Iterator[tuple[EventBase, int]]:
    """Yield (event, end offset) for each good line; append a warning naming each bad one.
    ``parse``: how a line becomes an event (default: a run's events; a team log has its own)."""
    parse = parse or event_from_line
    offset = 0
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            offset += len(raw)
            if not raw.endswith(b"\n"):
                warnings.append(f"{path}:{lineno}: torn last line ({len(raw)} bytes) ignored")
                return
            try:
                yield parse(raw), offset
            except ValueError as e:
                warnings.append(skipped_line(path, lineno, e))


def event_from_line(raw: bytes) -> EventBase:
    """One line of events.jsonl as its event class; ValueError (pydantic's ValidationError is
    one) when the line is not an event."""
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return parse_event(data)


def skipped_line(path: Path, lineno: int, error: ValueError) -> str:
    """The warning for a line of events.jsonl that is not an event."""
    return f"{path}:{lineno}: unreadable event skipped ({str(error).splitlines()[0][:120]})"


def load_run(run_dir: Path) -> LoadedRun:
    """Read run.json and events.jsonl of a run folder."""
    run_dir = Path(run_dir)
    warnings: list[str] = []
    try:
        info: RunInfo | None = read_run_info(run_dir)
    except (OSError, ValueError, ValidationError) as e:
        info = None
        warnings.append(f"{run_dir / 'run.json'}: unreadable ({str(e).splitlines()[0][:120]})")
    events: list[EventBase] = []
    valid = 0
    path = run_dir / "events.jsonl"
    if path.exists():
        for event, end in iter_events(path, warnings):
            events.append(event)
            valid = end
    else:
        warnings.append(f"{path}: missing")
    return LoadedRun(run_dir, info, events, warnings, valid)


def is_run_dir(path: Path) -> bool:
    """Whether ``path`` looks like a run folder."""
    return (path / "events.jsonl").exists() or (path / "run.json").exists()
