"""A step's snapshot as the loop records it.

The loop marks each step complete with a ``snapshot`` event. This module takes that snapshot
and says what the event holds: whether every file's content was read (a snapshot to be graded,
or the run's last: a write through a shared memory mapping changes no stat field), how many
mapped files were read again, what was left out — and, once ``snapshots.git`` comes near its
cap or hits it, the ``store_limit`` event and the notice the agent reads with its next tool
result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.state import LoopState
from agent.trajectory.events import EventBase, SnapshotEvent, StoreLimitEvent
from agent.trajectory.snapshots import Snapshotter, store_notice

Emit = Callable[..., EventBase]


class StepSnapshots:
    """Takes and records step snapshots through ``emit`` (the loop's record-and-fold)."""

    def __init__(self, snapshots: Snapshotter, state: Callable[[], LoopState],
                 emit: Emit) -> None:
        self.snapshots = snapshots
        self._state = state
        self._emit = emit
        self.last_verified = False  # the last snapshot read every file's content
        self.notice = ""  # for the agent, with its next tool result

    def take(self, step: int, message: str, verify: bool, only_changes: bool = False,
             evaluate: bool = False) -> str | None:
        """Snapshot the workspace and record it (``only_changes``: only if it changed;
        ``evaluate``: it is to be graded); the workspace's commit."""
        snaps, state = self.snapshots, self._state()
        commit = snaps.snapshot(message, verify=verify)
        self.last_verified = verify
        head = commit or snaps.head()
        if commit is None and only_changes:
            return head
        scan, left_out = snaps.last_scan, snaps.last_skipped
        fields: dict[str, Any] = {
            "skipped": [s.as_dict() for s in left_out[:100]] or None,
            "skipped_count": len(left_out) or None, "verified": scan.verified or None,
            "mapped": scan.mapped or None, "evaluate": evaluate and head is not None}
        self._emit(SnapshotEvent, step, commit=head or "", changed=commit is not None,
                   tool_calls=state.tool_calls, **fields)
        level = snaps.store_level()
        if level and level != state.store_level and state.store_level != "full":
            self._emit(StoreLimitEvent, step, level=level, stored=snaps.stored,
                       cap=snaps.max_store)
            self.notice = store_notice(level, snaps.stored, snaps.max_store)
        return head

    def verify_last(self, step: int) -> str | None:
        """Make the run's last snapshot one that read every file (a run that ended another
        way than by finish or a budget trusted stat at its last step); a difference is
        recorded as one more snapshot of that step. An error's text, if it failed."""
        if self.last_verified or self.snapshots.head() is None:
            return None
        try:
            self.take(step, f"step {step} (content check at the end)", True, only_changes=True)
        except Exception as e:  # the run's end is recorded anyway
            return f"final snapshot: {e}"
        return None

    def with_notice(self, text: str) -> str:
        """A tool result's text, with the pending notice (then cleared) appended."""
        notice, self.notice = self.notice, ""
        return text + f"\n[{notice}]" if notice else text
