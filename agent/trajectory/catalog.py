"""Finding runs: the run folders under logs folders, one summary row each, and run ids.

``ultrarun ls`` prints the rows, ``ultrarun view`` serves them, and every command that takes a
run folder accepts a run id through ``resolve_run`` (a folder name under ``--logs``, or a
unique prefix of one), the way ``resume`` always did.

Everything here reads run folders as data (docs/security.md): run.json is read with a size
bound, a folder that is not a run or cannot be read is skipped (a row says why), nothing is
followed out of the logs folder, and the status of a run whose run.json still says
``running`` comes from whether a process holds its lock.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agent.team.info import is_team_dir
from agent.trajectory.fields import as_dict
from agent.trajectory.reader import NO_RUN_END, is_run_dir, writer_alive
from sandboxes.errors import UserError

#: run.json is a few KB; one larger than this is not read (it is not ours).
RUN_JSON_MAX = 4 << 20


class RunRow(BaseModel):
    """One run as a list shows it (``ultrarun ls``, the viewer's run list)."""

    key: str  # unique among the rows of one listing (the folder name, suffixed if repeated)
    run_id: str
    path: str  # the run folder (absolute)
    status: str  # running | finished | failed | interrupted | unreadable
    end_reason: str | None = None
    scenario: str | None = None
    model: str | None = None
    model_kind: str | None = None
    steps: int = 0
    tool_calls: int = 0
    tokens: int = 0
    cost: float | None = None  # None: unknown (no prices) or not an endpoint model
    grade: list[int] | None = None  # [passed, total] of the final grading
    started_at: float | None = None
    updated_at: float = 0.0  # last write to events.jsonl or run.json
    parent: str | None = None  # a fork's parent run id
    error: str | None = None


class RunNotFound(UserError):
    """A run folder or run id that names no run (exit 2)."""


def run_dirs(root: Path) -> list[Path]:
    """The run folders directly inside ``root`` (or ``root`` itself when it is one), by name.

    Symlinked entries are left out: a logs folder is walked without following links."""
    if is_run_dir(root):
        return [root]
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return []
    return [Path(e.path) for e in entries
            if e.is_dir(follow_symlinks=False) and (is_run_dir(Path(e.path))
                                                    or is_team_dir(Path(e.path)))]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as f:
            raw = f.read(RUN_JSON_MAX + 1)
        if len(raw) > RUN_JSON_MAX:
            return None
        data = json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _num(value: Any, kind: type = int) -> Any:
    """``value`` when it is a finite number, else 0 (``kind`` int) or None."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return 0 if kind is int else None


def _updated(run_dir: Path) -> float:
    latest = 0.0
    for name in ("events.jsonl", "run.json", "team.jsonl", "team.json"):
        try:
            latest = max(latest, (run_dir / name).stat().st_mtime)
        except OSError:
            pass
    return latest


def team_row(team_dir: Path, key: str | None = None) -> RunRow:
    """The summary row of a team folder (docs/teams.md), from its team.json: its model says
    how many agents; its sessions are run folders of their own under ``agents/``."""
    data = _read_json(team_dir / "team.json") or {}
    totals = as_dict(data.get("totals"))
    status = str(data.get("status") or "running")
    end_reason, error = data.get("end_reason"), data.get("error")
    if status == "running" and not writer_alive(team_dir):
        status, end_reason, error = "interrupted", "interrupted", NO_RUN_END
    grade = as_dict(data.get("grade"))
    passed, total = grade.get("passed"), grade.get("total")
    agents = data.get("agents")
    return RunRow(
        key=key or team_dir.name, run_id=str(data.get("team_id") or team_dir.name),
        path=str(team_dir.absolute()), status=status,
        end_reason=str(end_reason) if end_reason else None,
        scenario=_str(data.get("scenario")),
        model=f"team of {len(agents) if isinstance(agents, list) else '?'}: "
              f"{data.get('model')}", model_kind="team", steps=_num(totals.get("steps")),
        tool_calls=_num(totals.get("tool_calls")),
        tokens=_num(totals.get("tokens_in")) + _num(totals.get("tokens_out")),
        cost=_num(totals.get("cost"), float),
        grade=[passed, total] if isinstance(passed, int) and isinstance(total, int) else None,
        started_at=_num(data.get("started_at"), float), updated_at=_updated(team_dir),
        error=str(error)[:300] if error else None)


def run_row(run_dir: Path, key: str | None = None) -> RunRow:
    """The summary row of one run folder, from its run.json (never its events)."""
    run_dir = Path(run_dir)
    if is_team_dir(run_dir):
        return team_row(run_dir, key)
    data = _read_json(run_dir / "run.json")
    key = key or run_dir.name
    updated = _updated(run_dir)
    if data is None:
        return RunRow(key=key, run_id=run_dir.name, path=str(run_dir.absolute()),
                      status="unreadable", updated_at=updated,
                      error="run.json missing, unreadable or not an object")
    totals = as_dict(data.get("totals"))
    status = str(data.get("status") or "running")
    end_reason = data.get("end_reason")
    error = data.get("error")
    if status == "running" and not writer_alive(run_dir):
        # The harness died without recording its end: say so, as report and replay do.
        status, end_reason, error = "interrupted", "interrupted", NO_RUN_END
    grade = as_dict(data.get("grade"))
    passed, total = grade.get("passed"), grade.get("total")
    calls, unpriced = _num(totals.get("model_calls")), _num(totals.get("unpriced_calls"))
    cost = _num(totals.get("cost"), float)
    if data.get("model_kind", "endpoint") != "endpoint" or (calls and unpriced >= calls):
        cost = None
    parent = as_dict(data.get("parent"))
    return RunRow(
        key=key, run_id=str(data.get("run_id") or run_dir.name), path=str(run_dir.absolute()),
        status=status, end_reason=str(end_reason) if end_reason else None,
        scenario=_str(data.get("scenario")), model=_str(data.get("model")),
        model_kind=_str(data.get("model_kind")), steps=_num(totals.get("steps")),
        tool_calls=_num(totals.get("tool_calls")),
        tokens=_num(totals.get("tokens_in")) + _num(totals.get("tokens_out")), cost=cost,
        grade=[passed, total] if isinstance(passed, int) and isinstance(total, int) else None,
        started_at=_num(data.get("started_at"), float), updated_at=updated,
        parent=_str(parent.get("run_id")) if parent else None,
        error=str(error)[:300] if error else None)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def list_runs(roots: Iterable[Path]) -> list[RunRow]:
    """Every run under ``roots``: running first, then the most recently updated."""
    rows: list[RunRow] = []
    seen: dict[str, int] = {}
    done: set[Path] = set()
    for root in roots:
        for run_dir in run_dirs(Path(root)):
            real = run_dir.resolve()
            if real in done:
                continue
            done.add(real)
            n = seen.get(run_dir.name, 0) + 1
            seen[run_dir.name] = n
            rows.append(run_row(run_dir, run_dir.name if n == 1 else f"{run_dir.name}~{n}"))
    return sort_rows(rows)


def sort_rows(rows: Sequence[RunRow]) -> list[RunRow]:
    return sorted(rows, key=lambda r: (r.status != "running", -r.updated_at, r.key))


def resolve_run(arg: Path | str, logs: Path | None = Path("logs")) -> Path:
    """A run folder named by a path, a run id under ``logs``, or a unique prefix of one.

    RunNotFound (exit 2) names what was tried; an ambiguous prefix lists the candidates."""
    path = Path(arg)
    if path.exists():
        if not path.is_dir():
            raise RunNotFound(f"{path}: not a folder (expected a run folder or a run id)")
        if not is_run_dir(path):
            raise RunNotFound(f"{path}: not a run folder (it has neither run.json nor "
                              "events.jsonl)")
        return path
    text = str(arg)
    if logs is not None and "/" not in text and text not in (".", ".."):
        exact = logs / text
        if is_run_dir(exact):
            return exact
        matches = [d for d in run_dirs(logs) if d.name.startswith(text)] if logs.is_dir() \
            else []
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = ", ".join(d.name for d in matches[:5]) + (" …" if len(matches) > 5 else "")
            raise RunNotFound(f"{text}: {len(matches)} runs in {logs} start with it ({names}); "
                              "give more of the run id")
        raise RunNotFound(f"{text}: no such run folder, and no run id in {logs} starts with it "
                          "(`ultrarun ls` lists the runs)")
    raise RunNotFound(f"{path}: no such run folder")


def age_text(seconds: float) -> str:
    """``42 s``, ``5 min``, ``3 h``, ``2 d`` ago."""
    s = max(0, int(seconds))
    if s < 90:
        return f"{s} s"
    if s < 90 * 60:
        return f"{s // 60} min"
    if s < 48 * 3600:
        return f"{s // 3600} h"
    return f"{s // 86400} d"


def row_age(row: RunRow, now: float | None = None) -> str:
    return age_text((now or time.time()) - row.updated_at) if row.updated_at else "-"
