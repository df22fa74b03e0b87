"""One persistent shell session over a byte channel, shared by every sandbox backend.

A small bash driver reads one command per line (as a bash ``$'...'`` string, so any bytes
survive), ``eval``s it in the session shell (so ``cd`` and ``export`` persist) with stdin on
``/dev/null``, and prints a sentinel line with the exit code. The harness reads the output as it
streams, feeds it to a capped ``OutputCapture``, and stops at the sentinel. Before each command
the driver records the clock (the kernel's uptime as the harness read it when it sent the
command: a sealed container's /proc/uptime is a static view) and the pids alive in a start
file: on timeout a killer removes every process that appeared since (the command's whole tree,
daemons included) and nothing else.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from sandboxes.base import ExecResult, SandboxDied
from sandboxes.capture import OutputCapture, decode

SENTINEL = b"\x1eUR_"

# The session shell. Its own stderr joins stdout so the agent sees one interleaved stream.
# It waits for a first line before printing READY: nothing must arrive before the harness
# starts reading (the docker SDK may otherwise swallow early bytes with the HTTP headers).
SESSION_DRIVER = r"""
unset __UR_DRIVER
exec 2>&1
[[ -n $__UR_FSIZE_KB ]] && ulimit -f "$__UR_FSIZE_KB"
unset __UR_FSIZE_KB
IFS= read -r __ur_hello
__ur_oomc=0
__ur_oom() {
  [[ $__UR_OOM == 1 ]] || return 0
  local __ur_f __ur_k __ur_v
  for __ur_f in /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control; do
    if [[ -r $__ur_f ]]; then
      while read -r __ur_k __ur_v; do [[ $__ur_k == oom_kill ]] && __ur_oomc=$__ur_v; done \
        < "$__ur_f"
      return 0
    fi
  done
}
__ur_oom
# A command that exits the shell still reports its exit code, marked so the harness restarts.
trap 'printf "\n\036UR_DONE %s %s %s exit\n" "$__ur_tok" "$?" "$__ur_oomc"' EXIT
printf '\036UR_READY %s %s\n' "$$" "$__ur_oomc"
while IFS= read -r __ur_line; do
  __ur_tok=${__ur_line%% *}
  __ur_line=${__ur_line#* }
  __ur_up=${__ur_line%% *}
  eval "__ur_cmd=${__ur_line#* }"
  __ur_pids=(/proc/[0-9]*)
  printf '%s %s\n' "$__ur_up" "${__ur_pids[*]}" > "$__UR_STARTFILE"
  export ULTRARUN_CMD=$__ur_tok
  eval "$__ur_cmd" < /dev/null
  __ur_ec=$?
  unset ULTRARUN_CMD
  __ur_oom
  printf '\n\036UR_DONE %s %s %s\n' "$__ur_tok" "$__ur_ec" "$__ur_oomc"
done
"""

# The control shell: started once, idle on `read`, and able to kill without forking (bash
# builtins only), so it still works when a fork bomb has used up the pids limit. It freezes
# every process that appeared since the command began (SIGSTOP, so none can fork again), then
# kills them.
CONTROL_DRIVER = r"""
unset __UR_DRIVER
exec 2>&1
IFS= read -r __ur_hello
# What ran before the agent could start anything: `kill BASE` removes all the rest.
__ur_pids=(/proc/[0-9]*)
printf '%s %s\n' "$__ur_hello" "${__ur_pids[*]}" > "$__UR_STARTFILE.base"
printf '\036UR_READY %s\n' "$$"
declare -A __ur_pre
__ur_scan() {  # $1 = signal, $2 = start ticks, $3 = a pid to spare; sets __ur_hits
  local d p st fields
  __ur_hits=0
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [[ $p == "$$" || $p == "$3" ]] && continue
    { read -r st < "$d/stat"; } 2>/dev/null || continue
    st=${st##*) }
    read -ra fields <<< "$st"
    [[ ${fields[0]} == Z ]] && continue
    [[ $1 == STOP && ${fields[0]} == T ]] && continue
    # New since the command began: absent from its snapshot, or a reused pid (started later).
    if [[ -z ${__ur_pre[$p]} ]] || (( 10#${fields[19]} > $2 + 1 )); then
      kill -s "$1" "$p" 2>/dev/null && __ur_hits=$((__ur_hits + 1))
    fi
  done
}
while IFS= read -r __ur_line; do
  read -ra __ur_args <<< "$__ur_line"
  case ${__ur_args[0]} in
    kill)
      if ! { read -r __ur_start __ur_rest < "${__ur_args[1]}"; } 2>/dev/null; then
        printf '\036UR_KILLED 0\n'; continue
      fi
      __ur_ticks=$((10#${__ur_start/./}))
      __ur_pre=()
      for __ur_p in $__ur_rest; do __ur_pre[${__ur_p#/proc/}]=1; done
      __ur_total=0
      for __ur_i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        __ur_scan STOP "$__ur_ticks" "${__ur_args[2]}"; (( __ur_hits == 0 )) && break
      done
      for __ur_i in 1 2 3 4 5 6 7 8 9 10; do
        __ur_scan KILL "$__ur_ticks" "${__ur_args[2]}"; (( __ur_i == 1 )) && __ur_total=$__ur_hits
        (( __ur_hits == 0 )) && break
      done
      printf '\036UR_KILLED %s\n' "$__ur_total" ;;
    killpid)
      kill -9 "${__ur_args[1]}" 2>/dev/null; printf '\036UR_KILLED 1\n' ;;
    *) printf '\036UR_PONG\n' ;;
  esac
done
"""


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


def uptime() -> str:
    """The kernel's uptime, as /proc/uptime's first field (the host's: a sealed sandbox's own
    /proc/uptime is a static view). Sent with every command: the driver writes it to the start
    file, and a timeout kills what started after it (process start times count from boot)."""
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
                 oom_check: bool = False,
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
        self._control_lock = threading.Lock()
        self._id = uuid.uuid4().hex[:12]
        self.session_id = self._id
        self.start_file = f"{state_dir}/.ultrarun-start-{self._id}"
        self.shell: Channel | None = None
        self.shell_pid = 0
        self.control: Channel | None = None
        self._carry = b""
        self._oom_count: int | None = None
        self.current_token = ""

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the session shell (and the control shell, once)."""
        env = {"__UR_STARTFILE": self.start_file, "__UR_OOM": "1" if self._oom_check else "0",
               "ULTRARUN_SESSION": self._id}
        if self.control is None and self._killer is control_killer:
            self.control, _ = self._handshake(self._open({**env, "__UR_DRIVER": CONTROL_DRIVER}))
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
        token = uuid.uuid4().hex[:16]
        self.current_token = token
        capture = OutputCapture(self.spill_dir, head_bytes=self.head_bytes,
                                tail_bytes=self.tail_bytes)
        t0 = time.monotonic()
        self.shell.send(f"{token} {uptime()} {bash_quote(command)}\n".encode())
        done = SENTINEL + b"DONE " + token.encode() + b" "
        status = self._read_until(done, capture, t0 + timeout)
        timed_out = status is None
        note = None
        restarted = False
        if timed_out:
            killed = self._killer(self)
            note = (f"timed out after {timeout:g} s; killed {killed} process(es) started by "
                    "the command")
            status = self._read_until(done, capture, time.monotonic() + self.kill_grace_s)
            if status is None:  # the shell itself is stuck (a builtin loop): replace it
                self._replace_shell()
                restarted = True
                note += "; the shell itself was stuck and was replaced (cwd and exports reset)"
            else:
                self._absorb_job_notices()
        elif status == "eof":
            self._replace_shell()
            restarted = True
            note = "the shell exited during the command; a fresh shell was started " \
                   "(cwd and exports reset)"
        shown, spill = capture.finish()
        exit_code, oom = 124 if timed_out else -1, False
        if isinstance(status, tuple):
            exit_code = 124 if timed_out else status[0]
            oom = self._oom_count is not None and status[1] > self._oom_count
            self._oom_count = status[1]
            if status[2] and not restarted:  # the command exited the shell itself
                self._replace_shell()
                restarted = True
                note = ((note + "; ") if note else "") + "the command exited the shell; a " \
                    "fresh shell was started (cwd and exports reset)"
        if oom:
            note = ((note + "; ") if note else "") + \
                "a process was killed for running out of memory (the sandbox memory limit)"
        return ExecResult(exit_code=exit_code, output=decode(shown), timed_out=timed_out,
                          truncated=capture.truncated, duration_s=time.monotonic() - t0,
                          output_ref=str(spill) if spill else None, output_bytes=capture.total,
                          oom_killed=oom, session_restarted=restarted, note=note)

    def _absorb_job_notices(self) -> None:
        """Let the shell print its "Killed ..." notices for reaped jobs into a discarded no-op,
        so they do not show up in the next command's output."""
        assert self.shell is not None
        token = uuid.uuid4().hex[:16]
        self.shell.send(f"{token} {uptime()} {bash_quote(':')}\n".encode())
        sink = OutputCapture(None, head_bytes=4096, tail_bytes=4096)
        self._read_until(SENTINEL + b"DONE " + token.encode() + b" ", sink,
                         time.monotonic() + self.kill_grace_s)
        sink.finish()

    def _read_until(self, done: bytes, capture: OutputCapture,
                    deadline: float) -> tuple[int, int, bool] | str | None:
        """Feed output to ``capture`` until the sentinel: (exit code, oom count, shell exited),
        "eof" (the shell vanished without a word), or None (deadline passed)."""
        assert self.shell is not None
        pending, self._carry = self._carry, b""
        while True:
            idx = pending.find(done)
            if idx >= 0:
                end = pending.find(b"\n", idx)
                if end >= 0:
                    body = pending[:idx]
                    # The driver prints a newline before the sentinel (so it starts a line);
                    # it is not the command's output.
                    capture.feed(body[:-1] if body.endswith(b"\n") else body)
                    fields = pending[idx + len(done):end].split()
                    self._carry = pending[end + 1:]
                    return (int(fields[0]), int(fields[1]) if len(fields) > 1 else 0,
                            len(fields) > 2 and fields[2] == b"exit")
            else:
                # Keep enough bytes back that a sentinel split across reads is still found.
                keep = len(done) + 1
                if len(pending) > keep:
                    capture.feed(pending[:-keep])
                    pending = pending[-keep:]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                capture.feed(pending)
                return None
            data = self.shell.recv(remaining)
            if data is None:
                continue
            if data == b"":
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


def control_all_killer(session: ShellSession, hard: bool) -> int:
    """Kill everything that was not running when the control shell started."""
    spare = "" if hard else f" {session.shell_pid}"
    answer = session.control_request(f"kill {session.start_file}.base{spare}")
    try:
        return int(answer.rsplit(b" ", 1)[1])
    except (IndexError, ValueError):
        return 0


def control_killer(session: ShellSession) -> int:
    """Kill every process started since the current command began, via the control shell."""
    answer = session.control_request(f"kill {session.start_file}")
    try:
        return int(answer.rsplit(b" ", 1)[1])
    except (IndexError, ValueError):
        return 0
