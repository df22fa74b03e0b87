"""The interactive terminal viewer of `ultrarun replay`.

A pure `ViewerState` + `handle_key(state, key)`, a `render` of a state, and `run_viewer`, the
only part that touches the terminal.
"""

from __future__ import annotations

import os
import select
import sys
import termios
import tty
from dataclasses import dataclass, replace
from typing import Literal

from rich.console import Console, Group
from rich.text import Text

from agent.replay.views import (
    StepView,
    call_args_text,
    full_output,
    group_steps,
    one_line,
    step_diff,
    step_lines,
)
from agent.textsafe import visible, visible_lines
from agent.trajectory import LoadedRun, load_run

View = Literal["step", "diff", "output", "help"]
Prompt = Literal["jump", "filter", "search"]
PAGE = 20


@dataclass(frozen=True)
class StepIndex:
    """What key handling needs of a step: its number, tools and searchable text."""

    step: int
    tools: tuple[str, ...]
    text: str
    calls: int


@dataclass(frozen=True)
class ViewerState:
    steps: tuple[StepIndex, ...]
    pos: int = 0  # index into ``steps``
    view: View = "step"
    tool_filter: str | None = None
    search: str | None = None
    prompt: Prompt | None = None
    buffer: str = ""
    scroll: int = 0
    call: int = 0  # which call's output the output view shows
    message: str = ""
    done: bool = False

    def matches(self, i: int) -> bool:
        s = self.steps[i]
        if self.tool_filter and self.tool_filter not in s.tools:
            return False
        return not (self.search and self.search.lower() not in s.text)

    def visible(self) -> list[int]:
        return [i for i in range(len(self.steps)) if self.matches(i)]

    @property
    def current(self) -> StepIndex | None:
        return self.steps[self.pos] if self.steps else None


def index_steps(steps: list[StepView]) -> tuple[StepIndex, ...]:
    return tuple(StepIndex(s.step, tuple(s.tools), s.search_text(), len(s.calls)) for s in steps)


def _move(state: ViewerState, direction: int) -> ViewerState:
    vis = state.visible()
    if not vis:
        return replace(state, message="no step matches the filter/search")
    after = [i for i in vis if (i > state.pos if direction > 0 else i < state.pos)]
    if not after:
        return replace(state, message="last matching step" if direction > 0
                       else "first matching step")
    target = after[0] if direction > 0 else after[-1]
    return replace(state, pos=target, scroll=0, call=0, message="")


def _settle(state: ViewerState) -> ViewerState:
    """After a filter or search changed: stay if the step still matches, else go to the next."""
    vis = state.visible()
    if not vis:
        return replace(state, message="no step matches")
    if state.pos in vis:
        return replace(state, message=f"{len(vis)} matching steps")
    target = next((i for i in vis if i > state.pos), vis[-1])  # else the nearest before
    return replace(state, pos=target, scroll=0, call=0, message=f"{len(vis)} matching steps")


def handle_key(state: ViewerState, key: str) -> ViewerState:
    """The state after one key. Keys are single characters or names: up down left right
    pgup pgdn home end enter esc backspace tab."""
    if state.prompt is not None:
        if key == "esc":
            return replace(state, prompt=None, buffer="", message="")
        if key == "backspace":
            return replace(state, buffer=state.buffer[:-1])
        if key == "enter":
            kind, text = state.prompt, state.buffer.strip()
            state = replace(state, prompt=None, buffer="")
            if kind == "jump":
                if not text.isdigit():
                    return replace(state, message=f"not a step number: {text!r}")
                want = int(text)
                nums = [s.step for s in state.steps]
                if want not in nums:
                    return replace(state, message=f"no step {want} (steps "
                                   f"{nums[0] if nums else 0}..{nums[-1] if nums else 0})")
                state = replace(state, pos=nums.index(want), scroll=0, call=0, message="")
                if not state.matches(state.pos):
                    state = replace(state, message="(this step is hidden by the filter/search)")
                return state
            if kind == "filter":
                return _settle(replace(state, tool_filter=text or None))
            return _settle(replace(state, search=text or None))
        if len(key) == 1 and key.isprintable():
            return replace(state, buffer=state.buffer + key)
        return state
    cur = state.current
    match key:
        case "q":
            return replace(state, done=True)
        case "n" | "right" | "l":
            return _move(state, +1)
        case "p" | "left" | "h":
            return _move(state, -1)
        case "down" | "j":
            return replace(state, scroll=state.scroll + 1)
        case "up" | "k":
            return replace(state, scroll=max(0, state.scroll - 1))
        case "pgdn" | " ":
            return replace(state, scroll=state.scroll + PAGE)
        case "pgup" | "b":
            return replace(state, scroll=max(0, state.scroll - PAGE))
        case "home":
            return replace(state, scroll=0)
        case "g" | ":":
            return replace(state, prompt="jump", buffer="", message="")
        case "f":
            return replace(state, prompt="filter", buffer="", message="")
        case "/":
            return replace(state, prompt="search", buffer="", message="")
        case "c":
            return _settle(replace(state, tool_filter=None, search=None))
        case "d":
            return replace(state, view="step" if state.view == "diff" else "diff", scroll=0)
        case "o":
            if cur is None or cur.calls == 0:
                return replace(state, message="this step has no tool call")
            return replace(state, view="step" if state.view == "output" else "output",
                           scroll=0)
        case "tab":
            if state.view == "output" and cur is not None and cur.calls:
                return replace(state, call=(state.call + 1) % cur.calls, scroll=0)
            return state
        case "?":
            return replace(state, view="step" if state.view == "help" else "help", scroll=0)
        case "esc":
            return replace(state, view="step", scroll=0, message="")
    return state


HELP = """keys
  n / p  (→ / ←)   next / previous step (among those matching the filter and search)
  g or :           go to a step by number (type it, then Enter)
  f                filter by tool name (Enter on an empty name clears it)
  /                search the step text, calls and outputs (Enter on empty clears)
  c                clear filter and search
  d                the workspace diff of this step (from snapshots.git)
  o                the full output of this step's tool call (Tab: next call)
  j / k  (↓ / ↑)   scroll one line;  space / b: a page
  Esc              back to the step;  ? this help;  q quit"""


class ViewerData:
    """The run behind a viewer, with the expensive views cached per step."""

    def __init__(self, run: LoadedRun) -> None:
        self.run = run
        self.steps = group_steps(run.events)
        self._cache: dict[tuple[str, int, int], list[str]] = {}

    def lines(self, state: ViewerState) -> list[str]:
        if state.view == "help":
            return HELP.splitlines()
        if not self.steps:
            return ["(this run has no steps yet)"]
        key = (state.view, state.pos, state.call)
        if key not in self._cache:
            sv = self.steps[state.pos]
            if state.view == "diff":
                text = step_diff(self.run, sv.step).splitlines()
            elif state.view == "output" and sv.calls:
                cv = sv.calls[min(state.call, len(sv.calls) - 1)]
                text = [f"full output of {cv.call_id} ({cv.name}: "
                        f"{one_line(call_args_text(cv), 60)})", "",
                        *full_output(self.run, cv).splitlines()]
            else:
                text = step_lines(self.run, sv)
            self._cache[key] = visible_lines(text)
        return self._cache[key]


def _style(line: str, view: View) -> Text:
    if view == "diff":
        style = ("green" if line.startswith("+") and not line.startswith("+++") else
                 "red" if line.startswith("-") and not line.startswith("---") else
                 "cyan" if line.startswith("@@") else "bold" if line.startswith("diff ") else "")
        return Text(line, style=style)
    if view == "step":
        for prefix, style in (("step ", "bold"), ("assistant:", "bold cyan"),
                              ("reasoning:", "bold magenta"), ("tool call ", "bold yellow"),
                              ("result:", "bold"), ("message ", "bold blue"),
                              ("evaluation:", "bold green"), ("snapshot ", "dim"),
                              ("    $ ", "yellow")):
            if line.startswith(prefix):
                return Text(line, style=style)
    return Text(line)


def render(state: ViewerState, data: ViewerData, width: int, height: int) -> Group:
    """One screen of the viewer: a header, the body from ``scroll``, a footer."""
    cur = state.current
    vis = state.visible()
    where = (f"step {cur.step} ({vis.index(state.pos) + 1}/{len(vis)} shown, "
             f"{len(state.steps)} in all)" if cur is not None and state.pos in vis
             else f"step {cur.step}" if cur else "no steps")
    run_id = visible(data.run.info.run_id if data.run.info else data.run.run_dir.name)
    head = Text.assemble((f" {run_id} ", "reverse"), " ", (where, "bold"),
                         f"  view: {state.view}")
    if state.tool_filter:
        head.append(f"  tool={state.tool_filter}", style="yellow")
    if state.search:
        head.append(f"  search={visible(repr(state.search))}", style="yellow")
    body_h = max(1, height - 3)
    lines = data.lines(state)
    top = min(state.scroll, max(0, len(lines) - 1))
    body = [_style(line, state.view) for line in lines[top:top + body_h]]
    for t in body:
        t.truncate(width, overflow="ellipsis")
    body += [Text("")] * (body_h - len(body))
    if state.prompt is not None:
        label = {"jump": "go to step", "filter": "tool name", "search": "search"}[state.prompt]
        foot = Text.assemble((f"{label}: ", "bold"), state.buffer, ("█", "blink"))
    else:
        foot = Text("n/p step  g jump  f filter  / search  d diff  o output  j/k scroll  "
                    "? help  q quit", style="dim")
        if state.message:
            foot = Text.assemble((visible(state.message), "yellow"), "  ", foot)
    more = f"lines {top + 1}-{min(len(lines), top + body_h)} of {len(lines)}"
    return Group(head, *body, Text(more, style="dim"), foot)


_KEYS = {b"\x1b[A": "up", b"\x1b[B": "down", b"\x1b[C": "right", b"\x1b[D": "left",
         b"\x1b[5~": "pgup", b"\x1b[6~": "pgdn", b"\x1b[H": "home", b"\x1b[F": "end",
         b"\x1bOA": "up", b"\x1bOB": "down", b"\x1bOC": "right", b"\x1bOD": "left",
         b"\r": "enter", b"\n": "enter", b"\x7f": "backspace", b"\x08": "backspace",
         b"\t": "tab", b"\x1b": "esc"}


class KeyReader:
    """Keys from a terminal in cbreak mode, escape sequences named. A lone Esc followed by a
    key is two keys, not an Alt chord (the viewer binds none)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pushback = b""

    def _byte(self, wait: float | None) -> bytes:
        if self.pushback:
            b, self.pushback = self.pushback[:1], self.pushback[1:]
            return b
        if wait is not None and not select.select([self.fd], [], [], wait)[0]:
            return b""
        return os.read(self.fd, 1)

    def read(self) -> str:
        data = self._byte(None)
        if data == b"\x1b":
            nxt = self._byte(0.03)
            if nxt in (b"[", b"O"):
                data += nxt
                while (b := self._byte(0.03)):
                    data += b
                    if b.isalpha() or b == b"~":
                        break
            else:
                self.pushback += nxt
        elif data and data[0] >= 0xC0:  # the rest of a UTF-8 character
            while (b := self._byte(0.01)) and b[0] & 0xC0 == 0x80:
                data += b
            if b and b[0] & 0xC0 != 0x80:
                self.pushback += b
        if data in _KEYS:
            return _KEYS[data]
        if data == b"\x03":
            raise KeyboardInterrupt
        return data.decode("utf-8", errors="replace")


def _events_size(run: LoadedRun) -> int:
    try:
        return (run.run_dir / "events.jsonl").stat().st_size
    except OSError:
        return -1


def run_viewer(run: LoadedRun, console: Console | None = None) -> None:
    """The interactive viewer, on the terminal of stdin/stdout."""
    console = console or Console()
    data = ViewerData(run)
    state = ViewerState(index_steps(data.steps))
    if run.warnings:  # also printed before the screen opened, where it is hidden now
        state = replace(state, message=f"{len(run.warnings)} warning(s): {run.warnings[0]}")
    size = _events_size(run)
    fd = sys.stdin.fileno()
    keys = KeyReader(fd)
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        with console.screen(hide_cursor=True) as screen:
            while not state.done:
                try:  # the real size, each frame: COLUMNS/LINES may be stale, windows resize
                    w, h = os.get_terminal_size(sys.stdout.fileno())
                    console.size = (w, h)
                except OSError:
                    w, h = console.size
                screen.update(render(state, data, w, h))
                try:
                    key = keys.read()
                except KeyboardInterrupt:
                    break
                grown = _events_size(run)
                if grown != size:  # a live run moved on: show its new steps too
                    size, run = grown, load_run(run.run_dir)
                    data = ViewerData(run)
                    state = replace(state, steps=index_steps(data.steps),
                                    message=f"the run has {len(data.steps)} steps now")
                state = handle_key(state, key)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
