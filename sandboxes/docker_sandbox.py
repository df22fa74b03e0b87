"""DockerSandbox: a hardened container with a bind-mounted workspace and a persistent shell.

Commands travel over one long-lived ``docker exec`` stream (no exec is created per command,
which is what makes a round trip cost about a millisecond). The container's main process reads
an attached stdin that closes when the harness dies, however it dies, so the container then
stops and Docker removes it; ``ultrarun sandbox reap`` catches anything left.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import docker
from docker.errors import APIError, DockerException, NotFound

from sandboxes.base import ExecResult, SandboxDied, SandboxError
from sandboxes.disk import DEFAULT_DISK, parse_size
from sandboxes.images import AGENT_UID
from sandboxes.sealing import STATIC_VIEWS, DockerFreezer, masked_paths, static_view_dir
from sandboxes.session import DRIVER_LAUNCH, ShellSession, wrap_command
from sandboxes.spec import BindMount
from sandboxes.workspace_files import WorkspaceFiles

WORKDIR = "/workspace"
LABEL_MANAGED = "ultrarun.managed"
LABEL_RUN = "ultrarun.run-id"
LABEL_PID = "ultrarun.pid"
LABEL_HOST = "ultrarun.host"
LABEL_ROLE = "ultrarun.role"

# The container's main process: exits when its stdin (attached by the harness) closes.
WATCHDOG_CMD = ["sh", "-c", "cat > /dev/null"]


class DockerExecChannel:
    """A raw, multiplexed ``docker exec`` stream: stdin in, framed stdout/stderr out."""

    def __init__(self, api: docker.APIClient, container_id: str, env: dict[str, str],
                 user: str) -> None:
        exec_id = api.exec_create(container_id, DRIVER_LAUNCH,
                                  stdin=True, stdout=True, stderr=True, tty=False,
                                  environment=env, workdir=WORKDIR, user=user)["Id"]
        raw: Any = api.exec_start(exec_id, socket=True)
        self._keep = raw  # holds the HTTP response alive
        self._sock: socket.socket = getattr(raw, "_sock", raw)
        self._sock.setblocking(True)
        self._frames = bytearray()
        # One reusable receive buffer: a fresh 1 MB bytes per recv fragments the C heap
        # under a flood (seen as 200+ MB RSS); recv_into keeps memory flat.
        self._buf = bytearray(256 * 1024)
        self._closed = False

    def send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as e:
            raise SandboxDied(f"the sandbox shell's connection broke: {e}") from e

    def _take_frame(self) -> bytes | None:
        # Docker multiplexing: 1 byte stream id, 3 zero bytes, 4 bytes big-endian length.
        while len(self._frames) >= 8:
            size = struct.unpack(">I", self._frames[4:8])[0]
            if len(self._frames) < 8 + size:
                return None
            payload = bytes(self._frames[8:8 + size])
            del self._frames[:8 + size]
            if payload:
                return payload
        return None

    def recv(self, timeout: float) -> bytes | None:
        frame = self._take_frame()
        if frame is not None:
            return frame
        deadline = time.monotonic() + timeout
        while True:
            if self._closed:
                return b""
            remaining = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self._sock], [], [], remaining)
            if not ready:
                return None
            try:
                n = self._sock.recv_into(self._buf)
            except OSError:
                n = 0
            if not n:
                self._closed = True
                return b""
            self._frames += memoryview(self._buf)[:n]
            frame = self._take_frame()
            if frame is not None:
                return frame

    def close(self) -> None:
        self._closed = True
        for op in (lambda: self._sock.shutdown(socket.SHUT_RDWR), self._sock.close,
                   getattr(self._keep, "close", lambda: None)):
            try:
                op()
            except OSError:
                pass


def layer_size(client: docker.DockerClient, container_id: str) -> int:
    """Bytes written to a container's own writable layer (outside its mounts); the daemon
    walks only that layer."""
    api = client.api
    try:
        info = api._result(api._get(api._url("/containers/{0}/json", container_id),
                                    params={"size": 1}), True)
    except DockerException:
        return 0
    return int(info.get("SizeRw") or 0)


def docker_data_paths(client: docker.DockerClient) -> list[str]:
    """Docker's data folder when it is on this host (container layers grow there)."""
    try:
        root = str(client.info().get("DockerRootDir") or "")
        os.statvfs(root)
    except (DockerException, OSError):
        return []
    return [root]


class DockerSandbox(WorkspaceFiles):
    """A container sandbox; use as a context manager (``open_sandbox("docker", ...)``)."""

    backend = "docker"

    def __init__(self, *, image: str, workspace: Path, cpus: float = 1, memory: str = "2g",
                 pids: int = 512, network: bool = False, run_id: str | None = None,
                 labels: dict[str, str] | None = None, outputs_dir: Path | None = None,
                 client: docker.DockerClient | None = None, env: dict[str, str] | None = None,
                 head_bytes: int = 32_768, tail_bytes: int = 32_768,
                 disk: str | int | None = DEFAULT_DISK, disk_poll_s: float = 0.1,
                 sealed: bool = True, mounts: list[BindMount] | None = None) -> None:
        self.image = image
        self.mounts = list(mounts or [])
        # Host-wide counters hidden and static views in their place (sandboxes/sealing.py);
        # `freezer` stops the container while candidate code runs on hidden inputs.
        self.sealed = sealed
        self.freezer: DockerFreezer | None = None
        self.workspace = Path(workspace).resolve()
        self.disk_limit = parse_size(disk) if disk is not None else None
        self.disk_poll_s = disk_poll_s
        self.workdir = WORKDIR
        self.cpus, self.memory, self.pids, self.network = cpus, memory, pids, network
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.labels = labels or {}
        self.env = env or {}
        self._own_outputs = outputs_dir is None
        self.outputs_dir = Path(outputs_dir or tempfile.mkdtemp(prefix="ultrarun-out-"))
        self.client = client or docker.from_env()
        self.container: Any = None
        self._watchdog: Any = None
        self._session: ShellSession | None = None
        self._head, self._tail = head_bytes, tail_bytes
        # Root on the host would make the container root: run as the image's `agent` user and
        # hand it the workspace. Otherwise run as the host user, so both sides own the files.
        uid = os.getuid()
        self._chown = uid == 0
        self.user = f"{AGENT_UID}:{AGENT_UID}" if uid == 0 else f"{uid}:{os.getgid()}"

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> DockerSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Create and start the container and its shell session."""
        self.workspace.mkdir(parents=True, exist_ok=True)
        files = self._open_files(owner=AGENT_UID if self._chown else None)
        if self._chown:
            files.chown_tree(AGENT_UID)
        # No file may grow past the disk limit (RLIMIT_FSIZE, in bytes, for every process of
        # the container, `docker exec`s included); the DiskGuard bounds the sum.
        ulimits = [docker.types.Ulimit(name="fsize", soft=self.disk_limit,
                                       hard=self.disk_limit)] if self.disk_limit else None
        labels = {LABEL_MANAGED: "true", LABEL_RUN: self.run_id, LABEL_PID: str(os.getpid()),
                  LABEL_HOST: socket.gethostname(), LABEL_ROLE: "agent", **self.labels}
        api = self.client.api
        try:
            mounts = [docker.types.Mount(WORKDIR, str(self.workspace), type="bind"),
                      *(docker.types.Mount(m.target, str(m.source), type="bind",
                                           read_only=m.read_only) for m in self.mounts)]
            if self.sealed:
                views = static_view_dir(parse_size(self.memory))
                mounts += [docker.types.Mount(f"/proc/{name}", str(views / name), type="bind",
                                              read_only=True) for name in STATIC_VIEWS]
            host_config = api.create_host_config(
                mounts=mounts, network_mode="bridge" if self.network else "none",
                cap_drop=["ALL"], security_opt=["no-new-privileges"],
                nano_cpus=int(self.cpus * 1e9), mem_limit=self.memory,
                memswap_limit=self.memory, pids_limit=self.pids, init=True, ulimits=ulimits,
                # The main process prints nothing, but a container log must never grow
                # the host's disk either.
                log_config=docker.types.LogConfig(type="json-file",
                                                  config={"max-size": "1m", "max-file": "1"}),
                auto_remove=True)
            if self.sealed:  # not a docker-py option: the Engine API field itself
                host_config["MaskedPaths"] = masked_paths()
            created = api.create_container(
                self.image, WATCHDOG_CMD, user=self.user, working_dir=WORKDIR, labels=labels,
                environment={"HOME": "/home/agent", "LANG": "C.UTF-8", **self.env},
                host_config=host_config, stdin_open=True, detach=False)  # StdinOnce
            self.container = self.client.containers.get(created["Id"])
            self._watchdog = self.client.api.attach_socket(
                self.container.id, params={"stdin": 1, "stream": 1})
            self.container.start()
            if self.sealed:
                self.freezer = DockerFreezer(self.client, self.container.id)
        except DockerException as e:
            self.close()
            raise SandboxError(f"could not start a container from image {self.image!r}: {e}. "
                               "Run `ultrarun sandbox doctor`.") from e
        self._session = ShellSession(self._open_channel, state_dir="/tmp",
                                     spill_dir=self.outputs_dir, oom_check=True,
                                     head_bytes=self._head, tail_bytes=self._tail)
        self._session.start()
        if self.disk_limit:
            self._start_disk(self.disk_limit, self._kill_all, extra=self._layer_size,
                             watch=self._docker_root(), poll_s=self.disk_poll_s)

    def _kill_all(self, hard: bool) -> None:
        if self._session is not None:
            self._session.kill_all(hard)

    def _layer_size(self) -> int:
        return layer_size(self.client, self.container.id) if self.container is not None else 0

    def _docker_root(self) -> list[str]:
        return docker_data_paths(self.client)

    def _open_channel(self, env: dict[str, str]) -> DockerExecChannel:
        try:
            return DockerExecChannel(self.client.api, self.container.id, {**self.env, **env},
                                     self.user)
        except (APIError, NotFound) as e:
            raise SandboxDied(f"the container is gone: {e}") from e

    def alive(self) -> bool:
        if self.container is None:
            return False
        try:
            self.container.reload()
        except DockerException:
            return False
        return self.container.status == "running"

    def close(self) -> None:
        if self.freezer is not None:  # never leave a container frozen
            self.freezer.close()
            self.freezer = None
        self._stop_disk()
        if self._session is not None:
            self._session.close()
            self._session = None
        if self.container is not None:
            try:
                self.container.remove(force=True)
            except NotFound:
                pass
            except DockerException:
                pass  # already being removed (auto_remove); reap handles true leftovers
            self.container = None
        if self._watchdog is not None:
            try:
                getattr(self._watchdog, "_sock", self._watchdog).close()
            except OSError:
                pass
            self._watchdog = None
        self._close_files()

    # -- commands --------------------------------------------------------------------------
    def exec(self, command: str, timeout: float = 60, cwd: str | None = None,
             env: dict[str, str] | None = None) -> ExecResult:
        if self._session is None:
            raise SandboxError("the sandbox is not started (use it as a context manager)")
        if self.disk is not None:
            self.disk.wait_for_kills()
        try:
            result = self._session.run(wrap_command(command, cwd, env), timeout)
        except SandboxDied:
            if not self.alive():
                raise SandboxDied(f"the container of run {self.run_id} died") from None
            raise
        return self._with_disk_notes(result)
