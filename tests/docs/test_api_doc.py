"""docs/api.md runs as written: its ``python`` blocks, in order, as one script in a fresh
folder holding a copy of docs/examples/word-count (a block titled with a file name is that
file, written before the script runs). Every assertion the page shows is checked there."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
PAGE = ROOT / "docs" / "api.md"
BLOCK = re.compile(r"^```python(?: (?P<file>\S+))?\n(?P<code>.*?)^```$", re.M | re.S)


def blocks() -> list[tuple[str | None, str]]:
    return [(m["file"], m["code"]) for m in BLOCK.finditer(PAGE.read_text())]


def test_the_api_page_runs_as_written(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "docs" / "examples" / "word-count", tmp_path / "word-count")
    script: list[str] = []
    for name, code in blocks():
        if name:
            (tmp_path / name).write_text(code)
        else:
            script.append(code)
    (tmp_path / "page.py").write_text("\n".join(script) + "\nprint('PAGE OK')\n")
    r = subprocess.run([sys.executable, "page.py"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0 and "PAGE OK" in r.stdout, r.stdout[-3000:] + r.stderr[-5000:]


def test_the_page_shows_every_public_name() -> None:
    """Each name `ultrarun` exports is on the page (the API is what is documented)."""
    import ultrarun

    page = PAGE.read_text()
    missing = [n for n in ultrarun.__all__ if not re.search(rf"\b{re.escape(n)}\b", page)]
    assert not missing, missing
    files = {name for name, _ in blocks() if name}
    assert {"my_model.py", "my_tools.py", "my_backend.py"} <= files
