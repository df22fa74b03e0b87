"""`ultrarun replay --follow`: print the steps of a live run as they land, until it ends."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from agent.replay.views import group_steps, summary_line
from agent.trajectory import EventBase
from agent.trajectory.events import EvaluationEvent, RunEnd, RunStart
from agent.trajectory.reader import event_from_line, skipped_line, writer_alive


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
                events.append(event_from_line(raw))
            except ValueError as e:
                warn(skipped_line(self.path, self.lineno, e))
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
                match e:
                    case RunStart():
                        out(f"run {e.run_id} started ({len(e.tools)} tools)")
                    case RunEnd():
                        ended = True
                    case EvaluationEvent():  # lands a few events after the step it graded
                        out(f"      evaluation of step {e.step}: {e.passed}/{e.total} tests pass")
            steps = group_steps(events)
            last = max((e.step for e in events), default=0)
            for sv in steps:
                # A step is done at its snapshot; without snapshots (imported runs), when a
                # later step has begun or the run has ended.
                done = sv.snapshot is not None or sv.step < last or ended
                if done and sv.step not in printed:
                    printed.add(sv.step)
                    out(summary_line(sv))
            if ended and not writer_alive(run_dir):
                end = next(e for e in reversed(events) if isinstance(e, RunEnd))
                out(f"run ended: {end.status} ({end.end_reason})")
                return "ended"
            if not ended and idle >= idle_polls and not writer_alive(run_dir):
                out("no process is writing this run and it has no run_end (crashed or "
                    "interrupted? `ultrarun resume` continues it)")
                return "abandoned"
            time.sleep(poll_s)
    except KeyboardInterrupt:
        out("stopped following (Ctrl-C)")
        return "interrupted"
