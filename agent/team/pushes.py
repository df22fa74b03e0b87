"""From the upstream's push log to the team log: every push, every lock, every state of main.

The upstream's post-receive hook appends one line per push to ``upstream/pushes.jsonl`` (who,
and each ref's old and new id). The ``PushWatcher`` tails that file, reads the objects with
ultrarun's own reader (never git), and writes to the team log a ``push`` event per ref update
(commits, merges, files, lines added and removed, forced or deleted, lines of others it
overwrote, functions edited on both sides of a merge) and ``lock_claimed``/``lock_released``
for files under ``current_tasks/``. Each update of the team's branch is a new *state of
main*, handed to the grading schedule.

Two pushes' hooks may finish in either order: an update whose ``old`` is not the last state
seen of its ref waits (up to ``GAP_WAIT_S``) for the one before it, then is taken anyway and
marked ``gap``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.team.events import LockEvent, PushEvent, TeamLog
from agent.team.gitobjects import ZERO, Commit, GitObjectError, UpstreamObjects
from agent.team.ledger import Change, LineLedger, touched_functions

LOCKS = "current_tasks/"
GAP_WAIT_S = 5.0
POLL_S = 0.25
MAX_LINE = 1 << 20
_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class MainState:
    """One state of the team's branch: ``index`` 0 is the seed."""

    index: int
    sha: str | None  # None: the branch was deleted
    tree: str | None
    agent: str
    push: int
    files: tuple[str, ...] = ()  # what it changed (for attribution)


@dataclass
class _Update:
    record: int
    t: float
    agent: str
    ref: str
    old: str
    new: str
    since: float = field(default_factory=time.monotonic)


class PushWatcher:
    """Tails ``pushes.jsonl`` on a thread of its own; ``poll`` processes what is there."""

    def __init__(self, log_path: Path, objects: UpstreamObjects, team_log: TeamLog, *,
                 agents: list[str], branch: str = "main",
                 on_main: Callable[[MainState, Change], None] | None = None) -> None:
        self.path = log_path
        self.objects = objects
        self.team_log = team_log
        self.agents = set(agents) | {"seed"}
        self.ref = f"refs/heads/{branch}"
        self.on_main = on_main or (lambda _s, _c: None)
        self.ledger = LineLedger(objects)
        self.states: list[MainState] = []
        self.pushes = 0
        self.records = 0  # lines of pushes.jsonl consumed
        self._offset = 0
        self._last: dict[str, str] = {}  # ref -> last id seen
        self._seen: set[str] = set()  # every commit reachable from a state seen
        self._pending: list[_Update] = []
        self._done: set[tuple[int, str]] = set()  # (record, ref) in the team log already
        self._by: list[tuple[float, str]] = []  # (when processed, agent) of every update
        self._locks_logged: set[tuple[int, str, str]] = set()  # (push, task, type) logged
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- resume ----------------------------------------------------------------------------
    def restore(self, events: list[PushEvent], locks: list[LockEvent] | None = None) -> None:
        """Continue after the pushes a team log already holds (the ledger is replayed)."""
        self._locks_logged = {(lk.push, lk.task, lk.type) for lk in locks or []}
        for e in events:
            self._by.append((e.t, e.agent))
            self.pushes = max(self.pushes, e.push)
            self._done.add((e.record, e.ref))
            self._last[e.ref] = e.new
            if e.main is not None:
                tree = self.objects.commit(e.new).tree if e.new != ZERO else None
                state = MainState(e.main, None if e.new == ZERO else e.new, tree, e.agent,
                                  e.push, tuple(e.files))
                if state.index == 0:
                    self.ledger.start(tree, e.agent)
                else:
                    self.ledger.advance(state.index, e.agent, tree, e.seen_upto)
                self.states.append(state)
            if e.new != ZERO:
                self._seen |= self.objects.ancestors(e.new)
        self.team_log.step = self.pushes  # the log is read again from its start, less these

    # -- the thread --------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="team-pushes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after one last look at the log."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.poll(flush=True)

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            self.poll()

    def poll(self, flush: bool = False) -> int:
        """Process the complete lines appended since the last call; the number of updates.
        ``flush``: take waiting out-of-order updates now."""
        with self._lock:
            done = 0
            for rec in self._read_new():
                self._pending.extend(rec)
            while True:
                ready = self._next_ready(flush)
                if ready is None:
                    break
                self._pending.remove(ready)
                self._process(ready)
                done += 1
            return done

    def _read_new(self) -> list[list[_Update]]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read(64 << 20)
        except FileNotFoundError:
            return []
        out: list[list[_Update]] = []
        while True:
            nl = data.find(b"\n")
            if nl < 0:
                break
            line, data = data[:nl], data[nl + 1:]
            self._offset += nl + 1
            out.append(self._parse(line[:MAX_LINE], self.records))
            self.records += 1
        return out

    def _parse(self, line: bytes, record: int) -> list[_Update]:
        try:
            data: Any = json.loads(line)
            agent = str(data.get("agent", ""))
            t = float(data.get("t", time.time()))
            updates = data.get("updates", [])[:64]
        except (ValueError, AttributeError, TypeError):
            return []
        agent = agent if agent in self.agents else "unknown"
        out = []
        for u in updates:
            if not isinstance(u, dict):
                continue
            old, new, ref = str(u.get("old", "")), str(u.get("new", "")), str(u.get("ref", ""))
            if _SHA.fullmatch(old) and _SHA.fullmatch(new) and 0 < len(ref) <= 256 \
                    and (record, ref) not in self._done:
                out.append(_Update(record, t, agent, ref, old, new))
        return out

    def _next_ready(self, flush: bool) -> _Update | None:
        now = time.monotonic()
        for u in self._pending:  # file order
            last = self._last.get(u.ref, ZERO)
            if u.old == last or flush or now - u.since > GAP_WAIT_S:
                return u
        return None

    # -- one update ----------------------------------------------------------------------------
    def agent_pushes(self) -> int:
        """Updates the agents pushed (the harness's seed left out)."""
        with self._lock:
            return sum(1 for _t, who in self._by if who != "seed")

    def pushes_since(self, agent: str, t: float) -> int:
        """Updates ``agent`` pushed that were processed at or after ``t`` (unix time)."""
        with self._lock:
            return sum(1 for when, who in self._by if who == agent and when >= t)

    def _process(self, u: _Update) -> None:
        self._by.append((time.time(), u.agent))
        self.pushes += 1
        self.team_log.step = self.pushes
        gap = u.old != self._last.get(u.ref, ZERO)
        self._last[u.ref] = u.new
        fields: dict[str, Any] = {"push": self.pushes, "agent": u.agent, "ref": u.ref,
                                  "old": u.old, "new": u.new, "record": u.record,
                                  "created": u.old == ZERO, "deleted": u.new == ZERO, "gap": gap}
        try:
            fields |= self._describe(u)
        except GitObjectError as e:
            fields["error"] = str(e)[:300]
        if u.ref == self.ref:
            self._advance_main(u, fields)
        else:
            self.team_log.emit(PushEvent, **fields)

    def _describe(self, u: _Update) -> dict[str, Any]:
        if u.new == ZERO:
            return {}
        commits = self.objects.new_commits(u.new, self._seen)
        forced = u.old != ZERO and u.old not in self.objects.ancestors(u.new)
        self._seen |= {c.sha for c in commits}
        merges = [c for c in commits if len(c.parents) > 1]
        out: dict[str, Any] = {"commits": len(commits), "forced": forced,
                               "merges": len(merges)}
        if u.ref == self.ref and merges:
            seen, concurrent = self._merged(merges, u.old, u.agent)
            out["seen_upto"] = seen
            if concurrent:
                out["concurrent"] = concurrent
        return out

    def _advance_main(self, u: _Update, fields: dict[str, Any]) -> None:
        index = len(self.states)
        tree = self.objects.commit(u.new).tree if u.new != ZERO else None
        old_tree = self.states[-1].tree if self.states else None
        if index == 0:
            self.ledger.start(tree, u.agent)
            change = Change()
        else:
            change = self.ledger.advance(index, u.agent, tree, fields.get("seen_upto"))
        state = MainState(index, None if u.new == ZERO else u.new, tree, u.agent,
                          self.pushes, tuple(change.files))
        self.states.append(state)
        fields |= {"main": index, "files": change.files[:100],
                   "files_count": len(change.files), "added": change.added,
                   "removed": change.removed}
        if change.overwritten:
            fields["overwrote"] = change.overwritten
        if change.functions:
            fields["functions"] = sorted(change.functions)[:200]
        # The locks first: a push event in the log means everything of it was logged (a
        # resumed watcher redoes an update whose push event is missing, and skips the locks
        # it logged already).
        self._locks(u, old_tree, tree)
        self.team_log.emit(PushEvent, **fields)
        self.on_main(state, change)

    def _log_lock(self, kind: str, agent: str, task: str, holder: str,
              took_over: str | None = None) -> None:
        if (self.pushes, task, kind) not in self._locks_logged:
            self.team_log.emit(LockEvent, type=kind, push=self.pushes, agent=agent, task=task,
                               holder=holder, took_over=took_over)

    def _locks(self, u: _Update, old_tree: str | None, new_tree: str | None) -> None:
        before, after = self._lock_files(old_tree), self._lock_files(new_tree)
        for path in sorted(set(before) | set(after)):
            b, a = before.get(path), after.get(path)
            if b == a:
                continue
            if b is not None and a is not None:  # rewritten: a takeover if the holder changed
                old, new = self._holder(b), self._holder(a)
                if _who(old) != _who(new):
                    self._log_lock("lock_claimed", u.agent, path, new, took_over=old)
                continue
            if b is not None:
                self._log_lock("lock_released", u.agent, path, self._holder(b))
            if a is not None:
                self._log_lock("lock_claimed", u.agent, path, self._holder(a))

    def _lock_files(self, tree: str | None) -> dict[str, str]:
        if tree is None:
            return {}
        out: dict[str, str] = {}
        for mode, name, sha in self.objects.tree(tree):
            if name == LOCKS[:-1].encode() and mode == "040000":
                for cmode, cname, csha in self.objects.tree(sha):
                    if cmode in ("100644", "100755") and len(out) < 1000:
                        out[LOCKS + cname.decode("utf-8", "replace")] = csha
        return out

    def _holder(self, blob: str) -> str:
        try:
            first = self.objects.blob(blob)[:200].decode("utf-8", "replace")
        except GitObjectError:
            return ""
        return first.strip().splitlines()[0][:120] if first.strip() else ""

    def _merged(self, merges: list[Commit], old: str, agent: str
                ) -> tuple[int, list[dict[str, Any]]]:
        """For a push that merged concurrent work: the last state of main its own side was
        based on (the smallest over its merges), and the functions both sides of a merge
        changed since their common base, with the agents of the main side's states."""
        seen = len(self.states) - 1
        concurrent: list[dict[str, Any]] = []
        for m in merges[:20]:
            p1, p2 = m.parents[0], m.parents[1]
            theirs, mine = (p1, p2) if old in self.objects.ancestors(p1) else (p2, p1)
            a_theirs, a_mine = self.objects.ancestors(theirs), self.objects.ancestors(mine)
            common = a_theirs & a_mine
            inner = {p for x in common for p in self.objects.commit(x).parents}
            bases = sorted(common - inner)  # the common ancestors no other one descends from
            if not bases:
                continue
            base = self.objects.commit(bases[0])
            base_anc = self.objects.ancestors(base.sha)
            seen = min(seen, max((s.index for s in self.states if s.sha in base_anc),
                                 default=0))
            ours = touched_functions(self.objects, base.tree, self.objects.commit(mine).tree)
            other = touched_functions(self.objects, base.tree,
                                      self.objects.commit(theirs).tree)
            others = sorted({s.agent for s in self.states if s.sha and s.sha in a_theirs
                             and s.sha not in base_anc and s.agent != agent})
            concurrent += [{"function": f, "with": others} for f in sorted(ours & other)]
        return seen, concurrent


def _who(holder: str) -> str:
    """The agent a lock's first line names (``a2: stage 05 ...`` -> ``a2``)."""
    return holder.split(":", 1)[0].strip()
