"""`ultrarun replay --execute`: re-run a run's recorded tool calls in a fresh sandbox from its
first snapshot and report where the results diverge."""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from agent.trajectory import LoadedRun
from agent.trajectory.events import ToolCallEvent, ToolResultEvent
from agent.trajectory.outputs import output_file
from sandboxes import DEFAULT_BACKEND
from sandboxes.errors import HarnessError, UserError

if TYPE_CHECKING:
    from sandboxes.backends import SandboxConfig


class Divergence(BaseModel):
    step: int
    call_id: str
    tool: str
    kinds: list[str]  # exit_code | output | ok | error
    recorded_exit: int | None
    replayed_exit: int | None
    recorded_line: str | None = None  # the first line that differs, as recorded …
    replayed_line: str | None = None  # … and as replayed
    line: int | None = None  # its 1-based number


class ExecuteReport(BaseModel):
    run_dir: str
    sandbox: str
    commit: str
    calls: int
    replayed: int
    skipped: int
    diverged: list[Divergence]
    # Calls whose output differs only in what changes from one run to the next (dates, clock
    # times, durations: `ls -la`, test runners' timings): not divergences.
    volatile: list[Divergence] = []


_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
#: What a re-run changes without the agent's work differing: ISO and `ls -l` dates, clock
#: times, and durations such as `0.12s`, `3 ms`, `1m2.5s` (`time`, pytest, unittest, make).
VOLATILE = [
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"),
    re.compile(rf"\b{_MONTH}\s+\d{{1,2}}\s+(?:\d{{1,2}}:\d{{2}}|\d{{4}})\b"),
    re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b"),
    re.compile(r"\b\d+m\d+(?:\.\d+)?s\b"),
    re.compile(r"\b\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds|min|minutes)\b"),
]


def without_volatile(text: str) -> str:
    """``text`` with dates, clock times and durations replaced by a placeholder."""
    for pattern in VOLATILE:
        text = pattern.sub("<volatile>", text)
    return text


def _first_difference(a: str, b: str) -> tuple[int, str, str]:
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<end of output>"
        y = lb[i] if i < len(lb) else "<end of output>"
        if x != y:
            return i + 1, x[:200], y[:200]
    return 1, a[:200], b[:200]  # differ only in trailing newlines


def recorded_calls(run: LoadedRun) -> list[tuple[ToolCallEvent, ToolResultEvent]]:
    """(tool_call, tool_result) pairs in the order they ran."""
    return [(x.call, x.result) for x in run.tool_calls()
            if x.call is not None and x.result is not None]


def _export(git_dir: Path, commit: str, dest: Path) -> None:
    """The workspace at ``commit``, read-only on the run (the run may still be live)."""
    from agent.trajectory.snapshots import SnapshotError, SnapshotStore

    try:
        SnapshotStore(git_dir).export(commit, dest)
    except SnapshotError as e:
        raise UserError(f"cannot export {commit[:10]}: {e}") from None


def execute(run: LoadedRun, sandbox: str | SandboxConfig = DEFAULT_BACKEND,
            progress: Callable[[str], None] = lambda _m: None) -> ExecuteReport:
    """Re-run the recorded tool calls from the initial workspace through ToolBox.dispatch, in
    a sandbox set up as a run's is (``agent.setup.prepare``)."""
    from agent.models.base import ToolCall
    from agent.runner import run_scenario
    from agent.scenario.loader import ScenarioError
    from agent.setup import prepare
    from sandboxes import SandboxDied, SandboxError
    from sandboxes.backends import backend_config

    run_dir = run.run_dir
    info = run.info
    config = backend_config(sandbox)  # an unknown name: UserError naming the backends
    commits = run.snapshot_commits()
    git_dir = run_dir / "snapshots.git"
    if info is None or not commits or not git_dir.exists():
        raise UserError(f"{run_dir}: no snapshots.git with an initial workspace (an imported "
                        "run?): nothing to re-execute from")
    try:
        scenario = run_scenario(run_dir, info)
    except ScenarioError as e:
        raise UserError(f"{run_dir}: its scenario cannot be loaded: {e}") from None
    commit = commits[0][1]
    pairs = list(recorded_calls(run))
    diverged: list[Divergence] = []
    volatile: list[Divergence] = []
    replayed = skipped = 0
    recorded_ws = str((run_dir / "workspace").resolve())
    prepared = prepare(scenario, config, progress)
    with tempfile.TemporaryDirectory(prefix="ultrarun-replay-",
                                     ignore_cleanup_errors=True) as tmp:
        ws, outs = Path(tmp) / "workspace", Path(tmp) / "outputs"
        outs.mkdir()
        progress(f"exporting the initial workspace ({commit[:10]})")
        _export(git_dir, commit, ws)
        with contextlib.ExitStack() as stack:
            try:
                bench = stack.enter_context(prepared.workbench(
                    ws, run_id=f"replay-{info.run_id}"[:60], outputs_dir=outs,
                    command_timeout=info.options.command_timeout))
            except SandboxError as e:
                raise HarnessError(f"cannot start the {config.backend} sandbox: {e}") from None
            for n, (call_ev, res) in enumerate(pairs, 1):
                if res.error_kind in ("after_finish", "sandbox"):
                    skipped += 1  # never ran, or died with its sandbox: nothing to compare
                    continue
                call = ToolCall(id=call_ev.call_id, name=call_ev.name,
                                arguments=call_ev.arguments, raw_arguments=call_ev.raw_arguments,
                                parse_error=call_ev.parse_error)
                progress(f"call {n}/{len(pairs)}: {call.name}")
                kinds: list[str] = []
                try:
                    shown = bench.toolbox.dispatch(call, bench.ctx)
                    text, out = shown.display, shown.output
                    if shown.needs_store:  # later read_log calls read it from outputs/
                        target = output_file(outs, call.id)
                        if out.spilled is not None and out.spilled.exists():
                            shutil.move(str(out.spilled), target)
                        else:
                            target.write_text(out.text, errors="replace")
                    exit_code, ok = out.exit_code, out.ok
                except SandboxDied as e:
                    text, exit_code, ok = f"sandbox died: {e}", None, False
                    kinds.append("error")
                replayed += 1
                # Where commands see the host folder (no container), the workspace moved:
                # compare modulo its path (a no-op where the path never shows).
                text = text.replace(str(ws.resolve()), recorded_ws).replace(str(ws), recorded_ws)
                rec_exit = res.exit_code
                if exit_code != rec_exit:
                    kinds.append("exit_code")
                if ok != res.ok and rec_exit == exit_code:
                    kinds.append("ok")
                recorded_out = res.output
                if text != recorded_out:
                    kinds.append("output")
                only_volatile = kinds == ["output"] and \
                    without_volatile(text) == without_volatile(recorded_out)
                if kinds:
                    line, a, b = _first_difference(recorded_out, text)
                    (volatile if only_volatile else diverged).append(Divergence(
                        step=res.step, call_id=call.id, tool=call.name, kinds=kinds,
                        recorded_exit=rec_exit, replayed_exit=exit_code,
                        recorded_line=a if "output" in kinds else None,
                        replayed_line=b if "output" in kinds else None,
                        line=line if "output" in kinds else None))
    return ExecuteReport(run_dir=str(run_dir), sandbox=config.backend, commit=commit,
                         calls=len(pairs), replayed=replayed, skipped=skipped,
                         diverged=diverged, volatile=volatile)
