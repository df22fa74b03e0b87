"""The documentation is executable: every `console` block of README.md and docs/*.md runs.

Each block's ``$ `` lines run exactly as written, in order, with bash, in a fresh copy of the
repository (the files git tracks or would track: HEAD plus the working tree's changes) with
the default options (default ``--logs``, Docker sandbox), from the copy's root, the way a new
user types them after ``make demo``. A command exits 0 unless its line ends with a comment
``# exits N``. The lines shown under a command must appear in its output (stdout and stderr),
in that order; output may have more lines (blocks marked "shortened" show a part). Elapsed
times and snapshot commit ids (which hash a time) are the only values allowed to differ.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
WIDTH = "100"  # the terminal width the shown output was taken at
VOLATILE = [(re.compile(r"\b\d+:\d\d:\d\d\b"), "H:MM:SS"),  # elapsed wall time
            (re.compile(r"\(\d+\.\d s\)"), "(N.N s)"),  # a grading's duration
            (re.compile(r"\([0-9a-f]{10}\)"), "(COMMIT)")]  # commits hash their time


@dataclass
class Command:
    doc: str
    line: int
    text: str
    expected: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        m = re.search(r"#\s*exits (\d+)\s*$", self.text)
        return int(m.group(1)) if m else 0


def console_blocks(path: Path) -> list[list[Command]]:
    """The ``console`` blocks of a Markdown file, each a list of commands with their output."""
    blocks: list[list[Command]] = []
    current: list[Command] | None = None
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if current is None:
            if line.strip() == "```console":
                current = []
            continue
        if line.strip() == "```":
            blocks.append(current)
            current = None
        elif line.startswith("$ "):
            current.append(Command(path.name, n, line[2:]))
        elif current:
            current[-1].expected.append(line)
    return [b for b in blocks if b]


def normalise(line: str) -> str:
    for pattern, repl in VOLATILE:
        line = pattern.sub(repl, line)
    return line.rstrip()


def missing_lines(expected: list[str], output: str) -> list[str]:
    """Expected lines not found in order in ``output`` (blank lines are not compared)."""
    got = [normalise(x) for x in output.splitlines()]
    at = 0
    missing = []
    for want in (normalise(x) for x in expected if x.strip()):
        try:
            at = got.index(want, at) + 1
        except ValueError:
            missing.append(want)
    return missing


def fresh_copy(dest: Path) -> Path:
    """The repository as a clone would have it, plus uncommitted changes (no .venv, no logs)."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file() and not src.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


BLOCKS = [(doc, i, block) for doc in DOCS for i, block in enumerate(console_blocks(doc))]


def test_the_docs_have_console_blocks() -> None:
    names = {doc.name for doc, _i, _b in BLOCKS}
    assert "README.md" in names and "scenarios.md" in names


@pytest.mark.docker
@pytest.mark.parametrize("doc, index, block", BLOCKS,
                         ids=[f"{d.name}:{b[0].line}" for d, _i, b in BLOCKS])
def test_console_block_runs_as_written(doc: Path, index: int, block: list[Command],
                                       tmp_path: Path, base_image: str) -> None:
    clone = fresh_copy(tmp_path / "ultrarun")
    venv_bin = Path(sys.executable).parent  # `ultrarun` as `make` installed it
    env = {**os.environ, "PATH": f"{venv_bin}:{os.environ['PATH']}", "COLUMNS": WIDTH,
           "PYTHONPATH": str(clone)}  # the copy's code, not the checkout's
    env.pop("OPENAI_API_KEY", None)
    for cmd in block:
        r = subprocess.run(["bash", "-c", cmd.text], cwd=clone, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        where = f"{cmd.doc}:{cmd.line}: $ {cmd.text}"
        assert r.returncode == cmd.exit_code, f"{where}\nexit {r.returncode}\n{r.stdout}"
        missing = missing_lines(cmd.expected, r.stdout)
        assert not missing, f"{where}\nnot in the output: {missing}\noutput:\n{r.stdout}"
        assert "Traceback" not in r.stdout, f"{where}\n{r.stdout}"
