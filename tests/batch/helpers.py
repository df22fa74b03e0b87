"""Shared helpers of the batch tests: scripts, matrices, digests, concurrency."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[2]
TINY = ROOT / "tests" / "data" / "scenarios" / "tiny"
WORD_COUNT = ROOT / "docs" / "examples" / "word-count"


def write_script(path: Path, calls: int, delay_s: float = 0.0, finish: bool = True) -> str:
    """A script of ``calls`` bash calls appending to log.txt (then `finish`); its spec."""
    turns: list[dict[str, Any]] = [
        {"tool_calls": [{"name": "bash", "arguments": {"command": f"echo {i} >> log.txt"}}],
         "delay_s": delay_s} for i in range(1, calls + 1)]
    if finish:
        turns.append({"tool_calls": [{"name": "finish", "arguments": {"summary": "done"}}],
                      "delay_s": delay_s})
    path.write_text(yaml.safe_dump(turns))
    return f"script:{path.name}"


def write_matrix(path: Path, **fields: Any) -> Path:
    path.write_text(yaml.safe_dump(fields))
    return path


def events_digest(batch_dir: Path) -> dict[str, str]:
    """run id -> hash of its events.jsonl."""
    return {p.parent.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(batch_dir.glob("*/events.jsonl"))}


def events(run_dir: Path) -> list[dict[str, Any]]:
    """The run's events, asserting that ``seq`` is contiguous from 0."""
    evs = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in evs] == list(range(len(evs))), run_dir
    return evs


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """Most intervals open at one instant."""
    points = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals],
                    key=lambda p: (p[0], p[1]))
    best = cur = 0
    for _, d in points:
        cur += d
        best = max(best, cur)
    return best
