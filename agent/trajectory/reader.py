"""Loading a run folder back into typed events; tolerant of a torn or garbage line."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.trajectory.events import EventBase, parse_event
from agent.trajectory.run_info import RunInfo, Totals, read_run_info

#: What a run whose harness died says instead of run.json's stale ``running``.
NO_RUN_END = ("no run_end recorded and no process is writing the run: the harness was killed "
              "or crashed (`ultrarun resume RUN_DIR` continues it)")


@dataclass
class LoadedRun:
    run_dir: Path
    info: RunInfo | None
    events: list[EventBase]
    warnings: list[str] = field(default_factory=list)
    valid_bytes: int = 0  # length of the clean prefix of events.jsonl (for resume to trim to)

    def of_type(self, type_: str) -> list[EventBase]:
        return [e for e in self.events if e.type == type_]

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
            out.status = str(getattr(end, "status", "interrupted"))
            out.end_reason = getattr(end, "end_reason", None)
            out.totals = Totals.model_validate({**out.totals.model_dump(),
                                                **(getattr(end, "totals", None) or {})})
            out.ended_at = end.t
            return out
        out.totals = totals_from_events(self.events, info.totals)
        if not writer_alive(self.run_dir):
            out.status, out.end_reason, out.error = "interrupted", "interrupted", NO_RUN_END
        return out


def _last_end(events: Sequence[EventBase]) -> EventBase | None:
    """The run_end that closes the last session, if it has one."""
    for e in reversed(events):
        if e.type == "run_end":
            return e
        if e.type in ("run_start", "resume"):
            return None
    return None


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def totals_from_events(events: Sequence[EventBase], recorded: Totals | None = None) -> Totals:
    """A run's totals counted from its events (what the loop counts, minus what only the
    loop knows: the wall time is first to last event, unless run.json says more)."""
    t = Totals()
    for e in events:
        if e.type == "snapshot":
            t.steps = max(t.steps, e.step)
        elif e.type == "tool_result" and getattr(e, "error_kind", None) != "after_finish":
            t.tool_calls += 1
        elif e.type == "message" and getattr(e, "reason", "") == "format_error":
            t.format_errors += 1
        elif e.type == "error":
            t.retries += len(getattr(e, "retries", None) or [])
        usage: dict[str, Any] | None = None
        if e.type == "model_call":
            usage = {"prompt_tokens": getattr(e, "prompt_tokens", None),
                     "completion_tokens": getattr(e, "completion_tokens", None),
                     "cost": getattr(e, "cost", None), "retries": getattr(e, "retries", [])}
        elif e.type == "context" and getattr(e, "action", "") == "compact":
            details = getattr(e, "details", {}) or {}
            if "prompt_tokens" in details or "completion_tokens" in details:
                usage = details  # the summary call
            else:
                t.retries += len(details.get("retries") or [])
        if usage is not None:
            t.tokens_in += _int(usage.get("prompt_tokens"))
            t.tokens_out += _int(usage.get("completion_tokens"))
            cost = usage.get("cost")
            t.cost += cost if isinstance(cost, int | float) else 0.0
            t.model_calls += 1
            t.unpriced_calls += cost is None
            t.retries += len(usage.get("retries") or [])
    t.cost = round(t.cost, 6)
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


def iter_events(path: Path, warnings: list[str]) -> Iterator[tuple[EventBase, int]]:
    """Yield (event, end offset) for each good line; append a warning naming each bad one."""
    offset = 0
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            offset += len(raw)
            if not raw.endswith(b"\n"):
                warnings.append(f"{path}:{lineno}: torn last line ({len(raw)} bytes) ignored")
                return
            try:
                data = json.loads(raw)
                if not isinstance(data, dict):
                    raise ValueError("not a JSON object")
                yield parse_event(data), offset
            except (ValueError, ValidationError) as e:
                first = str(e).splitlines()[0][:120]
                warnings.append(f"{path}:{lineno}: unreadable event skipped ({first})")


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
