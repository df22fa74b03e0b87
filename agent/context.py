"""Context policies: what part of the (always complete) history is sent to the model.

The loop keeps the whole conversation and records every message once; a policy only decides
what a request carries. Changes are made in chunks (hysteresis) so they are rare, each is
recorded as a `context` event, and the prefix of the prompt stays stable between changes (good
for providers' prompt caches).

- ``full``: everything. When the endpoint says the prompt is too long, the loop falls back to
  ``compact``.
- ``mask``: tool outputs older than the last ``keep_outputs`` become one-line stubs (naming the
  call and its exit code); steps older than ``keep_steps`` are dropped behind one marker; a
  token budget tightens both.
- ``compact``: past ``threshold`` of the context window, the history after the task is replaced
  by a structured summary (asked of the model, from a prompt file a user can change) plus the
  agent's notes. The summary request itself carries only as much of the history as fits half
  the window (the most recent part, as a transcript), so it cannot overflow the way the
  conversation did. A window nobody configured is learnt from the server (see the loop).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from agent.trajectory.run_info import MaskOptions

PROMPTS = Path(__file__).parent / "prompts"
ContextName = Literal["full", "mask", "compact"]
NOTES_PATH = ".agent/notes.md"  # written by the `notes` tool
DEFAULT_WINDOW = 128_000  # assumed until a profile, the server or an error says otherwise
#: Share of the context window the summary request may fill (the rest is for the summary).
SUMMARY_SHARE = 0.5
#: Each message of the summary transcript is cut to this many characters (head and tail).
TRANSCRIPT_MESSAGE_CHARS = 1500


def estimate_tokens(messages: list[dict[str, Any]]) -> int:
    """A cheap token estimate (about 4 characters a token), calibrated by the loop."""
    return len(json.dumps(messages, ensure_ascii=False)) // 4


@dataclass
class CallMeta:
    """What a stub needs to say about a tool result it replaces."""

    name: str
    exit_code: int | None
    ok: bool


class FullPolicy:
    name = "full"

    def view(self, messages: list[dict[str, Any]], meta: dict[str, CallMeta]
             ) -> list[dict[str, Any]]:
        return messages

    def update(self, messages: list[dict[str, Any]], step_starts: dict[int, int],
               est_tokens: int) -> dict[str, Any] | None:
        return None

    def restore(self, details: dict[str, Any]) -> None:
        return None


class MaskPolicy:
    """Stub old tool outputs and drop old steps, in chunks."""

    name = "mask"

    def __init__(self, options: MaskOptions | None = None) -> None:
        from agent.trajectory.run_info import MaskOptions

        o = options or MaskOptions()
        keep_outputs, keep_steps = o.keep_outputs, o.keep_steps
        self.keep_outputs = keep_outputs
        self.keep_steps = keep_steps
        self.token_budget = o.token_budget
        # Boundaries move in chunks: rare changes, a stable prompt prefix. Every change is a
        # prompt-cache miss for all that follows it; outputs are stubbed keep_outputs at a time
        # (measured on 150 scripted steps: 29% fewer uncached prompt tokens than half that,
        # for 8% more prompt; benchmarks/realmodel_tier.py measures it on a real server).
        self.out_chunk = max(1, keep_outputs)
        self.step_chunk = max(1, keep_steps // 2)
        self.masked_before = 0  # tool messages at history index < this are stubbed
        self.dropped_before = 2  # history[2:dropped_before] is replaced by one marker

    def view(self, messages: list[dict[str, Any]], meta: dict[str, CallMeta]
             ) -> list[dict[str, Any]]:
        out = messages[:2]
        if self.dropped_before > 2:
            n = sum(1 for m in messages[2:self.dropped_before] if m.get("role") == "assistant")
            out.append({"role": "user", "content": (
                f"[{n} earlier steps are not shown to save context; their effects are in the "
                f"workspace. Keep track of what matters in {NOTES_PATH}.]")})
        for i in range(self.dropped_before, len(messages)):
            m = messages[i]
            if m.get("role") == "tool" and i < self.masked_before:
                cm = meta.get(str(m.get("tool_call_id")))
                what = f"{cm.name}, exit {cm.exit_code}" if cm and cm.exit_code is not None \
                    else (cm.name if cm else "tool")
                m = {**m, "content": f"[output of {what} masked to save context; "
                                     f"read_log(id=\"{m.get('tool_call_id')}\") shows it]"}
            out.append(m)
        return out

    def update(self, messages: list[dict[str, Any]], step_starts: dict[int, int],
               est_tokens: int) -> dict[str, Any] | None:
        """Advance the masking boundaries when due; return the change to record, if any."""
        tool_idx = [i for i, m in enumerate(messages) if m.get("role") == "tool"
                    and i >= self.masked_before]
        changed: dict[str, Any] = {}
        over_budget = est_tokens > self.token_budget
        if len(tool_idx) >= self.keep_outputs + self.out_chunk or (
                over_budget and len(tool_idx) > self.keep_outputs):
            self.masked_before = tool_idx[-self.keep_outputs]
            changed["masked_before"] = self.masked_before
        starts = sorted(s for s, i in step_starts.items() if i >= self.dropped_before)
        if len(starts) >= self.keep_steps + self.step_chunk or (
                over_budget and len(starts) > self.keep_steps):
            self.dropped_before = step_starts[starts[-self.keep_steps]]
            changed["dropped_before"] = self.dropped_before
            self.masked_before = max(self.masked_before, self.dropped_before)
        return changed or None

    def restore(self, details: dict[str, Any]) -> None:
        self.masked_before = details.get("masked_before", self.masked_before)
        self.dropped_before = details.get("dropped_before", self.dropped_before)


class CompactPolicy:
    """Replaces the history by a summary when the prompt nears the context window."""

    name = "compact"

    def __init__(self, context_window: int | None = None, threshold: float = 0.7,
                 prompt_file: Path | None = None) -> None:
        # Without a configured window, assume a large one until the server tells otherwise.
        self.window_known = context_window is not None
        self.context_window = context_window or DEFAULT_WINDOW
        self.threshold = threshold
        self.prompt_file = prompt_file or PROMPTS / "compact.md"

    @property
    def summary_prompt(self) -> str:
        return self.prompt_file.read_text()

    def due(self, est_tokens: int) -> bool:
        return est_tokens > self.threshold * self.context_window

    def view(self, messages: list[dict[str, Any]], meta: dict[str, CallMeta]
             ) -> list[dict[str, Any]]:
        return messages

    def update(self, messages: list[dict[str, Any]], step_starts: dict[int, int],
               est_tokens: int) -> dict[str, Any] | None:
        return None  # compaction needs the model: the loop drives it

    def restore(self, details: dict[str, Any]) -> None:
        return None


ContextPolicy = FullPolicy | MaskPolicy | CompactPolicy


def make_policy(name: str, *, context_window: int | None = None,
                compact_prompt: Path | None = None,
                mask: MaskOptions | None = None) -> ContextPolicy:
    """A policy by name (``full``, ``mask``, ``compact``); ``mask``: that policy's knobs."""
    if name == "full":
        return FullPolicy()
    if name == "mask":
        return MaskPolicy(mask)
    if name == "compact":
        return CompactPolicy(context_window=context_window, prompt_file=compact_prompt)
    raise ValueError(f"unknown context policy {name!r}: use full, mask or compact")


def summary_message(summary: str, notes: str | None) -> dict[str, Any]:
    """The user message that replaces the compacted history."""
    text = ("[The conversation so far was compacted to stay within the context window. "
            "Summary of your work until now:]\n\n" + summary.strip())
    if notes:
        text += f"\n\n[Your notes ({NOTES_PATH}):]\n{notes.strip()}"
    return {"role": "user", "content": text + "\n\nContinue the task from here."}


def mechanical_summary(messages: list[dict[str, Any]], limit: int = 40) -> str:
    """A summary built without a model (scripted runs, or when the summary call fails):
    the last tool calls with their arguments, most recent last."""
    lines = []
    for m in messages[2:]:
        for c in m.get("tool_calls") or []:
            fn = c.get("function", {})
            lines.append(f"- {fn.get('name')}({str(fn.get('arguments'))[:160]})")
    shown = lines[-limit:]
    head = f"{len(lines)} tool calls so far; the last {len(shown)}:" if lines else \
        "No tool calls yet."
    return "\n".join([head, *shown])


def _cut_middle(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut ...]\n{text[-half:]}"


def _transcript_entry(message: dict[str, Any]) -> str:
    role = str(message.get("role", "?"))
    content = message.get("content")
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False) \
        if content is not None else ""
    parts = [f"[{'tool result' if role == 'tool' else role}]"]
    if text:
        parts.append(_cut_middle(text, TRANSCRIPT_MESSAGE_CHARS))
    for call in message.get("tool_calls") or []:
        fn = call.get("function", {}) if isinstance(call, dict) else {}
        args = _cut_middle(str(fn.get("arguments", "")), TRANSCRIPT_MESSAGE_CHARS)
        parts.append(f"[tool call] {fn.get('name')}({args})")
    return "\n".join(parts)


def summary_request(messages: list[dict[str, Any]], prompt: str,
                    budget_tokens: int) -> list[dict[str, Any]]:
    """The messages of a compaction request that fit ``budget_tokens`` (estimated).

    The system message stays; the task, the most recent history that fits (as a plain-text
    transcript, so no tool-call pairing can break and no template sees two user turns in a
    row) and the summary prompt go in one user message. Older history is left out, and said so.
    """
    system, task = messages[0], messages[1] if len(messages) > 1 else {"content": ""}
    head = [system, {"role": "user", "content": f"{task.get('content', '')}\n\n{prompt}"}]
    room = (budget_tokens - estimate_tokens(head)) * 4  # in characters
    picked: list[str] = []
    for message in reversed(messages[2:]):
        entry = _transcript_entry(message)
        if len(entry) + 2 > room:
            break
        picked.append(entry)
        room -= len(entry) + 2
    left_out = len(messages[2:]) - len(picked)
    transcript = "\n\n".join(reversed(picked)) or "(none fits)"
    omitted = f"[{left_out} earlier messages are left out to fit the context window.]\n" \
        if left_out else ""
    body = (f"{task.get('content', '')}\n\n# Your work so far (a transcript of the most recent "
            f"part)\n{omitted}{transcript}\n\n# Now\n{prompt}")
    return [system, {"role": "user", "content": body}]
