"""One persistent shell session over a byte channel, shared by every sandbox backend.

A small bash driver (``drivers.py``) reads one command per line (as a bash ``$'...'`` string,
so any bytes survive) and runs it in a child shell that starts from the cwd, exports,
functions and aliases the previous command left, with stdin on ``/dev/null``. The harness reads
the output as it streams, feeds it to a capped ``OutputCapture`` from the driver's
``BEGIN`` line to its ``DONE`` line, whose end value was sent after the command and which the
command cannot read: a command that prints a look-alike line only adds to its output. The
``BEGIN`` line carries the clock (the kernel's uptime as the harness read it when it sent the
command: a sealed container's /proc/uptime is a static view) and the pids alive as the command
starts: on timeout a killer removes every process that appeared since (the command's whole
tree, daemons included) and nothing else.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sandboxes.base import ExecResult, SandboxDied
from sandboxes.capture import OutputCapture, decode
from sandboxes.drivers import CONTROL_DRIVER, SENTINEL, SESSION_DRIVER

__all__ = [
    "DRIVER_LAUNCH",
    "SENTINEL",
    "Channel",
    "ChannelFactory",
    "ShellSession",
    "bash_quote",
    "control_all_killer",
    "control_child_killer",
    "control_killer",
    "wrap_command",
]


class Channel(Protocol):
    """A byte pipe to a process running a driver script (a docker exec, or a local bash)."""

    def send(self, data: bytes) -> None: ...

    def recv(self, timeout: float) -> bytes | None:
        """Next bytes; ``b""`` at end of stream; None when nothing arrived within ``timeout``."""
        ...

    def close(self) -> None: ...


# A factory starts ``bash -c DRIVER_LAUNCH`` with the driver script in ``__UR_DRIVER`` (so `ps`
# inside the sandbox shows a short command line) plus the given environment.
ChannelFactory = Callable[[dict[str, str]], Channel]
DRIVER_LAUNCH = ["bash", "--noprofile", "--norc", "-c", 'eval "$__UR_DRIVER"']
Killer = Callable[["ShellSession"], int]
AllKiller = Callable[["ShellSession", bool], int]
ChildKiller = Callable[["ShellSession"], None]
Status = tuple[int, int] | str | None


def uptime() -> str:
    """The kernel's uptime, as /proc/uptime's first field (the host's: a sealed sandbox's own
    /proc/uptime is a static view). Sent with every command: a timeout kills what started
    after it (process start times count from boot)."""
    with open("/proc/uptime", "rb") as f:
        return f.read().split()[0].decode()


def bash_quote(data: str | bytes) -> str:
    """Quote bytes as a bash ``$'...'`` string with no raw newline or non-ASCII byte."""
    raw = data.encode() if isinstance(data, str) else data
    out = []
    for b in raw:
        if 32 <= b < 127 and b not in (39, 92):  # printable, but not ' or backslash
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "$'" + "".join(out) + "'"


def wrap_command(command: str, cwd: str | None, env: dict[str, str] | None) -> str:
    """Run in a subshell when a cwd or env is given, so the session's own state is untouched."""
    if cwd is None and not env:
        return command
    parts = []
    if cwd is not None:
        parts.append(f"cd -- {bash_quote(cwd)}")
    parts += [f"export {k}={bash_quote(v)}" for k, v in (env or {}).items()]
    parts.append(f"eval {bash_quote(command)}")
    return "( " + " && ".join(parts) + " )"


class ShellSession:
    """A persistent shell plus a control shell, driven over channels from a ChannelFactory."""

    def __init__(self, open_channel: ChannelFactory, *, state_dir: str, spill_dir: Path,
                 killer: Killer | None = None, all_killer: AllKiller | None = None,
                 child_killer: ChildKiller | None = None, oom_check: bool = False,
                 head_bytes: int = 32_768, tail_bytes: int = 32_768,
                 kill_grace_s: float = 3.0) -> None:
        self._open = open_channel
        self.state_dir = state_dir
        self.spill_dir = spill_dir
        self.head_bytes = head_bytes
        self.tail_bytes = tail_bytes
        self.kill_grace_s = kill_grace_s
        self._oom_check = oom_check
        self._killer = killer or control_killer
        self._all_killer = all_killer or control_all_killer
        self._child_killer = child_killer or control_child_killer
        self._control_lock = threading.Lock()
        self._id = secrets.token_hex(6)
        self.session_id = self._id
        # The clock (/proc/uptime) and the pids alive as the current command started, from
        # the driver's begin line: what a timeout kills is everything newer.
        self.command_start: tuple[str, list[str]] = ("0", [])
        self.shell: Channel | None = None
        self.shell_pid = 0
        self.control_pid = 0
        # The driver cannot be read by the agent's user (a non-dumpable process): what makes
        # its end signal unforgeable even by a command that looks for it. Local shells are not.
        self.guarded = False
        self.control: Channel | None = None
        self._carry = b""
        self._begin = b""  # the current command's begin line, until it is seen
        self._oom_count: int | None = None
        self.current_token = ""

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the session shell (and the control shell, once)."""
        env = {"__UR_OOM": "1" if self._oom_check else "0",
               "__UR_STATE_DIR": self.state_dir, "ULTRARUN_SESSION": self._id}
        if self.control is None and self._killer is control_killer:
            self.control, self.control_pid = self._handshake(
                self._open({**env, "__UR_DRIVER": CONTROL_DRIVER}))
        self.shell, self.shell_pid = self._handshake(
            self._open({**env, "__UR_DRIVER": SESSION_DRIVER}))
        self._carry = b""

    def _handshake(self, ch: Channel, timeout: float = 30) -> tuple[Channel, int]:
        ch.send(f"{uptime()}\n".encode())  # the control shell's base time
        buf = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in buf.partition(SENTINEL + b"READY ")[2]:
            data = ch.recv(max(0.0, deadline - time.monotonic()))
            if not data:
                ch.close()
                raise SandboxDied(f"the shell did not start: {decode(buf)[-300:]!r}")
            buf += data
        fields = buf.partition(SENTINEL + b"READY ")[2].split(b"\n")[0].split()
        if len(fields) > 1:  # the session shell reports the OOM-kill count as a baseline
            self._oom_count = int(fields[1])
            self.guarded = len(fields) > 2 and fields[2] == b"1"
        return ch, int(fields[0])

    def close(self) -> None:
        for ch in (self.shell, self.control):
            if ch is not None:
                ch.close()
        self.shell = self.control = None

    # -- commands --------------------------------------------------------------------------
    def run(self, command: str, timeout: float) -> ExecResult:
        """Run one command; kill its process tree if it passes ``timeout`` seconds."""
        if self.shell is None:
            self.start()
        assert self.shell is not None
        token, end = secrets.token_hex(8), secrets.token_hex(16)
        self.current_token = token
        capture = OutputCapture(self.spill_dir, head_bytes=self.head_bytes,
                                tail_bytes=self.tail_bytes)
        t0 = time.monotonic()
        # The end value goes on its own line, which the driver reads only once the command's
        # shell has exited.
        self.shell.send(f"{token} {uptime()} {bash_quote(command)}\n{end}\n".encode())
        begin = SENTINEL + b"BEGIN " + token.encode() + b" "
        done = SENTINEL + b"DONE " + end.encode() + b" "
        self._begin = begin
        status = self._read_until(done, capture, t0 + timeout)
        timed_out = status is None
        note = None
        restarted = False
        if timed_out:
            killed = self._killer(self)
            note = (f"timed out after {timeout:g} s; killed {killed} process(es) started by "
                    "the command")
            status = self._read_until(done, capture, time.monotonic() + self.kill_grace_s)
            if status is None:  # the command's shell ignored SIGTERM: end it for good
                self._child_killer(self)
                status = self._read_until(done, capture,
                                          time.monotonic() + self.kill_grace_s)
                if status is not None:
                    note += "; its shell ignored SIGTERM and was killed (cwd and exports " \
                            "of this command lost)"
            if status is None:  # the driver itself is gone or stuck: replace it
                self._replace_shell()
                restarted = True
                note += "; the shell was replaced"
        elif status == "eof":
            self._replace_shell()
            restarted = True
            note = "the shell was killed during the command; a fresh shell was started"
        shown, spill = capture.finish()
        exit_code, oom = 124 if timed_out else -1, False
        if isinstance(status, tuple):
            exit_code = 124 if timed_out else status[0]
            oom = self._oom_count is not None and status[1] > self._oom_count
            self._oom_count = status[1]
        if oom:
            note = ((note + "; ") if note else "") + \
                "a process was killed for running out of memory (the sandbox memory limit)"
        return ExecResult(exit_code=exit_code, output=decode(shown), timed_out=timed_out,
                          truncated=capture.truncated, duration_s=time.monotonic() - t0,
                          output_ref=str(spill) if spill else None, output_bytes=capture.total,
                          oom_killed=oom, session_restarted=restarted, note=note)

    def _read_until(self, done: bytes, capture: OutputCapture, deadline: float) -> Status:
        """Feed the command's output to ``capture`` until the driver's end line: (exit code,
        oom count), "eof" (the shell vanished without a word), or None (deadline passed).
        Bytes before the command's begin line (``self._begin`` until it is seen) are late
        output of earlier commands' background jobs: dropped."""
        assert self.shell is not None
        pending, self._carry = self._carry, b""
        begin = self._begin
        while True:
            if begin:
                idx = pending.find(begin)
                end = pending.find(b"\n", idx) if idx >= 0 else -1
                if end >= 0:
                    up, _, pids = pending[idx + len(begin):end].decode().partition(" ")
                    self.command_start = (up, pids.split())
                    pending = pending[end + 1:]
                    begin = self._begin = b""
                elif idx >= 0:
                    pending = pending[idx:]  # the rest of the line is on its way
                else:
                    pending = pending[-len(begin):]  # a marker split across reads
            if not begin:
                idx = pending.find(done)
                if idx >= 0:
                    end = pending.find(b"\n", idx)
                    if end >= 0:
                        body = pending[:idx]
                        # The driver prints a newline before the end line (so it starts a
                        # line); it is not the command's output.
                        capture.feed(body[:-1] if body.endswith(b"\n") else body)
                        fields = pending[idx + len(done):end].split()
                        self._carry = pending[end + 1:]
                        return int(fields[0]), int(fields[1]) if len(fields) > 1 else 0
                else:
                    # Keep enough bytes back that an end line split across reads is found.
                    keep = len(done) + 1
                    if len(pending) > keep:
                        capture.feed(pending[:-keep])
                        pending = pending[-keep:]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._carry = pending if begin else b""
                if not begin:
                    capture.feed(pending)
                return None
            data = self.shell.recv(remaining)
            if data is None:
                continue
            if data == b"":
                if not begin:
                    capture.feed(pending)
                return "eof"
            pending += data

    def _replace_shell(self) -> None:
        if self.shell is not None:
            if self.control is not None and self.shell_pid:
                self.control_request(f"killpid {self.shell_pid}")
            self.shell.close()
            self.shell = None
        self.start()

    def control_request(self, line: str, timeout: float = 30) -> bytes:
        """Send one line to the control shell; return its one-line answer (thread-safe: the
        disk watcher kills from its own thread)."""
        with self._control_lock:
            if self.control is None:
                raise SandboxDied("the control shell is gone")
            self.control.send(line.encode() + b"\n")
            buf = b""
            deadline = time.monotonic() + timeout
            while b"\n" not in buf:
                data = self.control.recv(max(0.0, deadline - time.monotonic()))
                if not data:
                    raise SandboxDied("the control shell stopped answering")
                buf += data
            return buf.split(b"\n")[0]

    def kill_all(self, hard: bool = False) -> int:
        """Kill every process the agent started (background jobs of earlier commands too),
        sparing the session shell unless ``hard``."""
        return self._all_killer(self, hard)


def _count(answer: bytes) -> int:
    try:
        return int(answer.rsplit(b" ", 1)[1])
    except (IndexError, ValueError):
        return 0


def control_all_killer(session: ShellSession, hard: bool) -> int:
    """Kill everything that was not running when the control shell started."""
    spare = "-" if hard else str(session.shell_pid)
    return _count(session.control_request(f"killall {spare}"))


def control_killer(session: ShellSession) -> int:
    """Kill every process started since the current command began, via the control shell;
    the command's own shell gets SIGTERM (its trap saves cwd and exports, then it exits)."""
    up, pids = session.command_start
    pid = session.shell_pid
    return _count(session.control_request(f"kill {up} {pid} {pid} {' '.join(pids)}"))


def control_child_killer(session: ShellSession) -> None:
    """SIGKILL the command's shell (it ignored SIGTERM)."""
    session.control_request(f"killkids {session.shell_pid}")
