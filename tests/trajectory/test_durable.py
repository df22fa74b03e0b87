"""The one place run.json, team.json, batch.json and the event logs are written."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from agent.trajectory.durable import EventLog, write_atomic
from agent.trajectory.events import EventBase


def test_writers_at_once_never_leave_a_torn_file(tmp_path: Path) -> None:
    # Several writers (the loop, an evaluation thread, a batch's workers) and a reader: every
    # read is one whole version, and no temporary file is left. With one fixed temporary name,
    # a writer truncated the file another was renaming into place.
    target = tmp_path / "run.json"
    write_atomic(target, json.dumps({"writer": -1, "pad": ""}))
    stop = threading.Event()
    torn: list[str] = []
    failed: list[OSError] = []

    def write(n: int) -> None:
        for i in range(150):
            try:
                write_atomic(target, json.dumps({"writer": n, "i": i, "pad": "x" * 20000}))
            except OSError as e:  # another writer renamed this one's file away
                failed.append(e)

    def read() -> None:
        while not stop.is_set():
            text = target.read_text()
            try:
                json.loads(text)
            except ValueError:
                torn.append(text[:80])

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    stop.set()
    reader.join()
    assert torn == [] and failed == []
    assert json.loads(target.read_text())["i"] == 149
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "team.json"
    write_atomic(target, '{"old": true}')
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, '{"new": "\udc80"}')  # a lone surrogate cannot be written
    assert target.read_text() == '{"old": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["team.json"]


def test_event_log_numbers_from_where_it_left_off(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "events.jsonl")
    first = log.emit(EventBase, 0, type="x")
    log.emit(EventBase, 1, type="y", t=12.5)  # an imported event keeps its own time
    log.close()
    again = EventLog(tmp_path / "events.jsonl", next_seq=log.next_seq)
    again.emit(EventBase, 2, type="z")
    again.close()
    rows = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert [(r["seq"], r["step"], r["type"]) for r in rows] == [(0, 0, "x"), (1, 1, "y"),
                                                                 (2, 2, "z")]
    assert rows[0]["t"] == first.t and rows[1]["t"] == 12.5
