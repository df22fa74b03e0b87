"""The nested-repository attack: configs, hooks, filters, gitfiles and submodules planted in the
workspace must never make the host run anything, through snapshot, in-run grading, a sandbox
restart (restore), `grade RUN`, `fork`, `replay --execute` and `resume`."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import docker
import pytest

from tests.security.conftest import bash, cli, events, make_scenario, write_script

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def plant(marker: Path, host_repo: Path, host_dir: Path) -> str:
    """Shell run by the agent: every git trick that makes a host-side git run a program."""
    evil = f"touch {marker}"
    hook = f"#!/bin/sh\\n{evil}\\n"
    return f"""set -e
export HOME=/tmp/agent-home; mkdir -p $HOME
git config --global user.email a@b.c; git config --global user.name agent
git config --global init.defaultBranch main; git config --global safe.directory '*'
cd /workspace
[ -d .git ] || git init -q .
git add -A && git commit -qm base --allow-empty
# the top-level repository: fsmonitor, hooks, filters, diff drivers, pager
git config core.fsmonitor "{evil}; false"
mkdir -p .githooks
for h in pre-commit post-commit post-checkout post-index-change reference-transaction; do
  printf '{hook}' > .githooks/$h; chmod +x .githooks/$h; cp .githooks/$h .git/hooks/$h
done
git config core.hooksPath .githooks
git config filter.evil.clean "{evil}; cat"; git config filter.evil.smudge "{evil}; cat"
git config filter.evil.process "{evil}"; git config diff.evil.textconv "{evil}; cat"
git config core.pager "{evil}; cat"
printf '* filter=evil diff=evil\\n' > .gitattributes
# nested repositories, one deep, each with its own fsmonitor and filters
for d in sub a/b/c/deep; do
  mkdir -p $d; (cd $d && git init -q && echo x > x && git add x && git commit -qm x &&
    git config core.fsmonitor "{evil}; false" && git config core.hooksPath /workspace/.githooks &&
    git config filter.evil.clean "{evil}; cat" && printf '* filter=evil\\n' > .gitattributes &&
    cp /workspace/.githooks/* .git/hooks/)
done
# a gitfile and a submodule pointing at a repository on the host (whose config runs the marker)
mkdir -p sub2 m; echo "gitdir: {host_repo}" > sub2/.git; echo y > sub2/y
echo "gitdir: {host_repo}" > m/.git
printf '[submodule "m"]\\n\\tpath = m\\n\\turl = {host_repo}\\n' > .gitmodules
git config -f sub/.git/config core.worktree {host_dir}
# links to the host
ln -sfn {host_dir} hostlink; ln -sfn {host_dir}/secret.txt secretlink
echo planted
"""


def host_repo(tmp: Path, marker: Path) -> Path:
    """A bare repository on the host whose config and hooks run the marker command."""
    repo = tmp / "host-repo.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    subprocess.run(["git", "--git-dir", str(repo), "config", "core.fsmonitor",
                    f"touch {marker}; false"], check=True)
    subprocess.run(["git", "--git-dir", str(repo), "config", "core.worktree", str(tmp)],
                   check=True)
    return repo


def _kill_during_step(client: docker.DockerClient, run_dir: Path, step: int,
                      done: threading.Event, killed: list[str]) -> None:
    """Wait until `step`'s tool call starts, then `docker kill` the run's agent container."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not done.is_set():
        try:
            started = any(e["type"] == "tool_call" and e["step"] == step
                          for e in events(run_dir))
        except (OSError, ValueError):
            started = False
        if started:
            time.sleep(1.0)
            for c in client.containers.list(filters={"label": [
                    f"ultrarun.run-id={run_dir.name}", "ultrarun.role=agent"]}):
                c.kill()
                killed.append(c.id)
            return
        time.sleep(0.2)


def test_planted_git_configs_never_run_on_the_host(tmp_path: Path, base_image: str,
                                                   docker_client: docker.DockerClient) -> None:
    marker = tmp_path / "PWNED"
    host_dir = tmp_path / "host-dir"
    host_dir.mkdir()
    (host_dir / "secret.txt").write_text("host secret\n")
    repo = host_repo(tmp_path, marker)
    scen = make_scenario(tmp_path / "scen", every=1)
    attack = plant(marker, repo, host_dir)
    script = write_script(tmp_path / "attack.json", [
        bash(attack),
        bash("sleep 60", timeout=120),  # the test kills the container during this step
        bash(attack),  # the restore removed the nested .git folders: plant again
        bash("git status >/dev/null 2>&1; git diff >/dev/null 2>&1; ls -la; echo step4"),
    ])
    logs = tmp_path / "logs"
    run_dir = logs / "nested"
    done, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_during_step,
                              args=(docker_client, run_dir, 2, done, killed), daemon=True)
    killer.start()
    try:
        cli("run", str(scen), "--model", f"script:{script}", "--logs", str(logs), "--run-id",
            "nested", "--quiet", "--json")
    finally:
        done.set()
        killer.join()
    ev = events(run_dir)
    assert killed, "the sandbox was never killed"
    assert [e for e in ev if e["type"] == "sandbox_restart"], "no restore after the kill"
    # (a line of its own: the test's folder, named in `ls -la`'s link targets, holds the word)
    planted = [e for e in ev if e["type"] == "tool_result"
               and "planted" in e["output"].splitlines()]
    assert len(planted) == 2, [e["output"][-500:] for e in ev if e["type"] == "tool_result"]
    evals = [e for e in ev if e["type"] == "evaluation"]
    assert evals and all(e.get("error") is None for e in evals), evals
    assert not marker.exists(), "a planted git config ran on the host during the run"

    # The snapshots hold the planted files as data, and no .git of any depth.
    names = subprocess.run(["git", "--git-dir", str(run_dir / "snapshots.git"), "log",
                            "--all", "--name-only", "--format="], capture_output=True,
                           text=True, check=True).stdout.split()
    assert ".gitattributes" in names and "sub/x" in names and "sub2/y" in names
    assert not [n for n in names if n == ".git" or "/.git/" in n or n.startswith(".git/")
                or n.endswith("/.git")]

    # Positive control: the planted repository is a live attack for a naive host git.
    subprocess.run(["git", "-c", "safe.directory=*", "-C", str(run_dir / "workspace" / "sub"),
                    "status"], capture_output=True)
    assert marker.exists(), "the planted fsmonitor did not fire for plain git: test is void"
    marker.unlink()

    cli("grade", str(run_dir), "--json")
    assert not marker.exists(), "`grade RUN` ran a planted config"

    fork_script = write_script(tmp_path / "fork.json", [bash(attack), bash("git status; ls")])
    cli("fork", str(run_dir), "--at", "1", "--model", f"script:{fork_script}", "--run-id",
        "forked", "--quiet", "--json")
    assert not marker.exists(), "`fork` ran a planted config"

    r = cli("replay", str(run_dir), "--execute", "--json", check=None)
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert not marker.exists(), "`replay --execute` ran a planted config"

    r = cli("resume", str(run_dir), "--quiet", "--json", check=None)
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert [e for e in events(run_dir) if e["type"] == "resume"]
    assert not marker.exists(), "`resume` ran a planted config"

    # Restores removed links to the host; they never deleted or wrote through them.
    assert (host_dir / "secret.txt").read_text() == "host secret\n"
    assert sorted(p.name for p in host_dir.iterdir()) == ["secret.txt"]
