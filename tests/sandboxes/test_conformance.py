"""``sandboxes/conformance.py`` run the way a third party runs it: ``pytest --pyargs`` with a
factory named in the environment (the built-in backends run it through test_protocol.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def _conformance(factory: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ULTRARUN_SANDBOX_FACTORY": factory}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--pyargs", "sandboxes.conformance", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=500)


def test_a_backend_of_ours_elsewhere_passes_every_contract_test() -> None:
    r = _conformance("tests.sandboxes.thirdparty:make_wrapped")
    assert r.returncode == 0, r.stdout[-3000:]
    assert "20 passed" in r.stdout


def test_a_backend_that_breaks_the_protocol_fails_it() -> None:
    r = _conformance("tests.sandboxes.thirdparty:make_forgetful", "-k", "cd_and_export")
    assert r.returncode == 1
    assert "1 failed" in r.stdout and "test_cd_and_export_persist" in r.stdout


def test_without_a_factory_it_says_what_to_set() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ULTRARUN_SANDBOX_FACTORY"}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "--pyargs", "sandboxes.conformance", "-k", "cd_and_export"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "ULTRARUN_SANDBOX_FACTORY=module:callable" in r.stdout
