"""A run folder followed as it grows: events.jsonl folded, line by line, into what a page shows.

``RunTracker.refresh`` reads the complete lines appended since the last call (a torn last line
waits for its newline) and folds each into:

* one **row** per step (its calls on one line each, failures, whether it changed the
  workspace, evaluations, marks) for the step list, addressed by position;
* **columns** of every numeric field of every model call (tokens, latency, cost, and whatever
  fields a newer recorder adds: they appear as new columns without a change here);
* the **evaluations** (the progress curves by calls, time and tokens, and per stage);
* the **alerts** of ``agent.analysis.alerts``;
* an index of each line's offset and step, so one step's events are read back from the file
  on demand (``step_events``) and memory stays a few hundred bytes a step.

``delta(cursor)`` says what changed since a client's cursor: the page's live updates. The file
is data (docs/security.md): a line that is not an event is skipped with a warning, never
fatal; nothing in it names a file the tracker opens.
"""

from __future__ import annotations

import bisect
import json
import os
import threading
import time
from array import array
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agent.analysis.alerts import AlertDetector
from agent.replay.views import args_headline, one_line
from agent.trajectory.catalog import RUN_JSON_MAX
from agent.trajectory.fields import as_dict, as_int, as_list, as_num, is_num
from agent.trajectory.reader import NO_RUN_END, writer_alive
from agent.view.detail import shown

#: Bytes read from events.jsonl per read call (a refresh reads until the end).
CHUNK = 8 << 20
#: A longer line is skipped (with a warning) rather than held: no event of ours is near it.
MAX_LINE = 64 << 20
#: Calls listed in one step's row (a turn with more says how many more).
ROW_CALLS = 12
#: Characters of a call's headline and the model's words in a row.
ROW_TEXT = 160
#: Touched positions kept per refresh for deltas; more than this and clients reload rows.
TOUCH_LOG = 2000
#: How often the writer's lock is probed for a run with no run_end (seconds).
ALIVE_PROBE_S = 1.0


def _fuzz(data: Any) -> dict[str, Any] | None:
    """An evaluation's fuzz measure, as the curves need it (agreement beside the pass rate)."""
    f = as_dict(data)
    tried, agreed = as_int(f.get("tried")), as_int(f.get("agreed"))
    if not f:
        return None
    return {"tried": tried, "agreed": agreed, "rate": agreed / tried if tried > 0 else None,
            "miscompiled": as_int(f.get("miscompiled")), "seed": as_int(f.get("seed"))}


class Cursor(BaseModel):
    """Where a client stands: the tracker version it has, and how many calls, evaluations
    and alerts it holds."""

    version: int = 0
    calls: int = 0
    evals: int = 0
    alerts: int = 0


class Columns:
    """Rows of numbers stored by column; a column that appears later is back-filled."""

    def __init__(self) -> None:
        self.n = 0
        self.cols: dict[str, list[float | int | None]] = {}

    def add(self, values: Mapping[str, float | int | None]) -> None:
        for k in values:
            if k not in self.cols:
                self.cols[k] = [None] * self.n
        for k, col in self.cols.items():
            col.append(values.get(k))
        self.n += 1

    def since(self, i: int) -> dict[str, list[float | int | None]]:
        return {k: v[i:] for k, v in self.cols.items()}


def call_numbers(e: Mapping[str, Any]) -> dict[str, float | int | None]:
    """Every numeric field of a model_call event (one level of nesting flattened as
    ``a.b``; lists counted as ``n_<key>``), so new recorded fields chart themselves."""
    out: dict[str, float | int | None] = {}
    for k, v in e.items():
        if k in ("seq", "t", "step"):
            continue
        if is_num(v):
            out[k] = v
        elif isinstance(v, Mapping) and k != "message":
            out.update({f"{k}.{k2}": v2 for k2, v2 in v.items() if is_num(v2)})
        elif isinstance(v, list):
            out[f"n_{k}"] = len(v)
    for key in ("prompt_tokens", "completion_tokens", "cost"):  # always there, maybe null
        out.setdefault(key, None)
    return out


def _failed(e: Mapping[str, Any]) -> bool:
    code = e.get("exit_code")
    return e.get("ok") is False or (isinstance(code, int) and code != 0)


class RunTracker:
    """One run folder, folded incrementally (thread-safe: one lock around everything)."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / "events.jsonl"
        self.lock = threading.RLock()
        self.version = 0
        self.layout = 0  # bumped when rows moved (a step arrived out of order)
        self.offset = 0
        self.size = 0  # of events.jsonl at the last read
        self.loading = False  # a budgeted refresh stopped before the end
        self.lineno = 0
        self.warnings: list[str] = []
        self.info: dict[str, Any] = {}
        self._info_stamp: tuple[float, int] | None = None
        self.started_at = 0.0
        self.order: list[int] = []  # step numbers, ascending: row positions
        self.rows: dict[int, dict[str, Any]] = {}
        self.step_lines: dict[int, list[int]] = {}  # step -> line indices
        self.line_offsets = array("q")  # byte offset of each good line
        self.line_lengths = array("q")
        self.line_steps = array("q")
        self.calls = Columns()
        self.evals: list[dict[str, Any]] = []
        self.alerts: list[dict[str, Any]] = []
        self.snapshots: list[tuple[int, str, bool]] = []  # (step, commit, changed)
        self.totals: dict[str, Any] = {
            "steps": 0, "tool_calls": 0, "model_calls": 0, "tokens_in": 0, "tokens_out": 0,
            "cost": 0.0, "unpriced_calls": 0, "retries": 0, "format_errors": 0,
            "evaluations": 0}
        self.start: dict[str, Any] | None = None  # run_start's messages and tools
        self.ended: dict[str, Any] | None = None  # the run_end closing the last session
        self.last_t = 0.0
        self.outage: dict[str, Any] | None = None  # a retry notice not yet followed by a call
        self.grading: dict[str, Any] | None = None  # a grading started, its result not in
        self._touched: list[tuple[int, set[int]]] = []
        self._call_of: dict[str, tuple[int, int]] = {}  # call id -> (step, index in row)
        self._tokens_at: dict[int, int] = {}  # step -> cumulative tokens after its model call
        self._calls_at: dict[int, int] = {}  # step -> tool calls done at its snapshot
        self._end_t: dict[int, float] = {}  # step -> time its snapshot was taken
        self._alive = (0.0, False)
        self._read_info()
        self.detector = self._new_detector()

    # -- run.json --------------------------------------------------------------------------
    def _read_info(self) -> bool:
        path = self.run_dir / "run.json"
        try:
            st = path.stat()
        except OSError:
            return False
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._info_stamp or st.st_size > RUN_JSON_MAX:
            return False
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return False
        if not isinstance(data, dict):
            return False
        self._info_stamp, self.info = stamp, data
        started = data.get("started_at")
        self.started_at = float(started) if is_num(started) and started else self.started_at
        return True

    def _new_detector(self) -> AlertDetector:
        budgets = self.info.get("budgets")
        every = self.info.get("eval_every")
        return AlertDetector(budgets if isinstance(budgets, dict) else None, self.started_at,
                             every if isinstance(every, int) else None)

    # -- reading ---------------------------------------------------------------------------
    def refresh(self, budget_s: float | None = None) -> bool:
        """Fold the lines appended since the last call; True when anything changed.

        With ``budget_s``, stop after about that long (``loading`` stays True and the next
        call goes on): a page shows a long run's first steps while the rest is read."""
        with self.lock:
            touched: set[int] = set()
            changed = self._read_info()
            before = self.lineno
            deadline = None if budget_s is None else time.monotonic() + budget_s
            self.loading = False
            lines = self._new_lines()
            for offset, raw in lines:
                self._fold_line(offset, raw, touched)
                if deadline is not None and not self.lineno % 512 and \
                        time.monotonic() > deadline:
                    self.loading = True
                    lines.close()
                    break
            if self.lineno != before or changed:
                self.version += 1
                self._touched.append((self.version, touched))
                del self._touched[:-TOUCH_LOG]
                return True
            return False

    def _new_lines(self) -> Generator[tuple[int, bytes], None, None]:
        """(offset, line) of each complete line after ``self.offset``, which moves past each
        line once it is taken (a partial last line is read again next time)."""
        try:
            f = open(self.path, "rb")  # noqa: SIM115 - closed below
        except OSError:
            return
        with f:
            self.size = os.fstat(f.fileno()).st_size
            f.seek(self.offset)
            base, buf = self.offset, b""
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                buf = buf + chunk if buf else chunk
                pos = 0
                while True:
                    nl = buf.find(b"\n", pos)
                    if nl < 0:
                        break
                    line = buf[pos:nl]
                    pos = nl + 1
                    self.offset = base + pos
                    yield base + pos - len(line) - 1, line
                base, buf = base + pos, buf[pos:]
                if len(buf) > MAX_LINE:
                    self._warn(f"a line over {MAX_LINE >> 20} MiB skipped")
                    rest = f.readline(CHUNK)  # the rest of the line, then go on after it
                    while rest and not rest.endswith(b"\n"):
                        rest = f.readline(CHUNK)
                    self.offset = base = f.tell()
                    buf = b""

    def _fold_line(self, offset: int, raw: bytes, touched: set[int]) -> None:
        self.lineno += 1
        try:
            e = json.loads(raw)
        except (ValueError, RecursionError) as err:
            self._warn(f"unreadable event skipped ({str(err).splitlines()[0][:120]})")
            return
        if not isinstance(e, dict) or not isinstance(e.get("type"), str) or \
                not isinstance(e.get("step"), int) or isinstance(e.get("step"), bool):
            self._warn("not an event (no type or step): skipped")
            return
        step: int = e["step"]
        self.line_offsets.append(offset)
        self.line_lengths.append(len(raw))
        self.line_steps.append(step)
        self.step_lines.setdefault(step, []).append(len(self.line_offsets) - 1)
        t = as_num(e.get("t"))
        if t is not None:
            self.last_t = max(self.last_t, t)
            if not self.started_at:
                self.started_at = t
        for alert in self.detector.feed(e):
            self.alerts.append({**alert.model_dump(), "t": self._rel(alert.t)})
        self._fold(e, step, touched)

    def _warn(self, text: str) -> None:
        if len(self.warnings) < 100:
            self.warnings.append(f"{self.path}:{self.lineno}: {text}")

    def _rel(self, t: Any) -> float:
        return round(float(t) - self.started_at, 3) if is_num(t) and self.started_at else 0.0

    # -- folding ---------------------------------------------------------------------------
    def _row(self, step: int, t: Any, touched: set[int]) -> dict[str, Any]:
        row = self.rows.get(step)
        if row is None:
            row = {"step": step, "t": self._rel(t), "tools": [], "more": 0, "failed": 0,
                   "changed": False, "done": False, "text_only": False, "model_failed": False,
                   "retries": 0, "thought": "", "evals": [], "marks": [], "tokens": 0}
            self.rows[step] = row
            if self.order and step < self.order[-1]:
                bisect.insort(self.order, step)
                self.layout += 1
            else:
                self.order.append(step)
        touched.add(step)
        return row

    def _fold(self, e: dict[str, Any], step: int, touched: set[int]) -> None:
        kind = e["type"]
        tot = self.totals
        if kind == "run_start":
            self.start = {"messages": e.get("messages"), "tools": e.get("tools"),
                          "parent": e.get("parent")}
            self.ended = None
            return
        if kind == "resume":
            self.ended = None
        if kind == "run_end":
            self.ended = e
            return
        if kind == "evaluation":
            self.grading = None
            self._evaluation(e, step, touched)
            return
        if kind == "grading":
            self.grading = {"step": step, "t": self._rel(e.get("t")),
                            "final": bool(e.get("final")), "queued": as_int(e.get("queued")),
                            "tool_calls": as_int(e.get("tool_calls"))}
            return
        row = self._row(step, e.get("t"), touched)
        if kind == "model_call":
            self._model_call(e, step, row)
        elif kind == "tool_call":
            self._tool_call(e, step, row)
        elif kind == "tool_result":
            self._tool_result(e, step, row)
        elif kind == "snapshot":
            commit, changed = str(e.get("commit") or ""), e.get("changed", True) is not False
            row["done"], row["changed"] = True, row["changed"] or changed
            if commit:
                self.snapshots.append((step, commit, changed))
            tot["steps"] = max(tot["steps"], step)
            self._calls_at[step] = as_int(e.get("tool_calls"))
            self._end_t[step] = as_num(e.get("t")) or 0.0
        elif kind == "message" and e.get("reason") == "format_error":
            row["text_only"] = True
            tot["format_errors"] += 1
        elif kind == "error":
            retries = as_list(e.get("retries"))
            tot["retries"] += len(retries)
            row["retries"] += len(retries)
            row["model_failed"] = row["model_failed"] or e.get("where") == "model"
            row["marks"].append("error")
            self.outage = None
        elif kind == "retry":
            self.outage = {"step": step, "t": self._rel(e.get("t")),
                           "attempt": e.get("attempt"), "error": str(e.get("error", ""))[:300],
                           "wait_s": e.get("wait_s")}
            row["marks"].append("retry")
        elif kind == "context":
            details = as_dict(e.get("details"))
            if "prompt_tokens" in details or "completion_tokens" in details:
                self._count_call(details)
            row["marks"].append(f"context {e.get('action')}")
        elif kind in ("sandbox_restart", "resume"):
            row["marks"].append(kind)

    def _count_call(self, usage: Mapping[str, Any]) -> int:
        tot = self.totals
        tokens = as_int(usage.get("prompt_tokens")) + as_int(usage.get("completion_tokens"))
        tot["tokens_in"] += as_int(usage.get("prompt_tokens"))
        tot["tokens_out"] += as_int(usage.get("completion_tokens"))
        cost = usage.get("cost")
        tot["cost"] += cost if is_num(cost) else 0.0
        tot["unpriced_calls"] += not is_num(cost)
        tot["model_calls"] += 1
        tot["retries"] += len(as_list(usage.get("retries")))
        return tokens

    def _model_call(self, e: dict[str, Any], step: int, row: dict[str, Any]) -> None:
        tokens = self._count_call(e)
        self.outage = None
        content = as_dict(e.get("message")).get("content")
        row["thought"] = shown(one_line(content, ROW_TEXT)) if isinstance(content, str) else ""
        row["tokens"] += tokens
        row["retries"] += len(as_list(e.get("retries")))
        self._tokens_at[step] = self.totals["tokens_in"] + self.totals["tokens_out"]
        numbers = call_numbers(e)
        self.calls.add({"step": step, "t": self._rel(e.get("t")), **numbers,
                        "context_tokens": numbers.get("prompt_tokens")})

    def _tool_call(self, e: dict[str, Any], step: int, row: dict[str, Any]) -> None:
        args = e.get("arguments")
        entry = {"name": shown(str(e.get("name", "?"))[:80]), "exit": None, "ok": None,
                 "text": shown(args_headline(str(e.get("name", "")),
                                             args if isinstance(args, dict) else None,
                                             str(e.get("raw_arguments", "")), ROW_TEXT))}
        if len(row["tools"]) < ROW_CALLS:
            row["tools"].append(entry)
            self._call_of[str(e.get("call_id"))] = (step, len(row["tools"]) - 1)
        else:
            row["more"] += 1

    def _tool_result(self, e: dict[str, Any], step: int, row: dict[str, Any]) -> None:
        if e.get("error_kind") == "after_finish":
            return
        failed = _failed(e)
        self.totals["tool_calls"] += 1
        row["failed"] += failed
        where = self._call_of.pop(str(e.get("call_id")), None)
        if where is not None and where[0] in self.rows:
            entry = self.rows[where[0]]["tools"][where[1]]
        elif len(row["tools"]) < ROW_CALLS:
            entry = {"name": shown(str(e.get("name", "?"))[:80]), "text": "(call not recorded)"}
            row["tools"].append(entry)
        else:
            row["more"] += 1
            return
        code = e.get("exit_code")
        entry["exit"] = code if isinstance(code, int) else None
        entry["ok"] = not failed

    def _evaluation(self, e: dict[str, Any], step: int, touched: set[int]) -> None:
        passed, total = as_int(e.get("passed")), as_int(e.get("total"))
        calls = as_int(e.get("tool_calls"))
        stages = as_dict(e.get("stages"))
        self.totals["evaluations"] += 1
        t = self._end_t.get(step) or as_num(e.get("t")) or 0.0
        self.evals.append({
            "step": step, "tool_calls": calls, "t": self._rel(t),
            "tokens": self._tokens_at.get(step, 0), "passed": passed, "total": total,
            "rate": passed / total if total and not e.get("error") else None,
            "stages": {str(k): v for k, v in stages.items()
                       if isinstance(v, list) and len(v) == 2 and all(map(is_num, v))},
            "final": bool(e.get("final")),
            "error": str(e["error"])[:500] if e.get("error") else None,
            "duration_s": as_num(e.get("duration_s")), "carried": as_list(e.get("carried")),
            "fuzz": _fuzz(e.get("fuzz"))})
        if step in self.rows:
            self.rows[step]["evals"].append([passed, total])
            touched.add(step)

    # -- what pages ask ----------------------------------------------------------------------
    def status(self) -> tuple[str, str | None, str | None]:
        """(status, end_reason, error) as the events say, not as a stale run.json says."""
        info = self.info
        if self.ended is not None:
            return (str(self.ended.get("status")), str(self.ended.get("end_reason")),
                    info.get("error") if isinstance(info.get("error"), str) else None)
        now = time.monotonic()
        if now - self._alive[0] > ALIVE_PROBE_S:
            self._alive = (now, writer_alive(self.run_dir))
        if info.get("model_kind") == "imported":
            return str(info.get("status")), info.get("end_reason"), info.get("error")
        if self._alive[1] or not self.lineno:
            return "running", None, None
        return "interrupted", "interrupted", NO_RUN_END

    def header(self) -> dict[str, Any]:
        """What the run page's header shows: run.json's fields, live totals and status."""
        with self.lock:
            info = self.info
            status, reason, error = self.status()
            tot = dict(self.totals)
            if (tot["model_calls"] and tot["unpriced_calls"] >= tot["model_calls"]) or \
                    info.get("model_kind", "endpoint") != "endpoint":
                tot["cost"] = None
            elif tot["cost"] is not None:
                tot["cost"] = round(tot["cost"], 6)
            grade = info.get("grade") if isinstance(info.get("grade"), dict) else None
            last = next((x for x in reversed(self.evals) if x["rate"] is not None), None)
            return {
                "run_id": str(info.get("run_id") or self.run_dir.name),
                "scenario": info.get("scenario"), "model": info.get("model"),
                "model_kind": info.get("model_kind"), "profile": info.get("profile"),
                "base_url": info.get("base_url"), "context": info.get("context"),
                "sandbox": info.get("sandbox"), "eval_every": info.get("eval_every"),
                "budgets": info.get("budgets") if isinstance(info.get("budgets"), dict) else {},
                "parent": info.get("parent"), "started_at": self.started_at or None,
                "elapsed_s": round(self.last_t - self.started_at, 3) if self.started_at and
                self.last_t else 0.0, "status": status, "end_reason": reason, "error": error,
                "totals": tot, "grade": grade,
                "latest": {"passed": last["passed"], "total": last["total"], "step": last["step"]}
                if last else None,
                "rows": len(self.order), "version": self.version, "layout": self.layout,
                "loading": self.loading, "read_bytes": self.offset, "size": self.size,
                "outage": self.outage if status == "running" else None,
                "grading": self.grading if status == "running" else None,
                "warnings": self.warnings[:20]}

    def rows_at(self, start: int, end: int) -> list[dict[str, Any]]:
        """The rows at positions [start, end)."""
        with self.lock:
            return [self.rows[s] for s in self.order[max(0, start):max(0, end)]]

    def position(self, step: int) -> int | None:
        with self.lock:
            i = bisect.bisect_left(self.order, step)
            return i if i < len(self.order) and self.order[i] == step else None

    def delta(self, cursor: Cursor) -> dict[str, Any]:
        """What changed since ``cursor``: header, touched row positions (None: reload every
        row), new model-call columns, evaluations and alerts."""
        with self.lock:
            touched: set[int] | None = set()
            known = [v for v, _ in self._touched]
            first = bisect.bisect_right(known, cursor.version)
            if cursor.version and (first == 0 and known and known[0] > cursor.version + 1):
                touched = None  # older than the log: reload
            elif touched is not None:
                for _, steps in self._touched[first:]:
                    touched |= steps
            positions = None if touched is None else sorted(
                p for p in (self.position(s) for s in touched) if p is not None)
            return {"header": self.header(), "touched": positions,
                    "calls": self.calls.since(cursor.calls), "evals": self.evals[cursor.evals:],
                    "alerts": self.alerts[cursor.alerts:],
                    "cursor": Cursor(version=self.version, calls=self.calls.n,
                                     evals=len(self.evals),
                                     alerts=len(self.alerts)).model_dump()}

    def step_lines_raw(self, step: int) -> list[bytes]:
        """The recorded lines of one step (its evaluations included), read back by offset."""
        with self.lock:
            spans = [(self.line_offsets[i], self.line_lengths[i])
                     for i in self.step_lines.get(step, [])]
        if not spans:
            return []
        out: list[bytes] = []
        fd = os.open(self.path, os.O_RDONLY)
        try:
            for off, n in spans:
                out.append(os.pread(fd, n, off))
        finally:
            os.close(fd)
        return out

    def next_bad(self, position: int, direction: int) -> int | None:
        """The step of the next row after ``position`` (before it when ``direction`` < 0)
        with a failing call, a turn without a tool call or a failed model call."""
        with self.lock:
            step = 1 if direction >= 0 else -1
            i = position + step
            while 0 <= i < len(self.order):
                row = self.rows[self.order[i]]
                if row["failed"] or row["text_only"] or row["model_failed"]:
                    return self.order[i]
                i += step
            return None

    def end_point(self) -> dict[str, float]:
        """Where the run stands on each axis of the progress curves."""
        with self.lock:
            return {"tool_calls": self.totals["tool_calls"],
                    "t": round(self.last_t - self.started_at, 3) if self.started_at else 0.0,
                    "tokens": self.totals["tokens_in"] + self.totals["tokens_out"]}

    def calls_through(self, step: int) -> int:
        """Tool calls done when ``step`` ended (a fork's offset on its parent's axis)."""
        with self.lock:
            done = [c for s, c in self._calls_at.items() if s <= step]
            return max(done, default=0)

    def commits_for(self, step: int) -> tuple[str | None, str | None]:
        """(the workspace's commit before ``step``, the one it left) for its diff."""
        with self.lock:
            before = after = None
            for s, commit, _changed in self.snapshots:
                if s < step:
                    before = commit
                elif s == step:
                    after = commit
            return before, after
