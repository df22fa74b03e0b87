"""Loading a run folder back into typed events; tolerant of a torn or garbage line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from agent.trajectory.events import EventBase, parse_event
from agent.trajectory.run_info import RunInfo, read_run_info


@dataclass
class LoadedRun:
    run_dir: Path
    info: RunInfo | None
    events: list[EventBase]
    warnings: list[str] = field(default_factory=list)
    valid_bytes: int = 0  # length of the clean prefix of events.jsonl (for resume to trim to)

    def of_type(self, type_: str) -> list[EventBase]:
        return [e for e in self.events if e.type == type_]


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
