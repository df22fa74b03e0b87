"""mini-swe-agent `.traj.json` (formats `mini-swe-agent-1` and `-1.1`) → an ImportedRun.

The file is ``{"info": {...}, "messages": [...], "trajectory_format": ...}``: OpenAI-style
messages where each assistant message carries bash actions (``extra.actions``, fenced
```` ```bash ```` / ```` ```mswea_bash_command ```` blocks, or native ``tool_calls``) and the next
user (or ``tool``) messages carry their observations (``<returncode>``/``<output>``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from agent.interchange.builder import (
    ImportedCall,
    ImportedRun,
    ImportedStep,
    load_json,
    text_of,
)
from sandboxes.errors import UserError

_FENCE = re.compile(r"```(?:bash|mswea_bash_command)\s*\n(.*?)\n```", re.DOTALL)
_RC = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
_OUTPUT = re.compile(r"<output>\n?(.*?)</output>", re.DOTALL)

END_REASONS = {"submitted": "finished", "limitsexceeded": "max_steps",
               "costlimitexceeded": "max_cost", "timeout": "max_time"}


def end_reason(exit_status: str | None) -> tuple[str, str]:
    """(status, end_reason) of ultrarun for a foreign exit status."""
    if not exit_status:
        return "interrupted", "interrupted"
    key = re.sub(r"[^a-z]", "", exit_status.lower())
    for prefix, reason in END_REASONS.items():
        if key.startswith(prefix):
            return "finished", reason
    if "cost" in key:
        return "finished", "max_cost"
    return "failed", "error"


def _actions(msg: dict[str, Any]) -> list[ImportedCall]:
    extra = msg.get("extra") if isinstance(msg.get("extra"), dict) else {}
    calls: list[ImportedCall] = []
    if isinstance(msg.get("tool_calls"), list) and msg["tool_calls"]:
        for tc in msg["tool_calls"]:
            fn = tc.get("function", {}) if isinstance(tc, dict) else {}
            raw = fn.get("arguments", "")
            try:
                args = json.loads(raw) if isinstance(raw, str) else dict(raw)
                command = args.get("command") if isinstance(args, dict) else None
            except (ValueError, TypeError):
                command = None
            parse_error = None if isinstance(command, str) else "no `command` in the arguments"
            calls.append(ImportedCall(
                name="bash", arguments={"command": command} if command is not None else None,
                output=None, call_id=tc.get("id") if isinstance(tc, dict) else None,
                raw_arguments=raw if isinstance(raw, str) else json.dumps(raw),
                parse_error=parse_error))
        return calls
    actions = extra.get("actions")
    if isinstance(actions, list) and actions:
        commands = [a.get("command") if isinstance(a, dict) else a for a in actions]
    else:
        commands = _FENCE.findall(text_of(msg.get("content")))
    return [ImportedCall(name="bash", arguments={"command": str(c)}, output=None)
            for c in commands if c is not None]


def _observation(msg: dict[str, Any]) -> tuple[str, int | None] | None:
    """(output, exit code) when ``msg`` is an observation, else None."""
    extra = msg.get("extra") if isinstance(msg.get("extra"), dict) else {}
    content = text_of(msg.get("content"))
    rc = extra.get("returncode")
    m = _RC.search(content)
    if rc is None and m:
        rc = int(m.group(1))
    if msg.get("role") != "tool" and rc is None and "<output>" not in content:
        return None
    return content, rc if isinstance(rc, int) else None


def parse(path: Path) -> ImportedRun:
    data = load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise UserError(f"{path}: not a mini-swe-agent trajectory (expected a JSON object with "
                        "a `messages` list, as in `.traj.json` files)")
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    messages = data["messages"]
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or "role" not in m:
            raise UserError(f"{path}: messages[{i}] is not a chat message (no `role`)")
    first = next((i for i, m in enumerate(messages) if m["role"] == "assistant"), len(messages))
    opening = [{"role": m["role"], "content": text_of(m.get("content"))}
               for m in messages[:first]]
    steps: list[ImportedStep] = []
    exit_status = info.get("exit_status")
    submission = info.get("submission")
    pending: list[ImportedCall] = []
    for m in messages[first:]:
        extra = m.get("extra") if isinstance(m.get("extra"), dict) else {}
        if m["role"] == "assistant":
            calls = _actions(m)
            usage = (extra.get("response") or {}).get("usage") if isinstance(
                extra.get("response"), dict) else None
            usage = usage if isinstance(usage, dict) else {}
            step = ImportedStep(
                content=text_of(m.get("content")) or None, calls=calls,
                reasoning=m.get("reasoning_content") or None,
                prompt_tokens=usage.get("prompt_tokens"),
                completion_tokens=usage.get("completion_tokens"),
                cost=extra.get("cost") if isinstance(extra.get("cost"), int | float) else None,
                t=extra.get("timestamp") if isinstance(extra.get("timestamp"), int | float)
                else None,
                format_error=None if calls else "no bash action in the reply")
            steps.append(step)
            pending = list(calls)
            continue
        if "exit_status" in extra:  # the closing message: metadata, not conversation
            exit_status = exit_status or extra.get("exit_status")
            submission = submission or extra.get("submission")
            if not text_of(m.get("content")):
                continue
        if not steps:
            continue
        obs = _observation(m)
        if obs is not None and pending:
            tid = m.get("tool_call_id")
            call = next((c for c in pending if tid and c.call_id == tid), pending[0])
            pending.remove(call)
            call.output, call.exit_code = obs
            continue
        reason = "format_error" if steps[-1].format_error else "note"
        steps[-1].after.append((m["role"], text_of(m.get("content")), reason))
    status, reason = end_reason(exit_status)
    if pending and reason == "finished":  # the submitting action ends the run unanswered
        for call in pending:
            call.output, call.ok = submission if isinstance(submission, str) else "", True
            call.extra["source_note"] = "the agent submitted: output is its submission"
    stats = info.get("model_stats") if isinstance(info.get("model_stats"), dict) else {}
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    model_cfg = config.get("model") if isinstance(config.get("model"), dict) else {}
    return ImportedRun(
        kind="mini-swe-agent", source=Path(path),
        model=str(model_cfg.get("model_name") or model_cfg.get("model") or "unknown"),
        messages=opening, steps=steps, status=status, end_reason=reason,
        cost=stats.get("instance_cost"),
        metadata={k: v for k, v in {
            "exit_status": exit_status, "submission": submission,
            "api_calls": stats.get("api_calls"), "instance_cost": stats.get("instance_cost"),
            "mini_version": info.get("mini_version"),
            "trajectory_format": data.get("trajectory_format"),
            "agent_type": config.get("agent_type"), "model_type": config.get("model_type"),
        }.items() if v is not None})
