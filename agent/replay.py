"""`ultrarun replay`: read a run folder step by step, follow a live one, or re-execute it.

Three parts, each usable on its own:

* views — `group_steps` turns events into `StepView`s; `listing_lines`, `step_lines`,
  `step_diff` and `full_output` render them as plain text.
* the viewer — a pure `ViewerState` + `handle_key(state, key)`, a `render` of a state, and
  `run_viewer`, the only part that touches the terminal.
* `follow` (tail a live events.jsonl) and `execute` (re-run the recorded tool calls in a fresh
  sandbox from the first snapshot and report where the results diverge).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import termios
import time
import tty
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError
from rich.console import Console, Group
from rich.text import Text

from agent.cli.safe_text import visible, visible_lines
from agent.trajectory import EventBase, LoadedRun, parse_event
from agent.trajectory.reader import writer_alive
from sandboxes.errors import HarnessError, UserError

# -- views of a run -------------------------------------------------------------------------


@dataclass
class CallView:
    """One tool call and its recorded result (None while it runs, or if the run died)."""

    call: EventBase
    result: EventBase | None = None

    @property
    def call_id(self) -> str:
        return str(getattr(self.call, "call_id", ""))

    @property
    def name(self) -> str:
        return str(getattr(self.call, "name", "?"))


@dataclass
class StepView:
    """Everything recorded for one model turn."""

    step: int
    model: EventBase | None = None
    calls: list[CallView] = field(default_factory=list)
    messages: list[EventBase] = field(default_factory=list)
    snapshot: EventBase | None = None
    others: list[EventBase] = field(default_factory=list)  # evaluations, errors, context …

    @property
    def tools(self) -> list[str]:
        return [c.name for c in self.calls]

    @property
    def content(self) -> str:
        msg = getattr(self.model, "message", None) or {}
        content = msg.get("content") if isinstance(msg, dict) else None
        return content if isinstance(content, str) else ""

    def search_text(self) -> str:
        """All text of the step, lowercased, for search."""
        parts = [self.content, str(getattr(self.model, "reasoning", "") or "")]
        for c in self.calls:
            parts += [c.name, json.dumps(getattr(c.call, "arguments", None) or {}),
                      str(getattr(c.call, "raw_arguments", "") or ""),
                      str(getattr(c.result, "output", "") or "")]
        parts += [str(getattr(m, "content", "")) for m in self.messages]
        return "\n".join(parts).lower()


def group_steps(events: list[EventBase]) -> list[StepView]:
    """Events grouped by model turn (steps ≥ 1, in order); step 0 (the start) is left out."""
    steps: dict[int, StepView] = {}
    pending: dict[str, CallView] = {}
    for e in events:
        if e.step < 1 or e.type in ("run_start", "run_end"):
            continue
        sv = steps.setdefault(e.step, StepView(e.step))
        if e.type == "model_call":
            sv.model = e
        elif e.type == "tool_call":
            cv = CallView(e)
            sv.calls.append(cv)
            pending[cv.call_id] = cv
        elif e.type == "tool_result":
            cid = str(getattr(e, "call_id", ""))
            if cid in pending:
                pending.pop(cid).result = e
            else:  # a result with no recorded call: show it anyway
                sv.calls.append(CallView(e, e))
        elif e.type == "message":
            sv.messages.append(e)
        elif e.type == "snapshot":
            sv.snapshot = e
        else:
            sv.others.append(e)
    return [steps[k] for k in sorted(steps)]


def _one_line(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def call_args_text(cv: CallView) -> str:
    """The call's arguments as a person reads them: bash shows its command line."""
    args = getattr(cv.call, "arguments", None)
    if args is None:
        raw = getattr(cv.call, "raw_arguments", "") or ""
        return f"<unparsable arguments: {raw}>"
    if cv.name == "bash" and isinstance(args.get("command"), str):
        return str(args["command"])
    return json.dumps(args, ensure_ascii=False)


def _result_tag(cv: CallView) -> str:
    r = cv.result
    if r is None:
        return "no result"
    exit_code = getattr(r, "exit_code", None)
    tag = f"exit {exit_code}" if exit_code is not None else (
        "ok" if getattr(r, "ok", False) else f"error {getattr(r, 'error_kind', '') or ''}".strip())
    if getattr(r, "timed_out", False):
        tag += " timeout"
    if getattr(r, "truncated", False):
        tag += " cut"
    return tag


def _model_failure(sv: StepView) -> EventBase | None:
    return next((e for e in sv.others if e.type == "error"
                 and getattr(e, "where", "") == "model"), None)


def _step_retries(sv: StepView) -> list[dict]:
    out = list(getattr(sv.model, "retries", None) or [])
    for e in sv.others:
        if e.type == "error" and getattr(e, "where", "") == "model":
            out += list(getattr(e, "retries", None) or [])
        elif e.type == "context":
            out += list((getattr(e, "details", {}) or {}).get("retries") or [])
    return out


def summary_line(sv: StepView, width: int = 160) -> str:
    """One line for a step: its calls and their results, then the model's words.

    A turn with no usable tool call says so (``text only``); a model call that failed for good
    shows its error instead; retried attempts are counted in brackets.
    """
    failure = _model_failure(sv)
    if sv.calls:
        calls = "; ".join(f"{c.name}: {_one_line(call_args_text(c), 40)} → {_result_tag(c)}"
                          for c in sv.calls)
    elif failure is not None and sv.model is None:
        calls = f"(model call failed: {_one_line(str(getattr(failure, 'message', '')), 70)})"
    elif any(getattr(m, "reason", "") == "format_error" for m in sv.messages):
        calls = "(no tool call: text only)"
    else:
        calls = "(no tool call)"
    retries = _step_retries(sv)
    if retries:
        calls += f" [{len(retries)} {'retry' if len(retries) == 1 else 'retries'}]"
    changed = " *" if sv.snapshot is not None and getattr(sv.snapshot, "changed", False) else ""
    head = f"{sv.step:>5}  {calls}{changed}"
    words = _one_line(sv.content, max(0, width - len(head) - 4))
    return f"{head}  | {words}" if words else head


def listing_lines(run: LoadedRun) -> list[str]:
    """A header, then one line per step (`*`: the step changed the workspace)."""
    info = run.current_info  # what the events say, when run.json is stale
    out = []
    if info is not None:
        out.append(f"run {info.run_id}  scenario {info.scenario}  model {info.model} "
                   f"({info.model_kind})  {info.status}"
                   + (f" ({info.end_reason})" if info.end_reason else ""))
        if info.error:
            out.append(f"error: {_one_line(info.error, 300)}")
    steps = group_steps(run.events)
    out.append(f"{len(steps)} steps, {sum(len(s.calls) for s in steps)} tool calls "
               "(* = workspace changed)")
    out += [summary_line(s) for s in steps]
    return out


def _indent(text: str, prefix: str = "    ") -> list[str]:
    return [prefix + line for line in (text.splitlines() or [""])]


def step_lines(run: LoadedRun, sv: StepView) -> list[str]:
    """The whole of one step as text: model turn, calls and results as recorded."""
    start = run.info.started_at if run.info and run.info.started_at else (
        run.events[0].t if run.events else 0.0)
    m = sv.model
    out = [f"step {sv.step}"]
    if m is not None:
        stamp = datetime.fromtimestamp(m.t).strftime("%Y-%m-%d %H:%M:%S")
        when = f"at {stamp} (+{m.t - start:.1f}s)"
        if run.info is not None and run.info.totals.wall_s is None:
            when = "time n/a"  # an import whose source records no time: t is the import's
        cost = getattr(m, "cost", None)
        out[0] += (f"  {when}  tokens "
                   f"{getattr(m, 'prompt_tokens', None) or 0}/"
                   f"{getattr(m, 'completion_tokens', None) or 0}"
                   + (f"  cost ${cost:.4f}" if cost else ""))
        out += ["assistant:", *_indent(sv.content or "(no text)")]
        if getattr(m, "reasoning", None):
            out += ["reasoning:", *_indent(str(m.reasoning))]  # type: ignore[attr-defined]
        if getattr(m, "format_error", None):
            out.append(f"format error: {m.format_error}")  # type: ignore[attr-defined]
    retries = _step_retries(sv)
    if retries:
        from agent.analysis.report import retries_text

        out.append(f"model call retried: {retries_text(retries)}")
        out += [f"    attempt {r.get('attempt')}: {_one_line(str(r.get('error', '')), 150)}"
                f" (waited {float(r.get('wait_s') or 0):.1f} s)" for r in retries]
    for cv in sv.calls:
        out.append(f"tool call {cv.call_id}: {cv.name}")
        prefix = "    $ " if cv.name == "bash" else "    "
        out += _indent(call_args_text(cv), prefix)
        r = cv.result
        if r is None:
            out.append("result: none recorded")
            continue
        line = f"result: {_result_tag(cv)}, {'ok' if getattr(r, 'ok', False) else 'failed'}, " \
               f"{getattr(r, 'duration_s', 0.0):.2f}s"
        if getattr(r, "note", None):
            line += f"  ({r.note})"  # type: ignore[attr-defined]
        if getattr(r, "truncated", False):
            line += f"  [output cut for the model; full output: " \
                    f"{getattr(r, 'output_ref', None) or 'not stored'}]"
        out += [line, *_indent(str(getattr(r, "output", "")))]
    for msg in sv.messages:
        out.append(f"message ({getattr(msg, 'role', '?')}, {getattr(msg, 'reason', '')}):")
        out += _indent(str(getattr(msg, "content", "")))
    for e in sv.others:
        if e.type == "evaluation":
            out.append(f"evaluation: {getattr(e, 'passed', 0)}/{getattr(e, 'total', 0)} at "
                       f"{getattr(e, 'tool_calls', 0)} tool calls"
                       + (f" (error: {e.error})" if getattr(e, "error", None) else ""))
        elif e.type == "error":
            out.append(f"error: {getattr(e, 'message', '')}")
        else:
            extra = {k: v for k, v in e.model_dump().items()
                     if k not in ("seq", "t", "type", "step")}
            out.append(f"{e.type}: {_one_line(json.dumps(extra, default=str), 200)}")
    if sv.snapshot is not None:
        commit = str(getattr(sv.snapshot, "commit", ""))[:10]
        changed = getattr(sv.snapshot, "changed", False)
        out.append(f"snapshot {commit} ({'workspace changed' if changed else 'no change'})")
    return out


def _snapshot_commits(run: LoadedRun) -> list[tuple[int, str]]:
    return [(e.step, str(getattr(e, "commit", ""))) for e in run.of_type("snapshot")
            if getattr(e, "commit", "")]


def step_diff(run: LoadedRun, step: int) -> str:
    """The workspace diff made by ``step``, from snapshots.git."""
    git_dir = run.run_dir / "snapshots.git"
    commits = _snapshot_commits(run)
    if not git_dir.exists() or not commits:
        return "(no snapshots.git in this run: no workspace history)"
    mine = [c for s, c in commits if s == step]
    if not mine:
        return f"(step {step} has no snapshot: it did not complete)"
    before = [c for s, c in commits if s < step]
    if before and before[-1] == mine[-1]:
        return f"(step {step} did not change the workspace)"
    from agent.trajectory.gitsafe import git_env

    # Only the run's own repository, with no outside config and no diff drivers.
    args = ["git", "-c", "core.quotepath=off"]
    if before:
        args += ["diff", "--no-ext-diff", "--no-textconv", "--stat", "--patch", before[-1],
                 mine[-1]]
    else:
        args += ["show", "--no-ext-diff", "--no-textconv", "--stat", "--patch",
                 "--format=(initial workspace)", mine[-1]]
    r = subprocess.run(args, capture_output=True, text=True, errors="replace",
                       cwd=git_dir, env=git_env(git_dir))
    if r.returncode != 0:
        return f"(git failed: {r.stderr.strip()})"
    return r.stdout or "(empty diff)"


def full_output(run: LoadedRun, cv: CallView, limit: int = 2_000_000) -> str:
    """A call's full output: outputs/<call_id>.log when it was cut, else as recorded."""
    r = cv.result
    if r is None:
        return "(no result recorded)"
    ref = getattr(r, "output_ref", None)
    if ref:
        path = run.run_dir / str(ref)
        outputs = (run.run_dir / "outputs").resolve()
        if outputs not in path.resolve().parents:  # a run folder from elsewhere is data
            return f"({ref} is not in this run's outputs/; as recorded:)\n" \
                   f"{getattr(r, 'output', '')}"
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read(limit + 1)
            return text if len(text) <= limit else text[:limit] + "\n[… shown up to 2 MB]"
        except OSError as e:
            return f"({ref} unreadable: {e}; as recorded:)\n{getattr(r, 'output', '')}"
    return str(getattr(r, "output", ""))


# -- the interactive viewer: pure state and keys --------------------------------------------

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
                        f"{_one_line(call_args_text(cv), 60)})", "",
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


def run_viewer(run: LoadedRun, console: Console | None = None) -> None:
    """The interactive viewer, on the terminal of stdin/stdout."""
    console = console or Console()
    data = ViewerData(run)
    state = ViewerState(index_steps(data.steps))
    if run.warnings:  # also printed before the screen opened, where it is hidden now
        state = replace(state, message=f"{len(run.warnings)} warning(s): {run.warnings[0]}")
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
                    state = handle_key(state, keys.read())
                except KeyboardInterrupt:
                    break
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


# -- follow ---------------------------------------------------------------------------------


def lock_held(run_dir: Path) -> bool:
    """Whether a process holds the run's `.lock` (the runner keeps it for the whole run)."""
    return writer_alive(run_dir)


class Tail:
    """Reads the complete new lines of a growing events.jsonl; keeps a partial last line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.lineno = 0
        self.partial = b""

    def read(self, warn: Callable[[str], None]) -> list[EventBase]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(chunk)
        data = self.partial + chunk
        lines = data.split(b"\n")
        self.partial = lines.pop()  # b"" when the chunk ended with a newline
        events = []
        for raw in lines:
            self.lineno += 1
            try:
                obj = json.loads(raw)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                events.append(parse_event(obj))
            except (ValueError, ValidationError) as e:
                warn(f"{self.path}:{self.lineno}: unreadable event skipped "
                     f"({str(e).splitlines()[0][:120]})")
        return events


def follow(run_dir: Path, out: Callable[[str], None], warn: Callable[[str], None],
           poll_s: float = 0.5, idle_polls: int = 6) -> str:
    """Print steps of a run as they complete until it ends; returns why it stopped.

    Stops when a `run_end` has arrived and no process holds the `.lock`; also when nobody
    holds the lock, there is no `run_end` and nothing new arrived for ``idle_polls`` polls
    (a crashed run), so following a dead run does not hang.
    """
    tail = Tail(run_dir / "events.jsonl")
    events: list[EventBase] = []
    printed: set[int] = set()
    ended = False
    idle = 0
    try:
        while True:
            new = tail.read(warn)
            idle = 0 if new else idle + 1
            for e in new:
                events.append(e)
                if e.type == "run_start":
                    out(f"run {getattr(e, 'run_id', '')} started "
                        f"({len(getattr(e, 'tools', []))} tools)")
                elif e.type == "run_end":
                    ended = True
                elif e.type == "evaluation":  # lands a few events after the step it graded
                    out(f"      evaluation of step {e.step}: {getattr(e, 'passed', 0)}/"
                        f"{getattr(e, 'total', 0)} tests pass")
            steps = group_steps(events)
            last = max((e.step for e in events), default=0)
            for sv in steps:
                # A step is done at its snapshot; without snapshots (imported runs), when a
                # later step has begun or the run has ended.
                done = sv.snapshot is not None or sv.step < last or ended
                if done and sv.step not in printed:
                    printed.add(sv.step)
                    out(summary_line(sv))
            if ended and not lock_held(run_dir):
                end = next(e for e in reversed(events) if e.type == "run_end")
                out(f"run ended: {getattr(end, 'status', '')} ({getattr(end, 'end_reason', '')})")
                return "ended"
            if not ended and idle >= idle_polls and not lock_held(run_dir):
                out("no process is writing this run and it has no run_end (crashed or "
                    "interrupted? `ultrarun resume` continues it)")
                return "abandoned"
            time.sleep(poll_s)
    except KeyboardInterrupt:
        out("stopped following (Ctrl-C)")
        return "interrupted"


# -- execute --------------------------------------------------------------------------------


class Divergence(BaseModel):
    step: int
    call_id: str
    tool: str
    kinds: list[str]  # exit_code | output | ok | error
    recorded_exit: int | None
    replayed_exit: int | None
    recorded_line: str | None = None  # the first line that differs, as recorded …
    replayed_line: str | None = None  # … and as replayed
    line: int | None = None  # its 1-based number


class ExecuteReport(BaseModel):
    run_dir: str
    sandbox: str
    commit: str
    calls: int
    replayed: int
    skipped: int
    diverged: list[Divergence]


def _first_difference(a: str, b: str) -> tuple[int, str, str]:
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<end of output>"
        y = lb[i] if i < len(lb) else "<end of output>"
        if x != y:
            return i + 1, x[:200], y[:200]
    return 1, a[:200], b[:200]  # differ only in trailing newlines


def recorded_calls(run: LoadedRun) -> Iterator[tuple[EventBase, EventBase]]:
    """(tool_call, tool_result) pairs in the order they ran."""
    pending: dict[str, EventBase] = {}
    for e in run.events:
        if e.type == "tool_call":
            pending[str(getattr(e, "call_id", ""))] = e
        elif e.type == "tool_result":
            call = pending.pop(str(getattr(e, "call_id", "")), None)
            if call is not None:
                yield call, e


def _export(git_dir: Path, commit: str, dest: Path) -> None:
    """The workspace at ``commit``, read-only on the run (the run may still be live)."""
    from agent.trajectory.snapshots import SnapshotError, SnapshotStore

    try:
        SnapshotStore(git_dir).export(commit, dest)
    except SnapshotError as e:
        raise UserError(f"cannot export {commit[:10]}: {e}") from None


def execute(run: LoadedRun, sandbox: str = "docker",
            progress: Callable[[str], None] = lambda _m: None) -> ExecuteReport:
    """Re-run the recorded tool calls from the initial workspace through ToolBox.dispatch."""
    from agent.models.base import ToolCall
    from agent.runner import _open, run_scenario, scenario_image
    from agent.tools.base import ToolContext
    from agent.tools.toolbox import CommandTool, ToolBox
    from sandboxes import SandboxDied, SandboxError
    from scenarios.loader import ScenarioError

    run_dir = run.run_dir
    info = run.info
    if sandbox not in ("docker", "local"):
        raise UserError(f"--sandbox {sandbox!r}: use docker or local")
    commits = _snapshot_commits(run)
    git_dir = run_dir / "snapshots.git"
    if info is None or not commits or not git_dir.exists():
        raise UserError(f"{run_dir}: no snapshots.git with an initial workspace (an imported "
                        "run?): nothing to re-execute from")
    try:
        scenario = run_scenario(run_dir, info)
    except ScenarioError as e:
        raise UserError(f"{run_dir}: its scenario cannot be loaded: {e}") from None
    commit = commits[0][1]
    toolbox = ToolBox(scenario.tools, extra=[CommandTool(t) for t in scenario.command_tools])
    pairs = list(recorded_calls(run))
    diverged: list[Divergence] = []
    replayed = skipped = 0
    recorded_ws = str((run_dir / "workspace").resolve())
    with tempfile.TemporaryDirectory(prefix="ultrarun-replay-",
                                     ignore_cleanup_errors=True) as tmp:
        ws, outs = Path(tmp) / "workspace", Path(tmp) / "outputs"
        outs.mkdir()
        progress(f"exporting the initial workspace ({commit[:10]})")
        _export(git_dir, commit, ws)
        client = image = None
        if sandbox == "docker":
            from sandboxes.engine import connect

            client = connect()
            if client is None:
                raise HarnessError("no Docker engine answers: run `ultrarun sandbox doctor`, "
                                   "or use --sandbox local")
            image = scenario_image(scenario, client, progress)
        run_id = f"replay-{info.run_id}"[:60]
        try:
            sb = _open(sandbox, scenario, ws, image, run_id, outs, client, None)
            sb.__enter__()
        except SandboxError as e:
            raise HarnessError(f"cannot start the {sandbox} sandbox: {e}") from None
        try:
            ctx = ToolContext(sandbox=sb, outputs_dir=outs,
                              default_timeout=float(info.options.get("command_timeout", 120)))
            for n, (call_ev, res) in enumerate(pairs, 1):
                if getattr(res, "error_kind", None) in ("after_finish", "sandbox"):
                    skipped += 1  # never ran, or died with its sandbox: nothing to compare
                    continue
                call = ToolCall(id=str(getattr(call_ev, "call_id", "")),
                                name=str(getattr(call_ev, "name", "")),
                                arguments=getattr(call_ev, "arguments", None),
                                raw_arguments=str(getattr(call_ev, "raw_arguments", "") or ""),
                                parse_error=getattr(call_ev, "parse_error", None))
                progress(f"call {n}/{len(pairs)}: {call.name}")
                kinds: list[str] = []
                try:
                    shown = toolbox.dispatch(call, ctx)
                    text, out = shown.display, shown.output
                    if shown.needs_store:  # later read_log calls read it from outputs/
                        target = outs / f"{_safe(call.id)}.log"
                        if out.spilled is not None and out.spilled.exists():
                            shutil.move(str(out.spilled), target)
                        else:
                            target.write_text(out.text, errors="replace")
                    exit_code, ok = out.exit_code, out.ok
                except SandboxDied as e:
                    text, exit_code, ok = f"sandbox died: {e}", None, False
                    kinds.append("error")
                replayed += 1
                if sandbox == "local":  # the workspace moved: compare modulo its path
                    text = text.replace(str(ws.resolve()), recorded_ws).replace(str(ws),
                                                                                recorded_ws)
                rec_exit = getattr(res, "exit_code", None)
                if exit_code != rec_exit:
                    kinds.append("exit_code")
                if ok != getattr(res, "ok", None) and rec_exit == exit_code:
                    kinds.append("ok")
                recorded_out = str(getattr(res, "output", ""))
                if text != recorded_out:
                    kinds.append("output")
                if kinds:
                    line, a, b = _first_difference(recorded_out, text)
                    diverged.append(Divergence(
                        step=res.step, call_id=call.id, tool=call.name, kinds=kinds,
                        recorded_exit=rec_exit, replayed_exit=exit_code,
                        recorded_line=a if "output" in kinds else None,
                        replayed_line=b if "output" in kinds else None,
                        line=line if "output" in kinds else None))
        finally:
            sb.close()
    return ExecuteReport(run_dir=str(run_dir), sandbox=sandbox, commit=commit,
                         calls=len(pairs), replayed=replayed, skipped=skipped,
                         diverged=diverged)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:100]
