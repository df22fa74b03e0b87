"""Text from a run shown on a terminal with its control characters made visible.

Tool output, model text, file names and test ids come from the agent. Printed raw, an ESC
sequence could clear the screen, retitle the window, write the clipboard (OSC 52), hide text or
fake a prompt; a carriage return or a bidi override could disguise a line. Everything printed
from a run goes through ``visible``: ESC becomes ``␛``, the other C0 controls their Unicode
control pictures (``␍``, ``␇`` ...), DEL ``␡``, C1 controls ``\\x9b``-style escapes and bidi
controls ``<U+202E>``. Newlines and tabs stay (they only move the cursor forward).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment

_BIDI = [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
TABLE: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20) if c not in (0x09, 0x0A)}
TABLE[0x7F] = "\u2421"
TABLE.update({c: f"\\x{c:02x}" for c in range(0x80, 0xA0)})
TABLE.update({c: f"<U+{c:04X}>" for c in _BIDI})


def visible(text: str) -> str:
    """``text`` with every terminal control character shown as a visible stand-in."""
    return text.translate(TABLE)


def visible_lines(lines: Iterable[str]) -> list[str]:
    return [visible(line) for line in lines]


class Visible:
    """A rich renderable shown with control characters made visible (for tables and panels
    built from run data: sanitising the segments catches every cell)."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for seg in console.render(self.renderable, options):
            if seg.control:  # rich's own cursor moves, never from the run
                yield seg
            else:
                yield Segment(visible(seg.text), seg.style)
