"""Sealing the agent's container from an evaluation: host-wide counters it may not read, and
a freezer that stops every process in it while candidate code runs on hidden inputs.

Two halves (docs/security.md, "Sealed evaluation"):

* **Counters.** ``/proc`` and ``/sys`` show host-wide figures (memory, load, CPU and disk
  counters, pressure, dentries...) that a grading moves. Cumulative ones would tell, after a
  freeze, what happened during it. The agent's container gets static per-container views of
  the four files tools need (``meminfo``, ``stat``, ``uptime``, ``loadavg``: ``free``, ``ps``
  and ``top`` keep working) and every other such path masked (empty), on top of Docker's own
  masked paths.
* **Freezing.** ``DockerFreezer`` pauses the container (the cgroup freezer) and unpauses it.
  A guard process in its own session unpauses it if the harness dies while it is frozen,
  so a crash never leaves a container frozen for good (its own watchdog then sees the
  harness gone and the container ends as usual).
"""

from __future__ import annotations

import glob
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Protocol

# Docker's default masked paths (HostConfig.MaskedPaths replaces them, so they are repeated).
DOCKER_MASKED = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
                 "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                 "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
                 "/sys/devices/virtual/powercap"]

# Host-wide counters, cumulative or slow to settle, that a grading moves: masked (empty).
COUNTER_PATHS = [
    # memory, paging, slabs
    "/proc/vmstat", "/proc/zoneinfo", "/proc/buddyinfo", "/proc/pagetypeinfo", "/proc/swaps",
    "/proc/slabinfo", "/proc/vmallocinfo", "/sys/devices/system/node", "/sys/kernel/mm",
    # CPU, scheduler, interrupts, pressure (cumulative stall times)
    "/proc/interrupts", "/proc/softirqs", "/proc/schedstat", "/proc/pressure",
    # disks and filesystems (I/O counters, lifetime writes)
    "/proc/diskstats", "/sys/block", "/sys/class/block", "/sys/devices/virtual/block",
    "/sys/fs/ext4", "/sys/fs/btrfs", "/sys/fs/xfs",
    # kernel object counts: dentries, inodes, open files, locks, ptys, cgroups
    "/proc/sys/fs/dentry-state", "/proc/sys/fs/inode-nr", "/proc/sys/fs/inode-state",
    "/proc/sys/fs/file-nr", "/proc/sys/fs/aio-nr", "/proc/sys/kernel/pty/nr",
    "/proc/locks", "/proc/cgroups", "/proc/key-users",
]

# Files tools read at start-up (`free`, `ps aux`, `top`, `uptime`): a static view each.
STATIC_VIEWS = ("meminfo", "stat", "uptime", "loadavg")


def block_device_dirs() -> list[str]:
    """The sysfs folders of this host's block devices (their `stat` files count I/O)."""
    return sorted({os.path.realpath(p) for p in glob.glob("/sys/block/*")})


def masked_paths() -> list[str]:
    """HostConfig.MaskedPaths for a sealed agent container."""
    return [*DOCKER_MASKED, *COUNTER_PATHS, *block_device_dirs()]


def static_views(memory_bytes: int) -> dict[str, str]:
    """Per-container contents for the files in ``STATIC_VIEWS``: the container's memory limit
    as the total and nothing used, no CPU time, no load. They never change."""
    kb = memory_bytes // 1024
    mem = {"MemTotal": kb, "MemFree": kb, "MemAvailable": kb, "Buffers": 0, "Cached": 0,
           "SwapCached": 0, "Active": 0, "Inactive": 0, "SwapTotal": 0, "SwapFree": 0,
           "Dirty": 0, "Writeback": 0, "AnonPages": 0, "Mapped": 0, "Shmem": 0,
           "Slab": 0, "SReclaimable": 0, "SUnreclaim": 0}
    cpus = os.cpu_count() or 1
    zero = " ".join(["0"] * 10)
    stat = [f"cpu  {zero}", *(f"cpu{i} {zero}" for i in range(cpus)), "intr 0", "ctxt 0",
            f"btime {_boot_time()}", "processes 0", "procs_running 1", "procs_blocked 0",
            "softirq " + " ".join(["0"] * 11)]
    return {"meminfo": "".join(f"{k + ':':<16}{v:>8} kB\n" for k, v in mem.items()),
            "stat": "\n".join(stat) + "\n", "uptime": "0.00 0.00\n",
            "loadavg": "0.00 0.00 0.00 1/1 1\n"}


def _boot_time() -> int:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def static_view_dir(memory_bytes: int) -> Path:
    """A folder holding ``static_views``' files (shared by sandboxes with the same content;
    made by this user, 0700; the files are read through bind mounts)."""
    views = static_views(memory_bytes)
    digest = hashlib.sha256(repr(sorted(views.items())).encode()).hexdigest()[:16]
    root = Path(tempfile.gettempdir()) / f"ultrarun-procviews-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    st = root.lstat()
    if not root.is_dir() or root.is_symlink() or st.st_uid != os.getuid():
        raise OSError(f"{root} is not a folder of this user's")
    folder = root / digest
    if not folder.is_dir():
        tmp = Path(tempfile.mkdtemp(dir=root))
        for name, text in views.items():
            (tmp / name).write_text(text)
            (tmp / name).chmod(0o444)
        tmp.chmod(0o755)
        try:
            tmp.rename(folder)
        except OSError:  # another process made it first: the same content
            for f in tmp.iterdir():
                f.unlink()
            tmp.rmdir()
    return folder


class Freezer(Protocol):
    """Stops and resumes every process of an agent's sandbox."""

    def freeze(self) -> None: ...

    def thaw(self) -> None: ...


class DockerFreezer:
    """``docker pause``/``unpause`` of one container, with a guard that unpauses it if the
    harness dies while it is frozen (the guard runs in a session of its own, so a kill of
    the harness's process group does not take it down)."""

    def __init__(self, client: Any, container_id: str) -> None:
        self.client = client
        self.container_id = container_id
        self.frozen = False
        self._guard: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def _ensure_guard(self) -> subprocess.Popen[bytes]:
        if self._guard is None or self._guard.poll() is not None:
            self._guard = subprocess.Popen(
                [sys.executable, "-m", "sandboxes.thaw_guard", self.container_id],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True, close_fds=True)
        return self._guard

    def _tell(self, word: bytes) -> None:
        guard = self._ensure_guard()
        assert guard.stdin is not None
        try:
            guard.stdin.write(word + b"\n")
            guard.stdin.flush()
        except OSError:
            self._guard = None

    def freeze(self, attempts: int = 12) -> None:
        """Pause the container. The cgroup freezer can fail to settle on a busy machine
        (runc: "unable to freeze"; it thaws again): tried again, ~1 minute in all."""
        from docker.errors import APIError

        with self._lock:
            if self.frozen:
                return
            self._tell(b"frozen")  # before the pause: a crash in between still thaws
            for i in range(attempts):
                try:
                    self.client.api.pause(self.container_id)
                    break
                except APIError as e:
                    if "freeze" not in str(e).lower() or i == attempts - 1:
                        self._tell(b"thawed")
                        raise
                    time.sleep(min(0.5 * (i + 1), 8.0))
            self.frozen = True

    def thaw(self) -> None:
        with self._lock:
            if not self.frozen:
                return
            _unpause(self.client.api, self.container_id)
            self.frozen = False
            self._tell(b"thawed")

    def close(self) -> None:
        """Thaw if frozen, then end the guard (the container is about to go)."""
        try:
            self.thaw()
        except Exception:
            pass
        guard, self._guard = self._guard, None
        if guard is not None:
            try:
                if guard.stdin is not None:
                    guard.stdin.write(b"exit\n")
                    guard.stdin.close()
            except OSError:
                pass
            try:
                guard.wait(timeout=5)
            except subprocess.TimeoutExpired:
                guard.kill()
                guard.wait()


def _unpause(api: Any, container_id: str, attempts: int = 5) -> None:
    """Unpause; a container that is gone or not paused is fine (nothing left frozen)."""
    from docker.errors import APIError, NotFound

    for i in range(attempts):
        try:
            api.unpause(container_id)
            return
        except NotFound:
            return
        except APIError as e:
            if "not paused" in str(e).lower() or "is not running" in str(e).lower():
                return
            if i == attempts - 1:
                raise
            time.sleep(0.2 * (i + 1))
