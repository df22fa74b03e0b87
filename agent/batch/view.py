"""The batch's live view: one line per run and the totals, read from the batch index."""

from __future__ import annotations

import time

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agent.batch.index import BatchRecorder, EntryRecord

STYLE = {"pending": "dim", "running": "cyan", "finished": "green", "failed": "red",
         "interrupted": "yellow"}
ORDER = {"running": 0, "failed": 1, "interrupted": 2, "pending": 3, "finished": 4}


class BatchView:
    """Rich renderable over a BatchRecorder; rows beyond ``max_rows`` are summarised."""

    def __init__(self, title: str, max_rows: int = 30) -> None:
        self.title = title
        self.max_rows = max_rows
        self.rec: BatchRecorder | None = None
        self.note = ""
        self.started = time.time()

    def attach(self, rec: BatchRecorder) -> None:
        self.rec = rec

    @staticmethod
    def _grade(e: EntryRecord) -> str:
        if e.grade:
            return f"{e.grade['passed']}/{e.grade['total']}"
        return e.live_grade or "-"

    def __rich__(self) -> RenderableType:
        if self.rec is None:
            return Text(f"{self.title}: expanding the matrix… {self.note}")
        entries = list(self.rec.index.entries)
        shown = entries if len(entries) <= self.max_rows else \
            sorted(entries, key=lambda e: ORDER[e.state])[:self.max_rows]
        t = Table(title=self.title, title_justify="left", box=None, pad_edge=False)
        for col in ("scenario", "model", "seed", "step", "calls", "grade", "state", "node"):
            t.add_column(col, justify="right" if col in ("seed", "step", "calls") else "left")
        for e in shown:
            t.add_row(e.scenario, e.model, str(e.seed), str(e.step), str(e.tool_calls),
                      self._grade(e), Text(e.state, style=STYLE[e.state]),
                      (e.node or "")[:12])
        tot = self.rec.totals()
        line = "  ".join(f"{k} {tot[k]}" for k in ("running", "finished", "failed",
                                                    "interrupted", "pending") if tot[k])
        more = f"  (+{len(entries) - len(shown)} not shown)" if len(shown) < len(entries) else ""
        elapsed = int(time.time() - self.started)
        foot = Text(f"{tot['total']} runs: {line}{more}   {elapsed // 60}:{elapsed % 60:02}")
        parts: list[RenderableType] = [t, foot]
        if self.note:
            parts.append(Text(self.note, style="dim"))
        return Group(*parts)
