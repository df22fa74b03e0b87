"""Scripted reference policies: a Model driven by a Python generator, never a real model.

A policy is a generator that yields ``Turn``s (tool calls, with an optional thought) and gets
back an ``Observation`` holding what the tools answered — read from the conversation, exactly as
a model would see it. So a policy can run the tests, read the failures and react, through the
same tools, sandbox and recorder as any model.

    def plan() -> Plan:
        obs = yield Turn([bash("python3 run_tests.py")], "Run the tests first.")
        if "FAIL" in obs.text:
            yield Turn([edit("calc.py", "a - b", "a + b")])
        yield Turn([finish("fixed the sign")])
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

from agent.models.base import AssistantTurn, ModelBase, ScriptExhausted, tool_turn

LABEL = "reference (scripted policy)"


@dataclass
class Call:
    name: str
    arguments: dict[str, Any]


@dataclass
class Turn:
    calls: list[Call]
    thought: str | None = None


@dataclass
class Observation:
    """The tool results of the previous turn, in call order, as the model saw them."""

    texts: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def exit_code(self) -> int | None:
        """The exit code of the last bash call (from its ``[exit code N]`` line)."""
        for t in reversed(self.texts):
            tail = t.rstrip().rsplit("\n", 1)[-1]
            if tail.startswith("[exit code "):
                return int(tail[len("[exit code "):-1])
        return None


Plan = Generator[Turn, Observation, None]


def bash(command: str, timeout: int | None = None) -> Call:
    args: dict[str, Any] = {"command": command}
    if timeout:
        args["timeout"] = timeout
    return Call("bash", args)


def write(path: str, content: str) -> Call:
    return Call("write_file", {"path": path, "content": content})


def edit(path: str, old: str, new: str) -> Call:
    return Call("edit_file", {"path": path, "old": old, "new": new})


def insert(path: str, line: int, text: str) -> Call:
    return Call("edit_file", {"path": path, "insert_line": line, "text": text})


def read(path: str, start: int | None = None, end: int | None = None) -> Call:
    args: dict[str, Any] = {"path": path}
    if start:
        args["start_line"] = start
    if end:
        args["end_line"] = end
    return Call("read_file", args)


def grep(pattern: str, path: str = ".") -> Call:
    return Call("grep", {"pattern": pattern, "path": path})


def list_dir(path: str = ".", depth: int = 2) -> Call:
    return Call("list_dir", {"path": path, "depth": depth})


def read_log(id: str | None = None, path: str | None = None, mode: str = "tail",
             lines: int = 60, pattern: str | None = None) -> Call:
    args: dict[str, Any] = {"mode": mode, "lines": lines}
    if id:
        args["id"] = id
    if path:
        args["path"] = path
    if pattern:
        args["pattern"] = pattern
    return Call("read_log", args)


def finish(summary: str) -> Call:
    return Call("finish", {"summary": summary})


class PolicyModel(ModelBase):
    """Adapts a plan (generator function) to the Model protocol.

    A plan made with ``TaskPolicy`` gets the task (the conversation's first user message):
    a team member's policy learns from it which agent it is."""

    def __init__(self, plan: Callable[[], Plan], name: str = LABEL,
                 think_s: float = 0.0) -> None:
        self.name = name
        self._plan_fn: Callable[[list[dict[str, Any]]], Plan] = lambda _m: plan()
        self._plan: Plan | None = None
        self._ids = (f"call_{n}" for n in itertools.count(1))
        self._think_s = think_s

    def complete(self, messages: list[dict[str, Any]],
                 tools: list[dict[str, Any]]) -> AssistantTurn:
        obs = _last_observation(messages)
        try:
            if self._plan is None:
                self._plan = self._plan_fn(messages)
                turn = next(self._plan)
            else:
                turn = self._plan.send(obs)
        except StopIteration:
            raise ScriptExhausted("the reference policy has no step left") from None
        if self._think_s:
            time.sleep(self._think_s)
        return tool_turn([(c.name, c.arguments) for c in turn.calls], turn.thought, self._ids)


class TaskPolicy(PolicyModel):
    """A PolicyModel whose plan is made from the task text (``plan(task)``)."""

    def __init__(self, plan: Callable[[str], Plan], name: str = LABEL,
                 think_s: float = 0.0) -> None:
        super().__init__(lambda: plan(""), name, think_s)
        self._plan_fn = lambda messages: plan(_task(messages))


def _task(messages: list[dict[str, Any]]) -> str:
    for m in messages:
        if m.get("role") == "user":
            return str(m.get("content") or "")
    return ""


def _last_observation(messages: list[dict[str, Any]]) -> Observation:
    obs = Observation()
    for m in reversed(messages):
        if m.get("role") != "tool":
            break
        obs.texts.insert(0, str(m.get("content", "")))
        obs.ids.insert(0, str(m.get("tool_call_id", "")))
    return obs
