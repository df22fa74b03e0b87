"""The example of docs/scenarios.md runs as the docs say it does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "word-count"


@pytest.mark.docker
def test_word_count_example_end_to_end(tmp_path: Path, base_image: str) -> None:
    r = subprocess.run([sys.executable, "-m", "agent.cli.main", "run", str(EXAMPLE), "--model",
                        f"script:{EXAMPLE / 'solution.yaml'}", "--logs", str(tmp_path),
                        "--json"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["end_reason"] == "finished"
    assert summary["grade"]["passed"] == summary["grade"]["total"] == 7
    assert summary["grade"]["stages"] == {"counts": [6, 6], "errors": [1, 1]}


def test_docs_scenario_page_shows_the_example() -> None:
    page = (ROOT / "docs" / "scenarios.md").read_text()
    for name in ("scenario.yaml", "grade.py", "solution.yaml"):
        assert name in page
    # The YAML shown in the page is the example's own file.
    assert (EXAMPLE / "scenario.yaml").read_text().strip() in page
