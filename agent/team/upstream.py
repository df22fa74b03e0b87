"""The team's upstream: one bare repository every agent clones from and pushes to.

It lives in the team folder (``upstream/team.git``) and only git running in the upstream's own
container touches it: a gateway there (``container/upstream_gateway.py``) serves the git
protocol on one unix socket per agent, ``upstream/sockets/<agent>/git.sock``. An agent's
sandbox keeps ``network: false``; it sees its own socket folder, read-only, at ``/upstream``,
and its clone's ``core.gitProxy`` (``/upstream/connect``) carries ``git://upstream/team.git``
over that socket. So an agent reaches the upstream and nothing else (no other agent, no
network, not the repository's files: no hook or config it could plant, no object it could
rewrite), and the socket a push came in on says who pushed. The repository's hooks (ours)
bound each push, keep every pushed state under hidden refs, and log each push to
``upstream/pushes.jsonl`` for the harness (``pushes.py``). See docs/teams.md.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sandboxes.backends import DockerConfig, SandboxFactory
from sandboxes.base import Sandbox
from sandboxes.docker_sandbox import LABEL_ROLE
from sandboxes.errors import HarnessError, UserError
from sandboxes.images import BASE_IMAGE
from sandboxes.spec import BindMount, FileTree

CONTAINER_FILES = Path(__file__).parent / "container"
MOUNT = "/upstream"  # where an agent sees its socket folder
URL = "git://upstream/team.git"
LABEL_TEAM = "ultrarun.team"
READY_TIMEOUT_S = 60.0

Progress = Callable[[str], None]


class UpstreamError(HarnessError):
    """The upstream could not be created, started or reached."""


def _init_script(branch: str, max_bytes: int) -> str:
    """Create the bare repository (its config and our hooks) and push the seed to it, inside
    the upstream's container. Prints the seed commit."""
    b = shlex.quote(branch)
    settings = {
        "receive.unpackLimit": "2147483647",  # every object stays loose (our reader's need)
        "transfer.unpackLimit": "2147483647",
        "receive.fsckObjects": "true",  # no malformed object gets in
        "transfer.hideRefs": "refs/ultrarun",  # kept states: invisible, not pushable
        "gc.auto": "0",  # nothing is ever repacked or pruned
        "receive.autogc": "false",
        "core.logAllRefUpdates": "false",
        "receive.maxInputSize": str(max_bytes),
        "receive.denyDeletes": "false",  # an agent may delete main: the history stays ours
        "receive.denyDeleteCurrent": "false",
        "receive.denyNonFastForwards": "false",  # ... or force-push it
        "uploadpack.allowAnySHA1InWant": "false",
    }
    config = "\n".join(f"git -C \"$R\" config {k} {shlex.quote(v)}" for k, v in settings.items())
    return f"""set -e
R=/workspace/team.git
git init -q --bare -b {b} "$R"
{config}
rm -rf "$R/hooks" && mkdir "$R/hooks"
install -m 755 /ultrarun/upstream_hook.py "$R/hooks/pre-receive"
install -m 755 /ultrarun/upstream_hook.py "$R/hooks/post-receive"
W=$(mktemp -d)
if [ -d /workspace/seed.tmp ]; then cp -a /workspace/seed.tmp/. "$W"/; rm -rf "$W/.git"; fi
cd "$W" && git init -q -b {b} && git add -A
git -c user.name=ultrarun -c user.email=ultrarun@team.invalid commit -q --allow-empty \\
  -m "Seed: the scenario's workspace"
ULTRARUN_AGENT=seed git push -q "$R" {b}
git rev-parse HEAD
cd / && rm -rf "$W" /workspace/seed.tmp
"""


def clone_command(agent: str, branch: str) -> str:
    """What makes an empty /workspace the agent's clone (run in a sandbox of the agent's)."""
    a = shlex.quote(agent)
    return (f"git clone -q -c core.gitProxy={MOUNT}/connect -b {shlex.quote(branch)} {URL} . "
            f"&& git config user.name {a} && git config user.email {a}@team.invalid "
            "&& git config pull.rebase false && git log --oneline -n 1")


class UpstreamServer:
    """The upstream's container and its gateway (a context manager: closed, it is removed).

    ``start`` creates the repository from a seed folder the first time (``seed``), or serves
    the one already in the team folder (resume); ``ensure`` replaces a dead container."""

    def __init__(self, team_dir: Path, team_id: str, agents: list[str], *,
                 config: DockerConfig, branch: str = "main", max_bytes: int = 2 << 30,
                 labels: dict[str, str] | None = None) -> None:
        self.dir = Path(team_dir) / "upstream"
        self.repo = self.dir / "team.git"
        self.log = self.dir / "pushes.jsonl"
        self.team_id = team_id
        self.agents = list(agents)
        self.config = config
        self.branch = branch
        self.max_bytes = max_bytes
        self.labels = {LABEL_TEAM: team_id, **(labels or {}), LABEL_ROLE: "upstream"}
        self._sandbox: Sandbox | None = None
        self._outputs = Path(tempfile.mkdtemp(prefix="ultrarun-upstream-"))

    def socket_dir(self, agent: str) -> Path:
        return self.dir / "sockets" / agent

    def mount(self, agent: str) -> BindMount:
        """What an agent's sandbox is given: its own socket folder, read-only."""
        return BindMount(source=self.socket_dir(agent), target=MOUNT, read_only=True)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, seed: FileTree | None = None, create: bool = False) -> str | None:
        """Start the container and its gateway; with ``create``, first make the repository
        from ``seed`` (the scenario's workspace; None: an empty first commit). Returns the
        seed commit when created."""
        if not create and not (self.repo / "HEAD").is_file():
            raise UpstreamError(f"{self.repo}: the team's upstream repository is missing")
        for agent in self.agents:
            folder = self.socket_dir(agent)
            folder.mkdir(parents=True, exist_ok=True)
            connect = folder / "connect"
            shutil.copyfile(CONTAINER_FILES / "upstream_connect.py", connect)
            os.chmod(connect, 0o755)
            os.chmod(folder, 0o755)
        mounts = [BindMount(source=CONTAINER_FILES, target="/ultrarun")]
        staged = self.dir / "seed.tmp"  # the seed, as the container's git reads it
        shutil.rmtree(staged, ignore_errors=True)
        if create and seed is not None:
            seed.assemble(staged)
        sandbox = self.config.create(
            workspace=self.dir, image=BASE_IMAGE, cpus=1, memory="1g", pids=256,
            network=False, run_id=f"{self.team_id}-upstream", labels=self.labels,
            outputs_dir=self._outputs, disk=None, mounts=mounts)
        sandbox.__enter__()
        self._sandbox = sandbox
        seed_commit = None
        if create:
            r = sandbox.exec(_init_script(self.branch, self.max_bytes), timeout=300)
            if r.exit_code != 0:
                raise UpstreamError(f"creating the team's upstream failed: {r.output[-500:]}")
            seed_commit = r.output.strip().splitlines()[-1]
        self._start_gateway()
        return seed_commit

    def _start_gateway(self) -> None:
        assert self._sandbox is not None
        for agent in self.agents:
            (self.socket_dir(agent) / "git.sock").unlink(missing_ok=True)
        agents = ",".join(self.agents)
        r = self._sandbox.exec(
            f"ULTRARUN_UPSTREAM_MAX_BYTES={self.max_bytes} setsid nohup python3 "
            f"/ultrarun/upstream_gateway.py {shlex.quote(agents)} </dev/null "
            ">>/tmp/gateway.log 2>&1 & echo $! > /tmp/gateway.pid", timeout=30)
        if r.exit_code != 0:
            raise UpstreamError(f"the upstream's gateway did not start: {r.output[-300:]}")
        deadline = time.monotonic() + READY_TIMEOUT_S
        waiting = list(self.agents)
        while waiting:
            waiting = [a for a in waiting if not _is_socket(self.socket_dir(a) / "git.sock")]
            if not waiting:
                break
            if time.monotonic() > deadline:
                log = self._sandbox.exec("tail -n 20 /tmp/gateway.log", timeout=10).output
                raise UpstreamError(f"the upstream's gateway opened no socket for "
                                    f"{', '.join(waiting)} in {READY_TIMEOUT_S:.0f} s: {log}")
            time.sleep(0.05)

    def alive(self) -> bool:
        """Whether the container runs and its gateway answers."""
        sb = self._sandbox
        if sb is None or not sb.alive():
            return False
        try:
            return sb.exec("kill -0 $(cat /tmp/gateway.pid)", timeout=10).exit_code == 0
        except Exception:
            return False

    def restart(self) -> None:
        """A fresh container (and gateway) on the same repository."""
        self.close(keep_outputs=True)
        self.start(create=False)

    def close(self, keep_outputs: bool = False) -> None:
        sb, self._sandbox = self._sandbox, None
        if sb is not None:
            try:
                sb.close()
            except Exception:  # already gone: nothing to release
                pass
        if not keep_outputs:
            shutil.rmtree(self._outputs, ignore_errors=True)

    def __enter__(self) -> UpstreamServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- clones ----------------------------------------------------------------------------
    def clone_into(self, factory: SandboxFactory, workspace: Path, agent: str,
                   labels: dict[str, str] | None = None) -> str:
        """Make the empty folder ``workspace`` the agent's clone, with git running in a
        sandbox of the agent's own (its image, limits and mount). Returns git's last line."""
        workspace.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="ultrarun-clone-") as tmp:
            box = factory.open(workspace, run_id=f"{self.team_id}-{agent}-clone",
                               outputs_dir=Path(tmp), labels={LABEL_TEAM: self.team_id,
                                                              **(labels or {})},
                               mounts=[self.mount(agent)])
            with box as sb:
                r = sb.exec(clone_command(agent, self.branch), timeout=300)
        if r.exit_code != 0:
            raise UpstreamError(f"cloning the upstream for {agent} failed: {r.output[-500:]}")
        return r.output.strip().splitlines()[-1] if r.output.strip() else ""


def _is_socket(path: Path) -> bool:
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except OSError:
        return False


def require_docker(config: object) -> DockerConfig:
    """Teams need containers (the upstream and its sockets)."""
    if not isinstance(config, DockerConfig):
        raise UserError("--agents: a team needs the docker sandbox backend (its upstream runs "
                        "in a container of its own and each agent reaches it through a socket)")
    return config
