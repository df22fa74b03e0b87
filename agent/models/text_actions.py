"""Text-action mode for endpoints without native tool calling (profile ``tool_mode: text``).

Tools are described in an appended system-prompt section instead of being sent; the model acts
by writing fenced blocks: a ```bash block runs its body with the ``bash`` tool, a ```tool block
holds ``{"name": ..., "arguments": {...}}``, and a ```finish block is a call of the ``finish``
tool with the block's text as summary (so it ends the run like a native ``finish`` call).
Results go back as one user message with each action's output labelled.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from agent.models.base import AssistantTurn, ToolCall

FENCE = "```"
_BLOCK = re.compile(r"^```[ \t]*([A-Za-z_-]*)[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
_BASH_TAGS = frozenset({"bash", "sh", "shell"})
NO_ACTION_ERROR = "your reply contained no action block"
#: What the loop tells a text-mode model whose reply had no usable action: the exact syntax.
REMINDER = (
    "Act by writing one fenced block, exactly like this, to run a shell command:\n"
    f"{FENCE}bash\nls -la\n{FENCE}\n"
    "or call any tool with a JSON object:\n"
    f'{FENCE}tool\n{{"name": "TOOL_NAME", "arguments": {{"ARG": "VALUE"}}}}\n{FENCE}\n'
    "When the task is done, end it with a finish block holding a short summary:\n"
    f"{FENCE}finish\nwhat was done\n{FENCE}"
)


def action_prompt(tools: list[dict[str, Any]]) -> str:
    """The system-prompt section describing ``tools`` (OpenAI tool schemas) and the format."""
    lines = ["## Tools and how to act",
             "You cannot call tools natively. Act by writing fenced blocks in your reply; every "
             "block is run in order and the outputs come back in the next message.",
             ""]
    names = []
    for tool in tools:
        fn = tool.get("function", tool)
        names.append(fn.get("name", "?"))
        lines.append(f"- `{fn.get('name', '?')}`: {fn.get('description', '').strip()}")
        params = fn.get("parameters")
        if params:
            lines.append(f"  arguments (JSON schema): {json.dumps(params, separators=(',', ':'))}")
    lines += ["", "Action format:"]
    if "bash" in names:
        lines += ["- Run a shell command with the bash tool:", f"{FENCE}bash", "ls -la", FENCE]
    lines += ["- Call any tool with a JSON object:", f"{FENCE}tool",
              '{"name": "TOOL_NAME", "arguments": {"ARG": "VALUE"}}', FENCE,
              "- When the task is complete, write a finish block with a short summary:",
              f"{FENCE}finish", "what was done", FENCE,
              "Other fenced blocks (e.g. ```python) are shown, not run."]
    return "\n".join(lines)


def with_action_prompt(messages: list[dict[str, Any]],
                       tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of ``messages`` whose system message ends with the action section."""
    section = action_prompt(tools)
    out = list(messages)
    for i, msg in enumerate(out):
        if msg.get("role") == "system" and isinstance(msg.get("content"), str):
            out[i] = {**msg, "content": f"{msg['content'].rstrip()}\n\n{section}"}
            return out
    return [{"role": "system", "content": section}, *out]


def parse_actions(text: str, new_id: Callable[[], str]) -> tuple[list[ToolCall], bool]:
    """Parse the fenced action blocks of ``text`` into tool calls, in order (a ```finish block
    is a ``finish`` call); also say whether it finished."""
    calls: list[ToolCall] = []
    finished = False
    for match in _BLOCK.finditer(text):
        tag, body = match.group(1).lower(), match.group(2)
        if tag in _BASH_TAGS:
            command = body.rstrip("\n")
            calls.append(ToolCall(id=new_id(), name="bash", arguments={"command": command},
                                  raw_arguments=json.dumps({"command": command})))
        elif tag == "tool":
            calls.append(_tool_block(body, new_id()))
        elif tag == "finish":
            finished = True
            summary = body.strip()
            calls.append(ToolCall(id=new_id(), name="finish", arguments={"summary": summary},
                                  raw_arguments=json.dumps({"summary": summary})))
    return calls, finished


def _tool_block(body: str, call_id: str) -> ToolCall:
    try:
        value = json.loads(body)
    except json.JSONDecodeError as exc:
        return ToolCall(id=call_id, name="tool", raw_arguments=body,
                        parse_error=f"the ```tool block is not valid JSON: {exc}")
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return ToolCall(id=call_id, name="tool", raw_arguments=body,
                        parse_error='the ```tool block must be {"name": ..., "arguments": {...}}')
    args = value.get("arguments", {})
    raw = json.dumps(args, ensure_ascii=False)
    if not isinstance(args, dict):
        return ToolCall(id=call_id, name=value["name"], raw_arguments=raw,
                        parse_error="'arguments' in the ```tool block must be a JSON object")
    return ToolCall(id=call_id, name=value["name"], arguments=args, raw_arguments=raw)


def apply_actions(turn: AssistantTurn, new_id: Callable[[], str]) -> AssistantTurn:
    """Fill ``turn.tool_calls`` from the reply text; set ``format_error`` if it has no action.

    ``turn.message`` stays a plain text assistant message: the endpoint never saw tool calls.
    """
    calls, _finished = parse_actions(turn.content or "", new_id)
    turn.tool_calls = calls
    message = {k: v for k, v in turn.message.items() if k != "tool_calls"}
    turn.message = {**message, "content": turn.content or ""}
    if not calls:
        turn.format_error = NO_ACTION_ERROR
    return turn


def result_messages(results: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """One user message holding every action's output, labelled in call order."""
    if not results:
        return []
    parts = [f"### Action {i} ({name}) output:\n{text}"
             for i, (_cid, name, text) in enumerate(results, start=1)]
    return [{"role": "user", "content": "\n\n".join(parts)}]
