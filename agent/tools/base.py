"""The Tool seam: pydantic argument models (which give the JSON schemas) and what a call returns."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from sandboxes import Sandbox
from sandboxes.errors import UltrarunError


class ToolError(UltrarunError):
    """A tool refused or failed in a way the model can fix (shown to it as a tool error)."""

    def __init__(self, message: str, kind: str = "tool_error") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class ToolOutput:
    """The result of one call before it is trimmed for display."""

    text: str
    ok: bool = True
    exit_code: int | None = None
    timed_out: bool = False
    truncated: bool = False  # the sandbox already cut it (full copy in ``spilled``)
    spilled: Path | None = None
    note: str | None = None
    finished: bool = False  # the `finish` tool was called
    error_kind: str | None = None
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ToolContext:
    """What a tool may use: the sandbox and where full outputs of earlier calls are kept."""

    sandbox: Sandbox
    outputs_dir: Path
    default_timeout: float = 120
    max_timeout: float = 1800
    # Unix time by which every command must be over (the run's --max-time); set by the loop.
    deadline: float | None = None

    def timeout_for(self, asked: float | None) -> tuple[float, str | None]:
        """A command's timeout: what it asked (or the default), capped, and cut to what is
        left of the run's time; with a note for the model when the run's time cut it.
        ToolError when no time is left at all."""
        timeout = min(float(asked or self.default_timeout), self.max_timeout)
        if self.deadline is None:
            return timeout, None
        left = self.deadline - time.time()
        if left < 1:
            raise ToolError("not run: the run's time budget (--max-time) is used up", "max_time")
        if left >= timeout:
            return timeout, None
        return left, (f"timeout cut from {timeout:g} s to {left:.0f} s: the run's time budget "
                      "(--max-time) ends then")


class Tool(Protocol):
    """A tool the model can call. ``Args`` is a pydantic model; its docstring and field
    descriptions become the schema the model sees."""

    # Read-only properties: a class attribute (the built-in tools) or an instance attribute
    # (tools made from a scenario's command specs) both satisfy them.
    @property
    def name(self) -> str: ...

    @property
    def Args(self) -> type[BaseModel]: ...

    def run(self, args: Any, ctx: ToolContext) -> ToolOutput: ...


def tool_schema(tool: Tool) -> dict[str, Any]:
    """The OpenAI function-calling schema of a tool, from its pydantic ``Args``."""
    schema = tool.Args.model_json_schema()
    schema.pop("title", None)
    description = (tool.Args.__doc__ or tool.name).strip()
    schema.pop("description", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return {"type": "function",
            "function": {"name": tool.name, "description": description, "parameters": schema}}
