"""Fixtures for the analysis tests: synthetic run folders with planted defects."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analysis.synth import planted_run


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return planted_run(tmp_path_factory.mktemp("planted") / "run")
