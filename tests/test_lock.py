"""The lock (constraints.txt) pins everything `make` installs, and the suite runs on it.

`make test-latest` runs the suite on the newest releases instead (without the last test).
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, ver = line.partition("==")
            assert ver, f"constraints.txt: {line!r} is not an exact pin"
            pins[_name(name)] = ver.strip()
    return pins


def test_every_direct_dependency_is_pinned() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    direct = [*project["dependencies"], *extras["dev"], *extras["ray"], *extras["bench"]]
    pins = locked()
    assert not [r for r in direct if _name(r) not in pins], "make lock"
    assert "pip" in pins  # the installer itself too


def test_the_license_is_an_spdx_expression() -> None:
    """The table form makes every install print setuptools' deprecation warning."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"


def test_the_venv_holds_exactly_the_locked_versions() -> None:
    """What ran this suite is what a fresh `make setup` installs."""
    wrong = {}
    for name, pin in locked().items():
        try:
            got = version(name)
        except PackageNotFoundError:
            continue  # e.g. the bench extra, installed by `make bench` only
        if got != pin:
            wrong[name] = f"{got} (locked {pin})"
    assert not wrong, f"run `make setup` (or `make lock` after `make test-latest`): {wrong}"
