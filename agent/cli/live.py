"""The live panel `run`, `resume` and `fork` show while a run goes (imported when one starts)."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agent.models.usage import cost_text
from agent.state import LoopState
from agent.textsafe import visible


def fmt_elapsed(seconds: float) -> str:
    """``H:MM:SS``."""
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02}:{s:02}"


class LiveView:
    """A rich panel following the loop: step, time, tokens, cost, last tool, grade."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.state = LoopState()
        self.run_dir = ""
        self.note = ""

    def update(self, state: LoopState) -> None:
        self.state = state

    def __rich__(self) -> Panel:
        s = self.state
        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold")
        t.add_column()
        t.add_row("step", f"{s.step}   tool calls {s.tool_calls}")
        t.add_row("elapsed", fmt_elapsed(time.time() - s.started))
        t.add_row("tokens", f"in {s.tokens_in:,}   out {s.tokens_out:,}")
        t.add_row("cost", cost_text(s.cost, s.model_calls, s.unpriced_calls))
        if s.retries:
            t.add_row("retries", str(s.retries))
        last = f"{s.last_tool}" + (f" (exit {s.last_exit})" if s.last_exit is not None else "")
        # The tool name and the notes come from the model and the endpoint: shown as plain
        # text (no markup) with control characters visible.
        t.add_row("last tool", Text(visible(last or "-")))
        t.add_row("grade", Text(visible(s.grade or "-")))
        parts: list[Any] = [t]
        if self.note:
            parts.append(Text(visible(self.note), style="dim"))
        return Panel(Group(*parts), title=Text(visible(self.title)),
                     subtitle=Text(visible(self.run_dir)), expand=False)
