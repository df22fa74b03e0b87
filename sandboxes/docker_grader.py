"""A grader's own container: a copy of the agent's image (plus ``setup``), a workspace copy, no
network.

The container sees the copy at ``/workspace`` and the grader's files at ``/grader``
(read-only); the agent's container never has those files. What a grading may write is bounded
by the scenario's disk limit over the copy, and its log by Docker.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException, NotFound
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ReadTimeout

from sandboxes import images
from sandboxes.backends import GraderOutput
from sandboxes.disk import DiskGuard, parse_size, tree_usage
from sandboxes.docker_sandbox import (
    LABEL_HOST,
    LABEL_MANAGED,
    LABEL_PID,
    LABEL_ROLE,
    LABEL_RUN,
    docker_data_paths,
    layer_size,
)
from sandboxes.fsafe import WorkspaceDir, fmt_size
from sandboxes.images import AGENT_UID
from sandboxes.leftovers import grader_files_dir
from sandboxes.spec import GradingSpec

# The grader's log (stdout, stderr) is kept by Docker up to this size; only its end is read.
GRADER_LOG = "16m"


def grader_image(client: docker.DockerClient, name: str, grading: GradingSpec,
                 agent_image: str, progress: images.Progress) -> str:
    """The image the grader runs in: a copy of the agent's image's files (one layer of its
    own), plus ``grading.setup`` (cached; shared by scenarios with the same image and setup).

    A copy, not the agent's layers: files both containers read would share the kernel's page
    and dentry caches, and a grading that reads chosen files of the image could mark them for
    the agent to find cached after the freeze (docs/security.md, "Sealed evaluation")."""
    base = client.images.get(agent_image)
    env = "".join(f"ENV {k}={json.dumps(v)}\n" for k, _, v in
                  (e.partition("=") for e in base.attrs.get("Config", {}).get("Env") or [])
                  if k.isidentifier())
    setup = f"USER root\nRUN {grading.setup}\n" if grading.setup else ""
    text = (f"FROM {agent_image} AS agent\nFROM scratch\nCOPY --from=agent / /\n{env}"
            f"{setup}USER {AGENT_UID}:{AGENT_UID}\n")
    digest = images.content_hash(text, base.id)
    tag = f"ultrarun/grader-{name}:{digest}" if grading.setup else f"ultrarun/grader:{digest}"
    if images.image_hash(client, tag) != digest:
        progress(f"building {tag}")
        images.build_image(client, tag, digest, progress, dockerfile_text=text)
    return tag


class DockerGraderBox:
    """Runs a grader command on a workspace copy in a fresh, network-less container."""

    def __init__(self, client: docker.DockerClient, grading: GradingSpec, image: str, *,
                 disk: str | int, run_id: str = "grade", cpus: float | None = None,
                 memory: str = "4g", pids: int = 2048) -> None:
        self.client = client
        self.spec = grading
        self.image = image
        self.run_id = run_id
        self.cpus = cpus or float(os.cpu_count() or 1)
        self.memory = memory
        self.pids = pids
        self.disk = parse_size(disk)
        self._running: set[Any] = set()
        self._lock = threading.Lock()
        self._aborted = False

    def abort(self) -> None:
        """Kill any grading in progress, and refuse new ones (the run is being interrupted)."""
        with self._lock:
            self._aborted = True
            running = list(self._running)
        for c in running:
            try:
                c.remove(force=True)
            except (NotFound, DockerException):
                pass

    def run(self, workspace: Path, env: dict[str, str] | None = None) -> GraderOutput:
        if os.getuid() == 0:  # hand the copy to the container's user, as for the agent
            with WorkspaceDir(workspace, "/") as ws:
                ws.chown_tree(AGENT_UID)
        user = f"{AGENT_UID}:{AGENT_UID}" if os.getuid() == 0 else f"{os.getuid()}:{os.getgid()}"
        uid, gid = user.split(":")
        env = dict(env or {})
        caps: list[str] = []
        with grader_files_dir() as tmp:
            tree = self.spec.files
            files = tree.base if tree is not None else None
            if tree is not None and (self.spec.isolate or tree.layers):
                # A copy of the grader's files, with what the scenario includes of another.
                files = tree.assemble(Path(tmp) / "grader")
            if self.spec.isolate and files is not None:
                # Root-only; candidate code runs as the agent's uid through $ULTRARUN_RUN_AS
                # and cannot read them.
                _lock_down(files)
                env["ULTRARUN_RUN_AS"] = f"setpriv --reuid={uid} --regid={gid} --clear-groups --"
                # Root in its own container: switch to other uids, kill what they leave
                # behind, and prepare folders owned by them (the candidate never gets these).
                caps = ["SETUID", "SETGID", "KILL", "CHOWN", "FOWNER", "DAC_OVERRIDE"]
                user = "0:0"
            mounts = [docker.types.Mount("/workspace", str(workspace), type="bind")]
            if files is not None:
                mounts.append(docker.types.Mount("/grader", str(files), type="bind",
                                                 read_only=True))
            return self._run(mounts, user, env, caps, workspace)

    def _run(self, mounts: list[Any], user: str, env: dict[str, str],
             caps: list[str], workspace: Path) -> GraderOutput:
        if self._aborted:
            return GraderOutput(error="grading stopped: the run was interrupted")
        labels = {LABEL_MANAGED: "true", LABEL_RUN: self.run_id, LABEL_ROLE: "grader",
                  LABEL_PID: str(os.getpid()), LABEL_HOST: socket.gethostname()}
        container = self.client.containers.run(
            self.image, ["bash", "-c", self.spec.command], detach=True, user=user,
            working_dir="/workspace", mounts=mounts, network_mode="none", labels=labels,
            environment=env, cap_drop=["ALL"], cap_add=caps or None,
            security_opt=["no-new-privileges"], init=True, nano_cpus=int(self.cpus * 1e9),
            mem_limit=self.memory, memswap_limit=self.memory, pids_limit=self.pids,
            ulimits=[docker.types.Ulimit(name="fsize", soft=self.disk, hard=self.disk)],
            log_config=docker.types.LogConfig(type="json-file",
                                              config={"max-size": GRADER_LOG, "max-file": "1"}),
            tmpfs=dict(self.spec.tmpfs) or None)
        with self._lock:
            self._running.add(container)
            aborted = self._aborted  # abort() may have run while the container started
        guard = self._guard(container, workspace)
        try:
            if aborted:
                return GraderOutput(error="grading stopped: the run was interrupted")
            try:
                container.wait(timeout=self.spec.timeout)
            except (ReadTimeout, RequestsConnectionError):
                return GraderOutput(error=f"the grader ran past its timeout of "
                                          f"{self.spec.timeout:g} s")
            if guard is not None and guard.kills:
                return GraderOutput(error=(
                    f"the grading wrote more than {fmt_size(guard.limit)} to disk and was "
                    "stopped (the scenario's limits.disk, over the workspace copy)"))
            out = container.logs(stdout=True, stderr=False, tail=200).decode("utf-8", "replace")
            if not out.strip():  # say why: the grader's own error is on stderr
                err = container.logs(stdout=False, stderr=True, tail=50).decode("utf-8",
                                                                                "replace")
                return GraderOutput(error="the grader printed nothing; its stderr ends with: "
                                    + err[-800:])
            return GraderOutput(stdout=out)
        except (NotFound, DockerException) as e:  # removed under us by abort()
            return GraderOutput(error=f"grading stopped: {e}")
        finally:
            if guard is not None:
                guard.stop()
                os.close(guard.root_fd)
            with self._lock:
                self._running.discard(container)
            try:
                container.remove(force=True)
            except (NotFound, DockerException):
                pass

    def _guard(self, container: Any, workspace: Path) -> DiskGuard | None:
        """Watch what the grading writes (the copy and the container's layer)."""
        fd = os.open(workspace, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        base, _n = tree_usage(fd)

        def layer() -> int:
            return layer_size(self.client, container.id)

        def kill(_hard: bool) -> None:
            try:
                container.kill()
            except DockerException:
                pass

        guard = DiskGuard(fd, base + self.disk, kill=kill, extra=layer,
                          watch=docker_data_paths(self.client), poll_s=0.25)
        guard.start()
        return guard


def _lock_down(root: Path) -> None:
    """Readable by the grader only: it runs as root in its container (CAP_DAC_OVERRIDE), the
    candidate as another uid without it.

    On a root host the files go to root, modes 0700/0600. A user in the docker group cannot
    give files away, and the candidate then runs as that user's uid, the files' owner: the
    owner gets no permission at all (mode 000; executables 001 so that root may run them),
    and on the read-only mount the candidate cannot chmod them back. The temporary copy is
    removed by its owner afterwards (TemporaryDirectory resets the modes)."""
    as_root = os.getuid() == 0
    if as_root:
        with WorkspaceDir(root, "/") as d:
            d.chown_tree(0)
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            p = os.path.join(dirpath, name)
            runs = os.access(p, os.X_OK)
            os.chmod(p, (0o700 if runs else 0o600) if as_root else (0o001 if runs else 0))
        os.chmod(dirpath, 0o700 if as_root else 0)
