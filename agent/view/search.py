"""Full-text search over a run: the model's words and reasoning, every call's arguments (the
commands), every output the model was shown, harness messages and compaction summaries.

The file is scanned, not indexed (memory stays flat for a days-long run): the lowered bytes of
events.jsonl are searched for the longest part of the query that JSON always writes as itself
(printable ASCII other than ``"``, ``\\`` and ``/``), and only the lines holding it are parsed
and checked field by field, case-insensitively, for the whole query. A query with no such
part of 3 characters or more parses every line.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from agent.trajectory.fields import as_dict
from agent.view.detail import shown
from agent.view.tracker import RunTracker

#: Steps listed at most per search.
MAX_STEPS = 500
#: Characters of context each side of a hit.
CONTEXT = 60
MAX_QUERY = 300
_SAFE = re.compile(r"[ !#-.0-\[\]-~]+")  # printable ASCII but " \ /
BLOCK = 8 << 20


def _needle(query: str) -> bytes | None:
    parts = _SAFE.findall(query.lower())
    best = max(parts, key=len, default="")
    return best.encode() if len(best) >= 3 or (best == query.lower() and best) else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _fields(e: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, text) of the searchable text of one event."""
    kind = e.get("type")
    if kind == "model_call":
        for text in _strings(as_dict(e.get("message")).get("content")):
            yield "thought", text
        if isinstance(e.get("reasoning"), str):
            yield "reasoning", e["reasoning"]
    elif kind == "tool_call":
        name = str(e.get("name", ""))
        if isinstance(e.get("arguments"), Mapping):
            for text in _strings(e["arguments"]):
                yield f"{name} call", text
        elif isinstance(e.get("raw_arguments"), str):
            yield f"{name} call", e["raw_arguments"]
    elif kind == "tool_result" and isinstance(e.get("output"), str):
        yield f"{e.get('name', '')} output", e["output"]
    elif kind == "message" and isinstance(e.get("content"), str):
        yield "message", e["content"]
    elif kind == "context" and isinstance(e.get("details"), Mapping):
        message = e["details"].get("message")
        for text in _strings(message):
            yield "summary", text
    elif kind == "error" and isinstance(e.get("message"), str):
        yield "error", e["message"]


def _snippet(text: str, at: int, n: int) -> str:
    lo, hi = max(0, at - CONTEXT), min(len(text), at + n + CONTEXT)
    body = " ".join(text[lo:hi].split())
    return shown(("…" if lo else "") + body + ("…" if hi < len(text) else ""))


def _candidate_lines(tracker: RunTracker, needle: bytes | None) -> Iterator[int]:
    """Indices of the lines that may hold the query, in file order."""
    with tracker.lock:
        offsets, lengths = tracker.line_offsets[:], tracker.line_lengths[:]
    if not offsets:
        return
    if needle is None:
        yield from range(len(offsets))
        return
    end = offsets[-1] + lengths[-1]
    fd = os.open(tracker.path, os.O_RDONLY)
    try:
        pos, last = 0, -1
        while pos < end:
            block = os.pread(fd, min(BLOCK, end - pos) + len(needle) - 1, pos).lower()
            if not block:
                break
            at = block.find(needle)
            while at >= 0:
                i = bisect.bisect_right(offsets, pos + at) - 1
                if i > last and i >= 0 and pos + at < offsets[i] + lengths[i]:
                    last = i
                    yield i
                    at = block.find(needle, offsets[i] + lengths[i] - pos)
                else:
                    at = block.find(needle, at + 1)
            pos += BLOCK
    finally:
        os.close(fd)


def search(tracker: RunTracker, query: str, max_steps: int = MAX_STEPS) -> dict[str, Any]:
    """The steps whose recorded text holds ``query`` (case-insensitive), each with its hits."""
    query = query[:MAX_QUERY]
    q = query.lower()
    if not q.strip():
        return {"query": query, "steps": [], "more": False}
    found: dict[int, list[dict[str, str]]] = {}
    more = False
    fd = os.open(tracker.path, os.O_RDONLY)
    try:
        for i in _candidate_lines(tracker, _needle(query)):
            with tracker.lock:
                off, n, step = (tracker.line_offsets[i], tracker.line_lengths[i],
                                tracker.line_steps[i])
            if step not in found and len(found) >= max_steps:
                more = True
                break
            try:
                e = json.loads(os.pread(fd, n, off))
            except (ValueError, RecursionError):
                continue
            if not isinstance(e, dict):
                continue
            for where, text in _fields(e):
                at = text.lower().find(q)
                if at >= 0:
                    hits = found.setdefault(step, [])
                    if len(hits) < 5:
                        hits.append({"where": shown(where[:60]),
                                     "snippet": _snippet(text, at, len(q))})
    finally:
        os.close(fd)
    steps = [{"step": s, "position": tracker.position(s), "hits": hits}
             for s, hits in sorted(found.items())]
    return {"query": shown(query), "steps": steps, "more": more}
