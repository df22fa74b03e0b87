"""The run folder: run.json, events.jsonl, snapshots.git, outputs/ (docs/trajectory.md)."""

from agent.trajectory.events import SCHEMA_VERSION, EventBase, parse_event
from agent.trajectory.reader import LoadedRun, is_run_dir, load_run
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import RunInfo, Totals, read_run_info

__all__ = ["SCHEMA_VERSION", "EventBase", "LoadedRun", "Recorder", "RunInfo", "Snapshotter",
           "Totals", "is_run_dir", "load_run", "parse_event", "read_run_info"]


def __getattr__(name: str) -> object:
    # GitPython loads on first use: reading a run (report, replay) never needs it.
    if name == "Snapshotter":
        from agent.trajectory.snapshots import Snapshotter

        return Snapshotter
    raise AttributeError(f"module 'agent.trajectory' has no attribute {name!r}")
