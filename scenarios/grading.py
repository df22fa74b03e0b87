"""Running a scenario's hidden grader in its OWN container, never the agent's.

The grader container starts from the scenario image (plus the scenario's ``grader.setup``,
baked into a derived image once, e.g. to remove a C compiler), sees a copy of the workspace at
``/workspace`` and the grader files at ``/grader`` (read-only). The agent's container never has
the grader files.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException, NotFound
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ReadTimeout

from agent.evaluation import GradeResult, parse_grader_output
from sandboxes import images
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
from sandboxes.treecopy import copy_tree
from scenarios.loader import Scenario

# What a grading may write: the copy it grades plus the scenario's disk limit; its log
# (stdout, stderr) is kept by Docker up to this size, and only its end is read.
GRADER_LOG = "16m"


def grader_image(client: docker.DockerClient, scenario: Scenario, agent_image: str,
                 progress: images.Progress) -> str:
    """The image the grader runs in: the agent's image plus ``grader.setup`` (cached)."""
    assert scenario.grader is not None
    if not scenario.grader.setup:
        return agent_image
    base_id = client.images.get(agent_image).id
    text = (f"FROM {agent_image}\nUSER root\nRUN {scenario.grader.setup}\n"
            f"USER {AGENT_UID}:{AGENT_UID}\n")
    digest = images.content_hash(text, base_id)
    tag = f"ultrarun/grader-{scenario.name}:{digest}"
    if images.image_hash(client, tag) != digest:
        progress(f"building {tag}")
        images.build_image(client, tag, digest, progress, dockerfile_text=text)
    return tag


class DockerGrader:
    """Grades a workspace copy in a fresh, network-less container."""

    def __init__(self, client: docker.DockerClient, scenario: Scenario, image: str, *,
                 run_id: str = "grade", cpus: float | None = None, memory: str = "4g",
                 pids: int = 2048) -> None:
        assert scenario.grader is not None
        self.client = client
        self.scenario = scenario
        self.spec = scenario.grader
        self.image = image
        self.run_id = run_id
        self.cpus = cpus or float(os.cpu_count() or 1)
        self.memory = memory
        self.pids = pids
        self.disk = parse_size(scenario.limits.disk)
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

    def grade(self, workspace: Path) -> GradeResult:
        t0 = time.monotonic()
        if os.getuid() == 0:  # hand the copy to the container's user, as for the agent
            with WorkspaceDir(workspace, "/") as ws:
                ws.chown_tree(AGENT_UID)
        user = f"{AGENT_UID}:{AGENT_UID}" if os.getuid() == 0 else f"{os.getuid()}:{os.getgid()}"
        uid, gid = user.split(":")
        env: dict[str, str] = {}
        caps: list[str] = []
        with tempfile.TemporaryDirectory(prefix="ultrarun-grader-files-") as tmp:
            files = self.scenario.grader_dir
            if self.spec.isolate and files is not None:
                # A root-only copy of the grader's files; candidate code runs as the agent's
                # uid through $ULTRARUN_RUN_AS and cannot read them.
                files = Path(tmp) / "grader"
                shutil.copytree(self.scenario.grader_dir, files,  # type: ignore[arg-type]
                                symlinks=True)
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
            stdout, error = self._run(mounts, user, env, caps, workspace)
        if error:
            return GradeResult(error=error, duration_s=time.monotonic() - t0)
        result = parse_grader_output(stdout)
        result.duration_s = time.monotonic() - t0
        return result

    def _run(self, mounts: list[Any], user: str, env: dict[str, str],
             caps: list[str], workspace: Path) -> tuple[str, str | None]:
        if self._aborted:
            return "", "grading stopped: the run was interrupted"
        labels = {LABEL_MANAGED: "true", LABEL_RUN: self.run_id, LABEL_ROLE: "grader",
                  LABEL_PID: str(os.getpid()), LABEL_HOST: socket.gethostname()}
        container = self.client.containers.run(
            self.image, ["bash", "-c", self.spec.command], detach=True, user=user,
            working_dir="/workspace", mounts=mounts, network_mode="none", labels=labels,
            environment=env, cap_drop=["ALL"], cap_add=caps or None,
            security_opt=["no-new-privileges"], init=True, nano_cpus=int(self.cpus * 1e9),
            mem_limit=self.memory, memswap_limit=self.memory, pids_limit=self.pids,
            tmpfs=dict(self.spec.tmpfs) or None,
            ulimits=[docker.types.Ulimit(name="fsize", soft=self.disk, hard=self.disk)],
            log_config=docker.types.LogConfig(type="json-file",
                                              config={"max-size": GRADER_LOG, "max-file": "1"}))
        with self._lock:
            self._running.add(container)
            aborted = self._aborted  # abort() may have run while the container started
        guard = self._guard(container, workspace)
        try:
            if aborted:
                return "", "grading stopped: the run was interrupted"
            try:
                container.wait(timeout=self.spec.timeout)
            except (ReadTimeout, RequestsConnectionError):
                return "", f"the grader ran past its timeout of {self.spec.timeout:g} s"
            if guard is not None and guard.kills:
                return "", (f"the grading wrote more than {fmt_size(guard.limit)} to disk and "
                            "was stopped (the scenario's limits.disk, over the workspace copy)")
            out = container.logs(stdout=True, stderr=False, tail=200).decode("utf-8", "replace")
            if not out.strip():  # say why: the grader's own error is on stderr
                err = container.logs(stdout=False, stderr=True, tail=50).decode("utf-8",
                                                                                "replace")
                return "", "the grader printed nothing; its stderr ends with: " + err[-800:]
            return out, None
        except (NotFound, DockerException) as e:  # removed under us by abort()
            return "", f"grading stopped: {e}"
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
    """Owned by root, readable by root only (the grader runs as root in its container)."""
    with WorkspaceDir(root, "/") as d:
        d.chown_tree(0)
    for dirpath, _dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o700)
        for name in filenames:
            p = os.path.join(dirpath, name)
            os.chmod(p, 0o700 if os.access(p, os.X_OK) else 0o600)


class LocalGrader:
    """Runs the grader command on the host (for ``--sandbox local``): NOT isolated.

    ``/workspace`` and ``/grader`` in the command are replaced by the host folders.
    """

    def __init__(self, scenario: Scenario) -> None:
        assert scenario.grader is not None
        self.scenario = scenario
        self.spec = scenario.grader

    def grade(self, workspace: Path) -> GradeResult:
        t0 = time.monotonic()
        cmd = self.spec.command.replace("/workspace", str(workspace))
        if self.scenario.grader_dir is not None:
            cmd = cmd.replace("/grader", str(self.scenario.grader_dir))
        env = {k: os.environ[k] for k in ("PATH", "LANG", "HOME") if k in os.environ}
        try:
            r = subprocess.run(["bash", "-c", cmd], cwd=workspace, capture_output=True,
                               text=True, errors="replace", timeout=self.spec.timeout, env=env)
        except subprocess.TimeoutExpired:
            return GradeResult(error=f"the grader ran past its timeout of "
                                     f"{self.spec.timeout:g} s")
        result = parse_grader_output(r.stdout)
        result.duration_s = time.monotonic() - t0
        return result


def copy_workspace(src: Path, dest: Path) -> list[str]:
    """Copy a workspace folder for grading, as a snapshot holds it: streamed, no link followed
    (links copied as links), every ``.git`` left out, special files and files over the
    snapshot cap left out. Returns what was left out."""
    from agent.trajectory.snapshots import MAX_FILE, SKIP_NAMES

    dest.mkdir(parents=True, exist_ok=True)
    sfd = os.open(src, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        with WorkspaceDir(dest, "/") as out:
            rep = copy_tree(sfd, out, skip=SKIP_NAMES, max_file=MAX_FILE)
    finally:
        os.close(sfd)
    return [f"{s.path.decode('utf-8', 'replace')}: {s.reason}" for s in rep.skipped
            if not s.path.endswith(b".git")]


def grade_workspace(scenario: Scenario, workspace: Path, backend: str = "docker",
                    progress: images.Progress = lambda _m: None) -> GradeResult:
    """Grade a workspace folder (copied first: the grader may change what it grades)."""
    from sandboxes.engine import connect

    if scenario.grader is None:
        return GradeResult(error=f"scenario {scenario.name} has no grader")
    client = None
    image = None
    if backend == "docker":
        client = connect()
        if client is None:
            return GradeResult(error="no Docker engine answers (see `ultrarun sandbox doctor`)")
        images.ensure_base_image(client, progress)
        image = (images.ensure_scenario_image(client, scenario.name, scenario.root,
                                              scenario.image.dockerfile, progress)
                 if scenario.image.dockerfile else scenario.image.name)
        assert image is not None
        grader: DockerGrader | LocalGrader = DockerGrader(
            client, scenario, grader_image(client, scenario, image, progress))
    else:
        grader = LocalGrader(scenario)
    with tempfile.TemporaryDirectory(prefix="ultrarun-grade-") as tmp:
        copy = Path(tmp) / "workspace"
        copy_workspace(workspace, copy)
        return grader.grade(copy)
