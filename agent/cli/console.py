"""Console helpers shared by CLI commands."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console, RenderableType

err_console = Console(stderr=True)
out_console = Console()


def print_whole(renderable: RenderableType, console: Console = out_console) -> None:
    """Print a table with every field whole. When the console is too narrow even with every
    wrappable cell wrapped at its words (rich would cut cells to a letter or two and "…":
    `ls` at 80 columns, or piped, for which rich assumes 80), the table is printed at its full
    width and its rows wrap as any long line does, like `docker ps`: ids stay copyable, and
    grep sees them. Otherwise rich wraps cells at their words, as usual."""
    size = console.measure(renderable, options=console.options.update(max_width=1 << 14))
    if size.minimum <= console.width:
        console.print(renderable)
        return
    Console(file=console.file, width=size.maximum,
            color_system="auto" if console.color_system else None,
            force_terminal=console.is_terminal, no_color=console.no_color).print(renderable)


def display_path(path: Path | str) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        cwd = os.getcwd()
    except OSError:  # the working directory was removed under us
        return str(path)
    p = os.path.abspath(path)
    if p == cwd:
        return "."
    return os.path.relpath(p, cwd) if p.startswith(cwd + os.sep) else p


@contextmanager
def progress_status(message: str, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A rich spinner whose text a callback updates; silent when ``quiet``."""
    if quiet or not err_console.is_terminal:
        def note(text: str) -> None:
            if not quiet and text.strip():
                err_console.print(f"[dim]{text}[/dim]", highlight=False)

        yield note
        return
    with err_console.status(message) as status:
        yield lambda text: status.update(f"{message}: [dim]{text}[/dim]")


def cli_name() -> str:
    """How to call this ultrarun from the user's shell: ``ultrarun`` when that is on PATH (and
    is this one), else this one's path (e.g. ``.venv/bin/ultrarun`` after `make demo`, whose
    venv a new shell has not activated)."""
    import shutil
    import sys

    exe = Path(sys.argv[0])
    if exe.name != "ultrarun":  # python -m agent.cli.main, or an embedding
        return "ultrarun"
    found = shutil.which("ultrarun")
    if found and Path(found).resolve() == exe.resolve():
        return "ultrarun"
    return display_path(exe) if exe.is_absolute() or exe.parent != Path() else str(exe)
