"""The run folder: run.json, events.jsonl, snapshots.git, outputs/ (CONTRACT 5)."""

from agent.trajectory.events import SCHEMA_VERSION, EventBase, parse_event
from agent.trajectory.reader import LoadedRun, is_run_dir, load_run
from agent.trajectory.recorder import Recorder
from agent.trajectory.run_info import RunInfo, Totals, read_run_info
from agent.trajectory.snapshots import Snapshotter

__all__ = ["SCHEMA_VERSION", "EventBase", "LoadedRun", "Recorder", "RunInfo", "Snapshotter",
           "Totals", "is_run_dir", "load_run", "parse_event", "read_run_info"]
