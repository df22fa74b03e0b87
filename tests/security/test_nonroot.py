"""The harness as a non-root user in the `docker` group: the whole security suite again,
and the isolated grader's attack tests.

Run as root (CI, or `make test` on a fresh box), this creates the user `urtest` in the docker
group and runs `tests/security` and `tests/scenarios/test_grader_isolation.py` as that user,
through an interpreter that user can execute
(the venv's may live under /root) with the project's installed packages on PYTHONPATH. Run as
a non-root user, the suite already runs as one: this checks that user is in the docker group.

The checkout may sit where `urtest` cannot enter (a clone in a `mktemp -d` folder, a 0700
home): the run sees it, and the installed packages, through read-only bind mounts under /tmp
made in a mount namespace of its own (``unshare --mount``, as root), so nothing on the host
changes and nothing is copied. Where that is not allowed (no CAP_SYS_ADMIN), a checkout the
user can enter still works, and any other fails naming the folder that blocks and what to do.
"""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from tests.security.conftest import ROOT

USER = "urtest"


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


def _blocking(path: Path) -> Path | None:
    """The first folder on the way to ``path`` that users other than its owner cannot enter."""
    for folder in [*reversed(path.parents), path]:
        st = folder.stat()
        if not st.st_mode & stat.S_IXOTH and not (st.st_mode & stat.S_IXGRP and
                                                   USER in grp.getgrgid(st.st_gid).gr_mem):
            return folder
    return None


def _views(base: Path) -> dict[Path, Path]:
    """Where the user sees the checkout and the installed packages: {host path: its view}."""
    site = Path(sysconfig.get_paths()["purelib"])
    views = {ROOT: base / "checkout"}
    if ROOT not in site.parents:
        views[site] = base / "site-packages"
    return views


def _unshare_works() -> bool:
    r = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                       capture_output=True)
    return r.returncode == 0


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.serial  # the whole security suite again, itself partly serial
def test_security_suite_as_a_docker_group_user(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        assert "docker" in [g.gr_name for g in grp.getgrall() if me in g.gr_mem] or \
            grp.getgrgid(os.getegid()).gr_name == "docker", \
            f"{me} runs the suite but is not in the docker group"
        return
    _ensure_user()
    python = _interpreter()
    site = Path(sysconfig.get_paths()["purelib"])
    base = Path("/tmp") / f"urtest-{os.getpid()}"
    mounts = Path("/tmp") / f"urtest-{os.getpid()}-view"
    bind = _unshare_works()
    views = _views(mounts) if bind else {ROOT: ROOT, site: site}
    if not bind:
        blocked = [b for p in views if (b := _blocking(p)) is not None]
        if blocked:
            pytest.fail(f"{USER} cannot enter {blocked[0]} (mode "
                        f"{stat.S_IMODE(blocked[0].stat().st_mode):o}), on the way to the "
                        f"checkout {ROOT} or its packages, and this machine allows no private "
                        f"bind mount (`unshare --mount` fails: no CAP_SYS_ADMIN) to show them "
                        f"elsewhere: clone the repository under a folder others may enter "
                        f"(`chmod o+x {blocked[0]}`, or e.g. /opt or /srv), or run `make test` "
                        f"as a non-root user in the docker group.")
    root_view = views[ROOT]
    site_view = views.get(site) or root_view / site.relative_to(ROOT)
    figures = os.environ.get("ULTRARUN_SECURITY_FIGURES", "")
    env = (f"PYTHONPATH={site_view}:{root_view} PYTHONDONTWRITEBYTECODE=1 "
           f"ULTRARUN_SECURITY_FIGURES={figures + '.nonroot' if figures else ''}")
    # The isolated grader's attack tests too: as this user the grader's files cannot be given
    # to root, and are kept from the candidate another way (sandboxes/docker_grader.py).
    # The positive controls (the defence off) run as root only: they prove nothing new as
    # another user, and the grader's without isolation bind-mounts the scenario's folder
    # straight from the checkout, which the Docker daemon cannot see through this run's
    # private mount view.
    cmd = (f"cd {root_view} && {env} {python} -m pytest tests/security "
           "tests/scenarios/test_grader_isolation.py -q -p no:cacheprovider "
           f"--basetemp={base} --deselect tests/security/test_nonroot.py --deselect "
           "tests/security/test_covert_channel.py::"
           "test_positive_control_unsealed_evaluation_leaks_hidden_bytes --deselect "
           "tests/scenarios/test_grader_isolation.py::"
           "test_without_isolation_the_peek_would_succeed")
    try:
        if bind:
            for view in views.values():
                view.mkdir(parents=True, mode=0o755)
            mounts.chmod(0o755)
            binds = " && ".join(f"mount --bind -o ro {shlex.quote(str(host))} "
                                f"{shlex.quote(str(view))}" for host, view in views.items())
            su = shlex.join(["su", USER, "-s", "/bin/bash", "-c", cmd])
            r = subprocess.run(["unshare", "--mount", "--propagation", "private", "--",
                                "bash", "-c", f"{binds} && {su}"],
                               capture_output=True, text=True, timeout=3000)
        else:
            r = _as_user(cmd, timeout=3000)
        assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
        assert " passed" in r.stdout and "failed" not in r.stdout, r.stdout[-2000:]
    finally:
        subprocess.run(["rm", "-rf", str(base)], check=False)
        for view in views.values() if bind else ():
            view.rmdir()  # empty: the mounts lived in the namespace, gone with it
        if bind:
            mounts.rmdir()
    print(r.stdout.strip().splitlines()[-1])


def test_a_blocked_checkout_is_found() -> None:
    """What the failure names when no bind mount is allowed: a clone in a `mktemp -d` folder."""
    folder = Path(tempfile.mkdtemp())  # 0700, as `mktemp -d` makes it
    try:
        (folder / "checkout").mkdir()
        assert _blocking(folder / "checkout") == folder
        folder.chmod(0o711)
        assert _blocking(folder / "checkout") is None
    finally:
        shutil.rmtree(folder)
