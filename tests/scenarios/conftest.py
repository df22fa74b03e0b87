"""What the scenario tests share: the toy reference compiler, rendered from its one (staged)
copy, and a scenario's folders as ultrarun assembles them (with what they include)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.scenario.loader import load_scenario
from ultrarun.policy import write_stage

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TOY_STAGED = SCENARIOS / "toy-c-compiler" / "reference" / "staged"


def compiler(root: Path, name: str, script: str) -> Path:
    """A workspace ``root/name`` whose ``compile`` is ``script`` (a /bin/sh body)."""
    ws = root / name
    ws.mkdir()
    (ws / "compile").write_text("#!/bin/sh\n" + script)
    (ws / "compile").chmod(0o755)
    return ws


def toy_reference(dest: Path) -> Path:
    """The toy C compiler's reference (``compile`` and ``toyc/``) written into ``dest``."""
    write_stage(TOY_STAGED, dest)
    return dest


@pytest.fixture(scope="session")
def c_compiler_grader(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """c-compiler's ``/grader`` as a grading sees it: its own files plus toy-c-compiler's tier 1
    tests, jail and runner (``include:``)."""
    tree = load_scenario("c-compiler").grader_tree
    assert tree is not None
    return tree.assemble(tmp_path_factory.mktemp("c-compiler") / "grader")
