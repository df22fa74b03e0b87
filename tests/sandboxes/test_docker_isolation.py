"""What only DockerSandbox guarantees: limits, hardening, isolation and cleanup."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest

from sandboxes import Sandbox, open_sandbox
from sandboxes.docker_sandbox import LABEL_RUN
from sandboxes.reaper import is_orphan, managed_containers, reap

ROOT = Path(__file__).parents[2]


def test_runs_unprivileged_and_hardened(dsb: Sandbox) -> None:
    assert dsb.exec("id -u").output.strip() != "0"
    status = dsb.exec("grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status").output
    fields = dict(line.split(":\t") for line in status.splitlines())
    assert int(fields["CapEff"], 16) == 0 and int(fields["CapBnd"], 16) == 0
    assert fields["NoNewPrivs"].strip() == "1"
    assert dsb.exec("test -e /var/run/docker.sock || test -e /run/docker.sock").exit_code != 0
    assert dsb.exec("sudo true 2>/dev/null || su -c true 2>/dev/null").exit_code != 0


def test_only_the_workspace_is_mounted_from_the_host(dsb: Sandbox, workspace: Path) -> None:
    mounts = dsb.exec("cat /proc/self/mountinfo").output.splitlines()
    # Bind mounts from the host show a host path as their root; docker's own files
    # (/etc/hosts, /etc/resolv.conf, /etc/hostname) come from its container folder.
    binds = [m.split()[4] for m in mounts
             if m.split()[3] != "/" and not m.split()[4].startswith(("/proc", "/sys", "/dev"))]
    assert "/workspace" in binds
    # docker's init (zombie reaper) is the engine's binary, mounted read-only.
    init = [m for m in mounts if m.split()[4].endswith("/docker-init")]
    assert all(" ro," in f" {m.split()[5]}," or m.split()[5].startswith("ro") for m in init)
    assert {b for b in binds if not b.endswith("/docker-init")} <= {
        "/workspace", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"}


def test_no_network_but_loopback(dsb: Sandbox) -> None:
    ifaces = [line.split(":")[0].strip()
              for line in dsb.exec("cat /proc/net/dev").output.splitlines()[2:]]
    assert ifaces == ["lo"]
    r = dsb.exec("timeout 5 bash -c 'exec 3<>/dev/tcp/1.1.1.1/80' 2>&1", timeout=15)
    assert r.exit_code != 0


def test_network_when_asked(base_image: str, workspace: Path) -> None:
    with open_sandbox("docker", image=base_image, workspace=workspace, network=True) as sb:
        ifaces = sb.exec("cat /proc/net/dev").output
        assert "eth0" in ifaces


def test_fork_bomb_is_contained(dsb: Sandbox) -> None:
    t0 = time.monotonic()
    r = dsb.exec("bomb() { bomb | bomb & }; bomb; sleep 60", timeout=5)
    assert r.timed_out and time.monotonic() - t0 < 30
    # The sandbox answers again once the bomb is gone.
    for _ in range(20):
        after = dsb.exec("echo alive; ps -e --no-headers | wc -l", timeout=10)
        if after.exit_code == 0 and int(after.output.split()[-1]) < 20:
            break
        time.sleep(0.5)
    assert after.output.startswith("alive")
    assert int(after.output.split()[-1]) < 20


def test_memory_hog_ends_with_clear_result(dsb: Sandbox) -> None:
    r = dsb.exec("python3 -c 'b = bytearray(1 << 30); print(len(b))'", timeout=60)
    assert r.exit_code == 137
    assert r.oom_killed and r.note and "memory" in r.note
    assert dsb.exec("echo still here").output == "still here\n"


def test_workspace_writable_both_ways(dsb: Sandbox, workspace: Path) -> None:
    (workspace / "from_host.txt").write_text("host")
    dsb.write_file("via_api.txt", b"api")
    r = dsb.exec("cat from_host.txt via_api.txt && echo more >> via_api.txt && mkdir -p d && "
                 "touch d/new")
    assert r.exit_code == 0, r.output
    assert (workspace / "via_api.txt").read_text() == "apimore\n"
    assert (workspace / "d" / "new").exists()


def test_container_removed_on_close(base_image: str, workspace: Path,
                                    docker_client: docker.DockerClient) -> None:
    sb = open_sandbox("docker", image=base_image, workspace=workspace)
    with sb:
        run_id = sb.run_id  # type: ignore[attr-defined]
        assert managed_containers(docker_client, **{LABEL_RUN: run_id})
    assert _gone(docker_client, run_id, 10)


def _gone(client: docker.DockerClient, run_id: str, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not managed_containers(client, **{LABEL_RUN: run_id}):
            return True
        time.sleep(0.2)
    return False


def _harness(workspace: Path, run_id: str) -> subprocess.Popen[str]:
    code = f"""
import time
from sandboxes import open_sandbox
sb = open_sandbox("docker", workspace={str(workspace)!r}, run_id={run_id!r})
sb.__enter__()
sb.exec("sleep 600 > /dev/null 2>&1 &")
print("ready", flush=True)
time.sleep(600)
"""
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_sigkilled_harness_leaves_no_container(base_image: str, workspace: Path,
                                               docker_client: docker.DockerClient) -> None:
    run_id = f"t-kill-{os.getpid()}-{time.time_ns()}"
    proc = _harness(workspace, run_id)
    assert managed_containers(docker_client, **{LABEL_RUN: run_id})
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # The watchdog (stdin closes with the harness) stops the container; Docker removes it.
    assert _gone(docker_client, run_id, 30)


def test_reap_removes_orphans_only(base_image: str, workspace: Path, tmp_path: Path,
                                   docker_client: docker.DockerClient) -> None:
    # An orphan whose watchdog cannot fire (detached, as a crashed harness on another
    # code path might leave it), labelled with a dead pid of this host.
    import socket

    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = docker_client.containers.run(
        base_image, ["sleep", "600"], detach=True,
        labels={"ultrarun.managed": "true", LABEL_RUN: "t-orphan", "ultrarun.pid": str(dead.pid),
                "ultrarun.host": socket.gethostname()})
    with open_sandbox("docker", image=base_image, workspace=tmp_path / "live") as live:
        assert is_orphan(orphan)
        # Every docker-backed run reaps as it starts, so a test on another worker may remove
        # the orphan first: what counts is that it is gone and ours is not.
        reap(docker_client)
        assert live.exec("echo alive").output == "alive\n"  # ours is untouched
    deadline = time.monotonic() + 30  # another worker's reap may still be removing it
    while time.monotonic() < deadline:
        try:
            docker_client.containers.get(orphan.id)
        except docker.errors.NotFound:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the orphan {orphan.name} is still there")


def test_cli_reap_and_doctor(docker_client: docker.DockerClient) -> None:
    ur = [sys.executable, "-m", "agent.cli.main"]
    r = subprocess.run([*ur, "sandbox", "reap"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "removed" in r.stdout
    r = subprocess.run([*ur, "sandbox", "doctor"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "answering" in r.stdout and "ultrarun/base:bookworm" in r.stdout
