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


def test_a_table_that_fits_prints_as_usual() -> None:
    # Wide enough for every column (200), or for every column with its cells wrapped at their
    # words (the titles at 40): what rich prints, cut nowhere.
    for make, width in ((table, 200), (wrappable, 40)):
        out, plain = io.StringIO(), io.StringIO()
        print_whole(make(), Console(file=out, width=width))
        Console(file=plain, width=width).print(make())
        assert out.getvalue() == plain.getvalue()
        assert "…" not in out.getvalue()


def wrappable() -> Table:
    t = Table(box=None, pad_edge=False)
    t.add_column("name", no_wrap=True)
    t.add_column("title")
    t.add_row("toy-c-compiler", "Build a C compiler (x86-64, 18 stages, 380 hidden tests)")
    return t


def test_long_text_still_wraps_at_its_words() -> None:
    out = io.StringIO()
    print_whole(wrappable(), Console(file=out, width=40))
    lines = out.getvalue().splitlines()
    assert len(lines) > 2 and all(len(line) <= 40 for line in lines)
    assert "…" not in out.getvalue() and "hidden" in out.getvalue()
