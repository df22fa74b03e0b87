"""The harness as a non-root user in the `docker` group: the whole security suite again.

Run as root (CI, or `make test` on a fresh box), this creates the user `urtest` in the docker
group and runs `tests/security` as that user, through an interpreter that user can execute
(the venv's may live under /root) with the project's installed packages on PYTHONPATH. Run as
a non-root user, the suite already runs as one: this checks that user is in the docker group.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.security.conftest import ROOT

USER = "urtest"
pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _ensure_user() -> None:
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--groups", "docker", "--shell",
                        "/bin/bash", USER], check=True)
    if USER not in grp.getgrnam("docker").gr_mem:
        subprocess.run(["usermod", "-aG", "docker", USER], check=True)


def _as_user(command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["su", USER, "-s", "/bin/bash", "-c", command], capture_output=True,
                          text=True, timeout=timeout)


def _interpreter() -> str:
    """An interpreter of this Python version the user may run."""
    name = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    for cand in (sys.executable, f"/usr/bin/{name}", f"/usr/local/bin/{name}",
                 shutil.which(name) or ""):
        if cand and _as_user(f"{cand} -c 'import sys'").returncode == 0:
            return cand
    pytest.fail(f"no Python {sys.version_info[0]}.{sys.version_info[1]} that {USER} can run "
                f"(this one, {sys.executable}, is not readable by other users): install "
                f"Debian's python3")


def test_security_suite_as_a_docker_group_user(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        assert "docker" in [g.gr_name for g in grp.getgrall() if me in g.gr_mem] or \
            grp.getgrgid(os.getegid()).gr_name == "docker", \
            f"{me} runs the suite but is not in the docker group"
        return
    _ensure_user()
    python = _interpreter()
    site = sysconfig.get_paths()["purelib"]
    base = Path("/tmp") / f"urtest-{os.getpid()}"
    figures = os.environ.get("ULTRARUN_SECURITY_FIGURES", "")
    env = (f"PYTHONPATH={site}:{ROOT} PYTHONDONTWRITEBYTECODE=1 "
           f"ULTRARUN_SECURITY_FIGURES={figures + '.nonroot' if figures else ''}")
    cmd = (f"cd {ROOT} && {env} {python} -m pytest tests/security -q -p no:cacheprovider "
           f"--basetemp={base} --deselect tests/security/test_nonroot.py")
    r = _as_user(cmd, timeout=3000)
    try:
        assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
        assert " passed" in r.stdout and "failed" not in r.stdout, r.stdout[-2000:]
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)
    print(r.stdout.strip().splitlines()[-1])
