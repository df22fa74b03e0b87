"""`ultrarun replay --follow`: print the steps of a live run as they land, until it ends."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from agent.replay.views import group_steps, summary_line
from agent.trajectory import EventBase, parse_event
from agent.trajectory.reader import writer_alive


def lock_held(run_dir: Path) -> bool:
    """Whether a process holds the run's `.lock` (the runner keeps it for the whole run)."""
    return writer_alive(run_dir)


class Tail:
    """Reads the complete new lines of a growing events.jsonl; keeps a partial last line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.lineno = 0
        self.partial = b""

    def read(self, warn: Callable[[str], None]) -> list[EventBase]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(chunk)
        data = self.partial + chunk
        lines = data.split(b"\n")
        self.partial = lines.pop()  # b"" when the chunk ended with a newline
        events = []
        for raw in lines:
            self.lineno += 1
            try:
                obj = json.loads(raw)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                events.append(parse_event(obj))
            except (ValueError, ValidationError) as e:
                warn(f"{self.path}:{self.lineno}: unreadable event skipped "
                     f"({str(e).splitlines()[0][:120]})")
        return events


def follow(run_dir: Path, out: Callable[[str], None], warn: Callable[[str], None],
           poll_s: float = 0.5, idle_polls: int = 6) -> str:
    """Print steps of a run as they complete until it ends; returns why it stopped.

    Stops when a `run_end` has arrived and no process holds the `.lock`; also when nobody
    holds the lock, there is no `run_end` and nothing new arrived for ``idle_polls`` polls
    (a crashed run), so following a dead run does not hang.
    """
    tail = Tail(run_dir / "events.jsonl")
    events: list[EventBase] = []
    printed: set[int] = set()
    ended = False
    idle = 0
    try:
        while True:
            new = tail.read(warn)
            idle = 0 if new else idle + 1
            for e in new:
                events.append(e)
                if e.type == "run_start":
                    out(f"run {getattr(e, 'run_id', '')} started "
                        f"({len(getattr(e, 'tools', []))} tools)")
                elif e.type == "run_end":
                    ended = True
                elif e.type == "evaluation":  # lands a few events after the step it graded
                    out(f"      evaluation of step {e.step}: {getattr(e, 'passed', 0)}/"
                        f"{getattr(e, 'total', 0)} tests pass")
            steps = group_steps(events)
            last = max((e.step for e in events), default=0)
            for sv in steps:
                # A step is done at its snapshot; without snapshots (imported runs), when a
                # later step has begun or the run has ended.
                done = sv.snapshot is not None or sv.step < last or ended
                if done and sv.step not in printed:
                    printed.add(sv.step)
                    out(summary_line(sv))
            if ended and not lock_held(run_dir):
                end = next(e for e in reversed(events) if e.type == "run_end")
                out(f"run ended: {getattr(end, 'status', '')} ({getattr(end, 'end_reason', '')})")
                return "ended"
            if not ended and idle >= idle_polls and not lock_held(run_dir):
                out("no process is writing this run and it has no run_end (crashed or "
                    "interrupted? `ultrarun resume` continues it)")
                return "abandoned"
            time.sleep(poll_s)
    except KeyboardInterrupt:
        out("stopped following (Ctrl-C)")
        return "interrupted"
