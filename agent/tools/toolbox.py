"""One dispatch path from a model's tool call to the sandbox, and how results are shown."""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from agent.models.base import ToolCall
from agent.tools.base import Tool, ToolContext, ToolError, ToolOutput, tool_schema
from agent.tools.builtin import BUILTIN_TOOLS
from sandboxes import PathOutsideWorkspace, SandboxDied
from sandboxes.fsafe import Refused


class CommandToolSpec(BaseModel):
    """A scenario-defined tool: a command template run in the sandbox.

    ``command`` uses ``{param}`` placeholders; each value is shell-quoted before substitution.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="the tool's name, as the model calls it")
    description: str = Field(description="what the model is told the tool does")
    command: str = Field(description=(
        "the command run in the sandbox, with `{param}` placeholders (values shell-quoted)"))
    parameters: dict[str, str] = Field(default_factory=dict, description=(
        "{param: what the model is told it is}"))
    timeout: int = Field(300, ge=1, le=7 * 86400, description="seconds the command may take")


class CommandTool:
    """A tool built from a ``CommandToolSpec``."""

    def __init__(self, spec: CommandToolSpec) -> None:
        self.spec = spec
        self.name = spec.name
        fields: dict[str, Any] = {p: (str, Field(description=d)) for p, d in
                                  spec.parameters.items()}
        self.Args: type[BaseModel] = create_model(
            f"{spec.name}_args", __doc__=spec.description, **fields)

    def run(self, args: BaseModel, ctx: ToolContext) -> ToolOutput:
        values = {k: shlex.quote(str(v)) for k, v in args.model_dump().items()}
        # The spec's timeout is the scenario's, not the model's: only the run's time cuts it.
        timeout, cut = replace(ctx, max_timeout=float(self.spec.timeout)).timeout_for(
            self.spec.timeout)
        r = ctx.sandbox.exec(self.spec.command.format(**values), timeout=timeout)
        note = "; ".join(n for n in (r.note, cut) if n) or None
        return ToolOutput(text=r.output, ok=r.exit_code == 0, exit_code=r.exit_code,
                          timed_out=r.timed_out, truncated=r.truncated,
                          spilled=Path(r.output_ref) if r.output_ref else None, note=note,
                          duration_s=r.duration_s)


def load_tool(ref: str, base: Path) -> Tool:
    """A tool of your own, ``py:MODULE:CLASS`` or ``py:FILE.py:CLASS`` (a file relative to
    ``base``, the scenario's folder): ``CLASS()`` must give a ``Tool`` (``name``, a pydantic
    ``Args``, ``run(args, ctx)``). Raises PluginError naming what is missing."""
    from sandboxes.plugins import PluginError, load_plugin

    cls = load_plugin(ref, "tool", base)
    tool = cls() if callable(cls) else cls
    args = getattr(tool, "Args", None)
    if not (isinstance(getattr(tool, "name", None), str) and callable(getattr(tool, "run", None))
            and isinstance(args, type) and issubclass(args, BaseModel)):
        raise PluginError(f"tool {ref!r}: not a Tool (it needs a `name`, a pydantic `Args` "
                          "model and `run(args, ctx)`; see docs/api.md)")
    return tool


@dataclass
class Shown:
    """A tool result as recorded and as shown to the model."""

    output: ToolOutput
    display: str  # the text the model sees
    needs_store: bool  # the full output must be kept for read_log


class ToolBox:
    """The tools of one run: schemas for the model and ``dispatch`` for its calls."""

    def __init__(self, names: list[str], extra: list[Tool] | None = None,
                 display_head: int = 6000, display_tail: int = 6000) -> None:
        tools: dict[str, Tool] = {}
        for tool in extra or []:
            tools[tool.name] = tool
        for n in names:
            if n in tools:
                continue
            if n not in BUILTIN_TOOLS:
                raise ValueError(f"unknown tool {n!r}; built-in tools are "
                                 f"{', '.join(BUILTIN_TOOLS)}")
            tools[n] = BUILTIN_TOOLS[n]
        self.tools = tools
        self.display_head = display_head
        self.display_tail = display_tail
        # Built once: generating JSON schemas costs about a millisecond, on every model call.
        self._schemas = [tool_schema(t) for t in tools.values()]

    @property
    def names(self) -> list[str]:
        return list(self.tools)

    def schemas(self) -> list[dict[str, Any]]:
        return self._schemas

    def dispatch(self, call: ToolCall, ctx: ToolContext) -> Shown:
        """Validate and run one call; every failure the model can fix becomes a tool error."""
        t0 = time.monotonic()
        try:
            out = self._run(call, ctx)
        except ToolError as e:
            out = ToolOutput(text=f"error: {e}", ok=False, error_kind=e.kind)
        except PathOutsideWorkspace as e:
            out = ToolOutput(text=f"error: {e}", ok=False, error_kind="path")
        except Refused as e:  # special files, size bounds, the disk limit
            out = ToolOutput(text=f"error: {e}", ok=False, error_kind=e.kind)
        except SandboxDied:
            raise  # the loop replaces the sandbox; not the model's fault
        except (OSError, ValueError) as e:  # ValueError: whatever input a tool cannot take
            out = ToolOutput(text=f"error: {type(e).__name__}: {e}", ok=False,
                             error_kind="tool_error")
        if not out.duration_s:
            out.duration_s = time.monotonic() - t0
        return self._shown(call, out)

    def _run(self, call: ToolCall, ctx: ToolContext) -> ToolOutput:
        tool = self.tools.get(call.name)
        if tool is None:
            raise ToolError(f"unknown tool {call.name!r}; the tools are: "
                            f"{', '.join(self.tools)}", "unknown_tool")
        if call.arguments is None:
            raise ToolError(f"the arguments of {call.name} are not a JSON object "
                            f"({call.parse_error}); send arguments matching its schema",
                            "bad_arguments")
        try:
            args = tool.Args.model_validate(call.arguments)
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'arguments'}: "
                                 f"{err['msg']}" for err in e.errors())
            raise ToolError(f"bad arguments for {call.name}: {problems}",
                            "bad_arguments") from None
        return tool.run(args, ctx)

    def _shown(self, call: ToolCall, out: ToolOutput) -> Shown:
        text = out.text
        limit = self.display_head + self.display_tail
        cut = out.truncated or len(text) > limit
        if len(text) > limit:
            omitted = len(text) - limit
            text = (text[: self.display_head]
                    + f"\n[... {omitted} characters omitted ...]\n"
                    + text[-self.display_tail:])
        if cut:
            text += (f"\n[output cut: read the rest with read_log(id=\"{call.id}\", "
                     "mode=head|tail|range|grep)]")
        if out.exit_code is not None and call.name == "bash":
            text = (text if text.endswith("\n") or not text else text + "\n") + \
                f"[exit code {out.exit_code}]"
        return Shown(out, text, cut)
