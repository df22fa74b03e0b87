"""LocalSandbox: the same protocol on the host, for machines without Docker. NOT isolated.

Commands run in a local bash session inside the workspace folder; nothing stops them from
reading or writing anything the user can. On timeout, the command's processes are found by the
environment marker the session driver exports (``ULTRARUN_CMD``) and by descent from the
session shell, and killed; other processes of the user are never touched.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

from sandboxes.backends import GraderOutput
from sandboxes.base import ExecResult, SandboxError
from sandboxes.disk import DEFAULT_DISK, parse_size
from sandboxes.leftovers import grader_files_dir
from sandboxes.mapped import MappedFiles, shared_writable
from sandboxes.session import DRIVER_LAUNCH, ShellSession, wrap_command
from sandboxes.spec import GradingSpec
from sandboxes.workspace_files import WorkspaceFiles

ISOLATION_WARNING = ("local sandbox: commands run directly on this machine as your user, "
                     "with no isolation, no resource limits and full network access")


class LocalChannel:
    """A bash process with pipes, in its own process group."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            DRIVER_LAUNCH, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd, env=env,
            start_new_session=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._out = self.proc.stdout.fileno()
        self._buf = bytearray(256 * 1024)  # reused: no large allocation per read

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except OSError as e:
            raise SandboxError(f"the local shell is gone: {e}") from e

    def recv(self, timeout: float) -> bytes | None:
        ready, _, _ = select.select([self._out], [], [], max(0.0, timeout))
        if not ready:
            return None
        n = os.readv(self._out, [self._buf])
        return bytes(memoryview(self._buf)[:n])

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass
        self.proc.wait()


def _proc_children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d.name))
    return children


def _has_marker(pid: int, marker: bytes) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def _kill_rounds(session: ShellSession, marker: bytes, spare: set[int],
                 keep_shell: bool, term_shell_children: bool = False) -> int:
    """Kill, until none is left, the session shell's descendants (but ``spare``) and every
    process whose environment carries ``marker``; the shell itself unless ``keep_shell``.
    ``term_shell_children``: the shell's own children (the command's shell) get SIGTERM
    first instead (their trap saves cwd and exports once what they wait for is killed)."""
    killed = 0
    for round_ in range(20):
        children = _proc_children()
        own = set(children.get(session.shell_pid, []))
        if term_shell_children and round_ == 0:
            for pid in own - spare:
                try:
                    os.kill(pid, signal.SIGTERM)
                except (ProcessLookupError, PermissionError):
                    pass
        victims: set[int] = set()
        stack = list(own)
        while stack:  # descendants of the session shell
            pid = stack.pop()
            if pid not in spare:
                victims.add(pid)
            stack.extend(children.get(pid, []))
        victims |= {pid for kids in children.values() for pid in kids
                    if pid != session.shell_pid and _has_marker(pid, marker)}
        if term_shell_children:
            victims -= own
        if not keep_shell:
            victims.add(session.shell_pid)
        victims.discard(os.getpid())
        if not victims:
            break
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        if not keep_shell:
            break
    return killed


def _started_before(session: ShellSession) -> set[int]:
    """The pids alive when the command began: earlier background jobs are not its own."""
    return {int(p) for p in session.command_start[1] if p.isdigit()}


def local_killer(session: ShellSession) -> int:
    """Kill the session shell's descendants and every process carrying the command's marker;
    the command's own shell gets SIGTERM."""
    return _kill_rounds(session, f"ULTRARUN_CMD={session.current_token}".encode(),
                        _started_before(session), keep_shell=True, term_shell_children=True)


def local_child_killer(session: ShellSession) -> None:
    """SIGKILL the command's shell (it ignored SIGTERM)."""
    for pid in _proc_children().get(session.shell_pid, []):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def local_all_killer(session: ShellSession, hard: bool) -> int:
    """Kill the session shell's descendants and every process carrying the session's marker
    (background jobs of earlier commands too); the shell itself only when ``hard``."""
    return _kill_rounds(session, f"ULTRARUN_SESSION={session.session_id}".encode(), set(),
                        keep_shell=not hard)


class LocalSandbox(WorkspaceFiles):
    """Same protocol as DockerSandbox, run on the host (``--sandbox local``)."""

    backend = "local"
    isolated = False

    def __init__(self, *, workspace: Path, outputs_dir: Path | None = None,
                 env: dict[str, str] | None = None, head_bytes: int = 32_768,
                 tail_bytes: int = 32_768, disk: str | int | None = DEFAULT_DISK,
                 disk_poll_s: float = 0.1, **_ignored: object) -> None:
        self.workspace = Path(workspace).resolve()
        self.disk_limit = parse_size(disk) if disk is not None else None
        self.disk_poll_s = disk_poll_s
        self.workdir = str(self.workspace)
        self.outputs_dir = Path(outputs_dir or tempfile.mkdtemp(prefix="ultrarun-out-"))
        self.env = env or {}
        self._state = Path(tempfile.mkdtemp(prefix="ultrarun-local-"))
        self._session: ShellSession | None = None
        self._head, self._tail = head_bytes, tail_bytes
        self.run_id = uuid.uuid4().hex[:12]

    def __enter__(self) -> LocalSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self.workspace.mkdir(parents=True, exist_ok=True)
        self._open_files()
        self._session = ShellSession(self._open_channel, state_dir=str(self._state),
                                     spill_dir=self.outputs_dir, killer=local_killer,
                                     all_killer=local_all_killer,
                                     child_killer=local_child_killer,
                                     head_bytes=self._head, tail_bytes=self._tail)
        self._session.start()
        if self.disk_limit:
            self._start_disk(self.disk_limit, self._kill_all, poll_s=self.disk_poll_s)

    def _kill_all(self, hard: bool) -> None:
        if self._session is not None:
            self._session.kill_all(hard)

    def _open_channel(self, env: dict[str, str]) -> LocalChannel:
        # A minimal environment: the harness's own variables (API keys!) never reach commands.
        base = {k: os.environ[k] for k in ("PATH", "LANG", "TERM", "USER", "LOGNAME")
                if k in os.environ}
        # The driver sets RLIMIT_FSIZE (`ulimit -f`, KiB) before anything runs: no file may
        # grow past the disk limit.
        fsize = {"__UR_FSIZE_KB": str(self.disk_limit // 1024)} if self.disk_limit else {}
        return LocalChannel({**base, "HOME": str(self._state), **self.env, **env, **fsize},
                            self.workspace)

    def mapped_files(self) -> MappedFiles:
        """The inodes the session's processes (its shell's descendants, and whatever carries
        its marker) map shared and writable."""
        if self._session is None:
            return MappedFiles()
        children = _proc_children()
        marker = f"ULTRARUN_SESSION={self._session.session_id}".encode()
        pids, stack = set(), [self._session.shell_pid]
        while stack:
            pid = stack.pop()
            pids.add(pid)
            stack.extend(children.get(pid, []))
        pids |= {pid for kids in children.values() for pid in kids if _has_marker(pid, marker)}
        pids.discard(os.getpid())
        return shared_writable(sorted(pids))

    def alive(self) -> bool:
        return self._session is not None

    def close(self) -> None:
        self._stop_disk()
        if self._session is not None:
            self._session.close()
            # The driver keeps the command state on /dev/shm when there is one.
            Path(f"/dev/shm/.ultrarun-state-{self._session.session_id}").unlink(missing_ok=True)
            self._session = None
        self._close_files()
        shutil.rmtree(self._state, ignore_errors=True)

    def exec(self, command: str, timeout: float = 60, cwd: str | None = None,
             env: dict[str, str] | None = None) -> ExecResult:
        if self._session is None:
            raise SandboxError("the sandbox is not started (use it as a context manager)")
        if self.disk is not None:
            self.disk.wait_for_kills()
        return self._with_disk_notes(self._session.run(wrap_command(command, cwd, env), timeout))


class LocalGraderBox:
    """Runs a grader command on the host (``--sandbox local``): NOT isolated.

    ``/workspace`` and ``/grader`` in the command are replaced by the host folders.
    """

    def __init__(self, grading: GradingSpec) -> None:
        self.spec = grading
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self._aborted = False

    def run(self, workspace: Path, env: dict[str, str] | None = None) -> GraderOutput:
        with grader_files_dir() as tmp:
            tree = self.spec.files
            files = tree.assemble(Path(tmp) / "grader") if tree is not None and tree.layers \
                else tree.base if tree is not None else None
            return self._run(workspace, files, env)

    def _run(self, workspace: Path, files: Path | None,
             env: dict[str, str] | None) -> GraderOutput:
        cmd = self.spec.command.replace("/workspace", str(workspace))
        if files is not None:
            cmd = cmd.replace("/grader", str(files))
        env = {**{k: os.environ[k] for k in ("PATH", "LANG", "HOME") if k in os.environ},
               **(env or {})}
        # Its own process group, so an abort (Ctrl-C) or a timeout kills all it started.
        proc = subprocess.Popen(["bash", "-c", cmd], cwd=workspace, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace", env=env,
                                start_new_session=True)
        with self._lock:
            if self._aborted:
                _kill_group(proc)
            self._running.add(proc)
        try:
            out, _err = proc.communicate(timeout=self.spec.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            proc.communicate()
            return GraderOutput(error=f"the grader ran past its timeout of "
                                      f"{self.spec.timeout:g} s")
        except BaseException:  # Ctrl-C: its own session spares it the terminal's SIGINT
            _kill_group(proc)
            proc.wait()
            raise
        finally:
            with self._lock:
                self._running.discard(proc)
        if self._aborted:
            return GraderOutput(error="the grading was stopped (the run is being interrupted)")
        return GraderOutput(stdout=out)

    def abort(self) -> None:
        """Kill a grading in progress (its whole process group), refuse new ones."""
        with self._lock:
            self._aborted = True
            running = list(self._running)
        for proc in running:
            _kill_group(proc)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
