"""`ultrarun replay --execute`: re-run a run's recorded tool calls in a fresh sandbox from its
first snapshot and report where the results diverge."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from agent.trajectory import LoadedRun
from agent.trajectory.events import ToolCallEvent, ToolResultEvent
from sandboxes.errors import HarnessError, UserError


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


def execute(run: LoadedRun, sandbox: str = "docker",
            progress: Callable[[str], None] = lambda _m: None) -> ExecuteReport:
    """Re-run the recorded tool calls from the initial workspace through ToolBox.dispatch."""
    from agent.models.base import ToolCall
    from agent.runner import _open, run_scenario, scenario_image
    from agent.tools.base import ToolContext
    from agent.tools.toolbox import CommandTool, ToolBox
    from sandboxes import SandboxDied, SandboxError
    from scenarios.loader import ScenarioError

    run_dir = run.run_dir
    info = run.info
    if sandbox not in ("docker", "local"):
        raise UserError(f"--sandbox {sandbox!r}: use docker or local")
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
    toolbox = ToolBox(scenario.tools, extra=[CommandTool(t) for t in scenario.command_tools])
    pairs = list(recorded_calls(run))
    diverged: list[Divergence] = []
    replayed = skipped = 0
    recorded_ws = str((run_dir / "workspace").resolve())
    with tempfile.TemporaryDirectory(prefix="ultrarun-replay-",
                                     ignore_cleanup_errors=True) as tmp:
        ws, outs = Path(tmp) / "workspace", Path(tmp) / "outputs"
        outs.mkdir()
        progress(f"exporting the initial workspace ({commit[:10]})")
        _export(git_dir, commit, ws)
        client = image = None
        if sandbox == "docker":
            from sandboxes.engine import connect

            client = connect()
            if client is None:
                raise HarnessError("no Docker engine answers: run `ultrarun sandbox doctor`, "
                                   "or use --sandbox local")
            image = scenario_image(scenario, client, progress)
        run_id = f"replay-{info.run_id}"[:60]
        try:
            sb = _open(sandbox, scenario, ws, image, run_id, outs, client, None)
            sb.__enter__()
        except SandboxError as e:
            raise HarnessError(f"cannot start the {sandbox} sandbox: {e}") from None
        try:
            ctx = ToolContext(sandbox=sb, outputs_dir=outs,
                              default_timeout=float(info.options.get("command_timeout", 120)))
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
                    shown = toolbox.dispatch(call, ctx)
                    text, out = shown.display, shown.output
                    if shown.needs_store:  # later read_log calls read it from outputs/
                        target = outs / f"{_safe(call.id)}.log"
                        if out.spilled is not None and out.spilled.exists():
                            shutil.move(str(out.spilled), target)
                        else:
                            target.write_text(out.text, errors="replace")
                    exit_code, ok = out.exit_code, out.ok
                except SandboxDied as e:
                    text, exit_code, ok = f"sandbox died: {e}", None, False
                    kinds.append("error")
                replayed += 1
                if sandbox == "local":  # the workspace moved: compare modulo its path
                    text = text.replace(str(ws.resolve()), recorded_ws).replace(str(ws),
                                                                                recorded_ws)
                rec_exit = res.exit_code
                if exit_code != rec_exit:
                    kinds.append("exit_code")
                if ok != res.ok and rec_exit == exit_code:
                    kinds.append("ok")
                recorded_out = res.output
                if text != recorded_out:
                    kinds.append("output")
                if kinds:
                    line, a, b = _first_difference(recorded_out, text)
                    diverged.append(Divergence(
                        step=res.step, call_id=call.id, tool=call.name, kinds=kinds,
                        recorded_exit=rec_exit, replayed_exit=exit_code,
                        recorded_line=a if "output" in kinds else None,
                        replayed_line=b if "output" in kinds else None,
                        line=line if "output" in kinds else None))
        finally:
            sb.close()
    return ExecuteReport(run_dir=str(run_dir), sandbox=sandbox, commit=commit,
                         calls=len(pairs), replayed=replayed, skipped=skipped,
                         diverged=diverged)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:100]
