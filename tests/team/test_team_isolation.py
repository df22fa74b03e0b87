"""What a team member's sandbox can reach: its own socket to the upstream, and nothing else.

An agent's sandbox keeps ``network: false`` (loopback only); the upstream is a unix socket in
a read-only folder of its own. From inside, a hostile agent tries the network, the other
agent's socket, the repository's files (to plant a hook), the hidden refs where the harness
keeps every pushed state, and writing to its socket folder. Positive controls: the same probe
script reaches the upstream through its own socket, and a sandbox *given* another agent's
socket folder pushes as that agent (the socket is the identity; only the mounts keep agents
apart).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.scenario.loader import load_scenario
from agent.setup import prepare
from agent.team.upstream import UpstreamServer
from sandboxes.backends import DockerConfig
from sandboxes.base import Sandbox
from tests.team.conftest import PARTS

pytestmark = pytest.mark.docker

PROBE = r"""
import json, os, socket, subprocess
out = {}
out["interfaces"] = sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:])
def reach(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close(); return True
    except OSError:
        return False
out["internet"] = reach("1.1.1.1", 53) or reach("8.8.8.8", 53)
out["gateway"] = reach("172.17.0.1", 2375) or reach("172.17.0.1", 22)
out["upstream_files"] = sorted(os.listdir("/upstream"))
socks = []
for root, dirs, files in os.walk("/"):
    if root.startswith(("/proc", "/sys", "/dev")):
        dirs[:] = []
        continue
    socks += [os.path.join(root, f) for f in files if f == "git.sock"]
out["sockets"] = sorted(socks)
try:
    open("/upstream/planted", "w").write("x"); out["write_upstream"] = True
except OSError:
    out["write_upstream"] = False
def run(cmd):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60)
    return r.returncode, (r.stdout + r.stderr)[-400:]
out["ls_remote"] = run("git ls-remote origin")
out["hidden"] = run("git fetch origin refs/ultrarun/seen/$(git rev-list --max-parents=0 HEAD)")
out["push_hidden"] = run("git push origin HEAD:refs/ultrarun/seen/forged")
out["other_repo"] = run("printf '0032git-upload-pack /etc/passwd\\0host=x\\0' | "
                        "/upstream/connect | head -c 200")
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory, base_image: str) -> Iterator[
        tuple[UpstreamServer, object, Path]]:
    scenario = load_scenario(str(PARTS))
    prepared = prepare(scenario, DockerConfig())
    root = tmp_path_factory.mktemp("isolation")
    with UpstreamServer(root / "team", "iso", ["a1", "a2"], config=DockerConfig()) as up:
        up.start(seed=scenario.workspace_tree, create=True)
        for agent in ("a1", "a2"):
            up.clone_into(prepared.factory, root / agent, agent)
        yield up, prepared.factory, root


def _box(team: tuple[UpstreamServer, object, Path], workspace: str, mount_of: str) -> Sandbox:
    up, factory, root = team
    out = Path(tempfile.mkdtemp(prefix="ultrarun-iso-"))
    return factory.open(root / workspace, run_id=f"iso-{workspace}", outputs_dir=out,  # type: ignore[attr-defined]
                        mounts=[up.mount(mount_of)])


def test_an_agent_reaches_its_upstream_and_nothing_else(team: tuple[UpstreamServer, object,
                                                                   Path]) -> None:
    with _box(team, "a1", "a1") as sb:
        sb.write_file("probe.py", PROBE.encode())
        r = sb.exec("python3 probe.py", timeout=300)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output.strip().splitlines()[-1])
    assert out["interfaces"] == ["lo"]
    assert not out["internet"] and not out["gateway"]
    assert out["upstream_files"] == ["connect", "git.sock"]
    assert out["sockets"] == ["/upstream/git.sock"]  # not a2's, not the upstream's own
    assert not out["write_upstream"]
    code, text = out["ls_remote"]
    assert code == 0 and "refs/heads/main" in text  # positive control: the upstream answers
    assert "ultrarun" not in text  # the kept states are not advertised ...
    assert out["hidden"][0] != 0  # ... nor fetchable
    assert out["push_hidden"][0] != 0 and "rejected" in out["push_hidden"][1]  # nor writable
    assert out["other_repo"][0] == 0 and "root:" not in out["other_repo"][1]
    up = team[0]
    assert not (up.socket_dir("a1") / "planted").exists()


def test_the_socket_is_the_identity(team: tuple[UpstreamServer, object, Path]) -> None:
    """Positive control of the separation: a sandbox given a2's socket folder pushes as a2,
    whatever its git identity says. Only the mount an agent is given decides who it is."""
    up = team[0]
    with _box(team, "a1", "a2") as sb:
        r = sb.exec("echo x > spoof.txt && git add spoof.txt && git commit -qm spoof && "
                    "git push -q origin HEAD:main && git config user.name", timeout=120)
    assert r.exit_code == 0, r.output
    assert r.output.strip().splitlines()[-2 if "[exit" in r.output else -1] == "a1"
    records = [json.loads(line) for line in up.log.read_text().splitlines()]
    assert records[-1]["agent"] == "a2"
