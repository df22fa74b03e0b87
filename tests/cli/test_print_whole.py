"""Tables of the CLI keep every field whole, however narrow the terminal or pipe."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from agent.cli.console import print_whole

RUN_ID = "20261207-221705-toy-c-compiler-reference-d6a5"


def table() -> Table:
    t = Table(box=None, pad_edge=False)
    for col in ("run", "status", "scenario", "model", "steps"):
        t.add_column(col, no_wrap=col == "run")
    t.add_row(RUN_ID, "interrupted", "toy-c-compiler", "qwen3-coder-30b", "1,297")
    return t


def test_a_narrow_console_gets_whole_rows() -> None:
    for width in (40, 80):  # a small terminal; the 80 columns rich assumes for a pipe
        out = io.StringIO()
        print_whole(table(), Console(file=out, width=width))
        lines = out.getvalue().splitlines()
        assert len(lines) == 2, lines  # a header and one row: nothing folded onto more lines
        assert lines[1].split() == [RUN_ID, "interrupted", "toy-c-compiler", "qwen3-coder-30b",
                                    "1,297"]
        assert "…" not in out.getvalue()


def test_a_wide_console_prints_as_usual() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200)
    print_whole(table(), console)
    plain = io.StringIO()
    Console(file=plain, width=200).print(table())
    assert out.getvalue() == plain.getvalue()
