"""mini-swe-agent `.traj.json` → an ImportedRun (1.x: ``mini-swe-agent-1``; 2.x: ``-1.1``).

The file is ``{"info": {...}, "messages": [...], "trajectory_format": ...}``. What each
version records (from mini-swe-agent's ``agents/default.py``, ``models/*`` and
``docs/usage/output_files.md``):

- 1.x: the assistant message as the model wrote it (``extra.response`` is the raw API
  response, with ``usage`` and ``created``); the agent runs the reply only when it holds
  exactly one ```` ```bash ```` block, and otherwise answers with its format-error message
  ("Please always provide EXACTLY ONE action in triple backticks, found 2 actions.");
  observations are user messages ``<returncode>…</returncode><output>…``; a timeout is a
  user message "The last command … timed out and has been killed"; ``Submitted`` ends the
  run with a user message holding the submission. No per-turn cost, no timestamps of its own.
- 2.x: the model classes parse the reply; a refused reply never becomes an assistant message:
  only the user message with ``extra.interrupt_type: "FormatError"`` is kept (with
  ``model_response`` or the raw ``response``, and its ``cost``). Assistant messages carry
  ``extra.actions``, ``extra.cost``, ``extra.timestamp``; tool-call models use ``tool_calls``
  and ``role: "tool"`` results, Responses-API models ``object: "response"`` turns and
  ``function_call_output`` results; the run ends with a ``role: "exit"`` message.

Only what the harness ran becomes a tool call: a refused turn is a format error with no call.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.interchange.builder import ImportedCall, ImportedRun, ImportedStep, text_of
from agent.interchange.exits import from_exit_status
from agent.interchange.source import (
    MAX_BYTES,
    TIME_RANGE,
    BadField,
    is_format_error_reply,
    opt,
    parse_file,
    sub,
    template_prefix,
    unix_time,
    want,
)

_FENCE_1X = re.compile(r"```bash\s*\n(.*?)\n```", re.DOTALL)  # mini-swe-agent 1.x's regex
_FENCE_ANY = re.compile(r"```(?:bash|mswea_bash_command)\s*\n(.*?)\n```", re.DOTALL)
_RC = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
_TIMEOUT = "timed out and has been killed"  # mini-swe-agent's timeout_template
_NOT_EXECUTED = "action was not executed"  # 2.x pads the results of actions it never ran
_SUBMITTED_NOTE = "the agent submitted: the output is its submission"


@dataclass
class _Msg:
    """One message, classified: system | user | assistant | observation | refusal | exit."""

    kind: str
    role: str
    text: str
    where: str
    calls: list[ImportedCall] = field(default_factory=list)
    blocks: list[str] | None = None  # a 1.x reply's bash blocks (None: parsed by the model)
    call_id: str | None = None
    returncode: int | None = None
    timed_out: bool = False
    not_executed: bool = False
    t: float | None = None
    cost: float | None = None
    tokens: tuple[int | None, int | None] = (None, None)
    reasoning: str | None = None
    finish_reason: str | None = None
    exit_status: str | None = None
    submission: str | None = None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _usage(usage: Any) -> tuple[int | None, int | None]:
    """(prompt, completion) tokens of a raw API ``usage`` object; lenient, as raw responses
    are whatever the provider sent."""
    if not isinstance(usage, dict):
        return None, None
    prompt, completion = _int(usage.get("prompt_tokens")), _int(usage.get("completion_tokens"))
    if prompt is None and completion is None:  # Responses API names
        prompt, completion = _int(usage.get("input_tokens")), _int(usage.get("output_tokens"))
    return prompt, completion


def _response_fields(response: Any) -> tuple[tuple[int | None, int | None], float | None,
                                             str | None]:
    """(tokens, created time, finish reason) of a raw API response, where it has them."""
    if not isinstance(response, dict):  # 2.x keeps repr() of a response it could not dump
        return (None, None), None, None
    created = response.get("created", response.get("created_at"))
    created = float(created) if isinstance(created, int | float) and not isinstance(
        created, bool) and TIME_RANGE[0] < created < TIME_RANGE[1] else None
    finish = None
    choices = response.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        reason = choices[0].get("finish_reason")
        finish = reason if isinstance(reason, str) else None
    return _usage(response.get("usage")), created, finish


def _json_call(call_id: str | None, name: str, raw: Any, where: str) -> ImportedCall:
    """A native tool call; mini-swe-agent only has ``bash`` with a ``command``."""
    raw_text = raw if isinstance(raw, str) else json.dumps(raw)
    try:
        args = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        args = None
    command = args.get("command") if isinstance(args, dict) else None
    return ImportedCall(
        name=name or "bash", arguments={"command": command} if isinstance(command, str) else None,
        output=None, call_id=call_id, raw_arguments=raw_text,
        parse_error=None if isinstance(command, str) else f"{where}: no `command` string")


def _tool_calls(msg: dict[str, Any], where: str) -> list[ImportedCall]:
    calls = []
    for k, tc in enumerate(opt(msg, "tool_calls", list, where) or []):
        w = f"{where}.tool_calls[{k}]"
        tc = want(tc, dict, w)
        fn = sub(tc, "function", w)
        calls.append(_json_call(opt(tc, "id", str, w), opt(fn, "name", str, f"{w}.function")
                                or "bash", fn.get("arguments", "{}"), w))
    return calls


def _response_turn(msg: dict[str, Any], where: str) -> tuple[str, str | None,
                                                             list[ImportedCall]]:
    """(text, reasoning, calls) of a Responses-API turn (``object: "response"``)."""
    texts, thoughts, calls = [], [], []
    for k, item in enumerate(opt(msg, "output", list, where) or []):
        w = f"{where}.output[{k}]"
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            texts.append(text_of(item.get("content")))
        elif kind == "reasoning":
            for part in (item.get("summary") or []) + (item.get("content") or []):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    thoughts.append(part["text"])
        elif kind == "function_call":
            calls.append(_json_call(opt(item, "call_id", str, w) or opt(item, "id", str, w),
                                    opt(item, "name", str, w) or "bash",
                                    item.get("arguments", "{}"), w))
    return "\n".join(t for t in texts if t), "\n".join(thoughts) or None, calls


def _classify(msg: Any, where: str, fmt_prefixes: tuple[str, ...], v1: bool) -> _Msg:
    msg = want(msg, dict, where)
    extra = sub(msg, "extra", where)
    w_extra = f"{where}.extra"
    role = opt(msg, "role", str, where) or ""
    out = _Msg(kind="user", role=role or "user", text="", where=where,
               t=unix_time(extra.get("timestamp"), f"{w_extra}.timestamp"),
               cost=opt(extra, "cost", float, w_extra))
    if msg.get("object") == "response":  # a 2.x Responses-API turn
        out.kind, out.role = "assistant", "assistant"
        out.text, out.reasoning, out.calls = _response_turn(msg, where)
        out.tokens = _usage(msg.get("usage"))
        return out
    if msg.get("type") == "function_call_output":  # a 2.x Responses-API result
        out.kind, out.role = "observation", "tool"
        out.call_id = opt(msg, "call_id", str, where)
        out.text = text_of(msg.get("output"))
        return _observation(out, extra)
    if not role:
        raise BadField(f"{where}.role", "missing")
    out.text = text_of(msg.get("content"))
    if role == "exit" or ("exit_status" in extra and role != "assistant"):
        out.kind = "exit"
        out.exit_status = opt(extra, "exit_status", str, w_extra)
        out.submission = opt(extra, "submission", str, w_extra)
        return out
    if role == "system":
        out.kind = "system"
        return out
    if role == "assistant":
        out.kind = "assistant"
        out.reasoning = opt(msg, "reasoning_content", str, where)
        out.tokens, created, out.finish_reason = _response_fields(extra.get("response"))
        out.t = out.t if out.t is not None else created
        out.calls = _tool_calls(msg, where)
        actions = opt(extra, "actions", list, w_extra)
        if not out.calls and actions is not None:  # 2.x: the model class parsed the reply
            for k, a in enumerate(actions):
                a = want(a, dict, f"{w_extra}.actions[{k}]")
                command = opt(a, "command", str, f"{w_extra}.actions[{k}]") or ""
                out.calls.append(ImportedCall(name="bash", arguments={"command": command},
                                              output=None,
                                              call_id=opt(a, "tool_call_id", str, w_extra)))
        elif not out.calls:  # 1.x: the agent parses the reply itself
            out.blocks = (_FENCE_1X if v1 else _FENCE_ANY).findall(out.text)
        return out
    interrupt = opt(extra, "interrupt_type", str, w_extra)
    if interrupt == "FormatError" or (interrupt is None and is_format_error_reply(
            out.text, fmt_prefixes)):
        out.kind = "refusal"
        out.tokens, created, out.finish_reason = _response_fields(extra.get("response"))
        out.t = out.t if out.t is not None else created
        return out
    if role == "tool" or "returncode" in extra or "raw_output" in extra \
            or _RC.search(out.text) or "<output>" in out.text:
        out.kind = "observation"
        out.call_id = opt(msg, "tool_call_id", str, where)
        return _observation(out, extra)
    if _TIMEOUT in out.text[:2000] or interrupt in ("ExecutionTimeoutError", "TimeoutError"):
        out.kind, out.timed_out = "observation", True  # 1.x: the timeout is the observation
    return out


def _observation(out: _Msg, extra: dict[str, Any]) -> _Msg:
    match = _RC.search(out.text)
    out.returncode = _int(extra.get("returncode"))
    if out.returncode is None and match:
        out.returncode = int(match.group(1))
    info = str(extra.get("exception_info") or "")
    out.not_executed = info == _NOT_EXECUTED
    out.timed_out = _TIMEOUT in out.text[:2000] or "timeout" in info.lower() \
        or "timed out" in info.lower()
    return out


def _refused_turn(m: _Msg, extra: dict[str, Any]) -> ImportedStep:
    """The model turn a 2.x FormatError message stands for (the turn itself is not kept)."""
    text = opt(extra, "model_response", str, f"{m.where}.extra")
    refused: list[dict[str, Any]] = []
    response = extra.get("response")
    if text is None and isinstance(response, dict):
        choices = response.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            message = choices[0].get("message")
            if not isinstance(message, dict):
                message = {}
            text = text_of(message.get("content"))
            refused = [{"name": c.name, "raw_arguments": c.raw_arguments}
                       for c in _tool_calls(message, f"{m.where}.extra.response.choices[0]"
                                                     ".message")]
        elif response.get("object") == "response":
            text, _, calls = _response_turn(response, f"{m.where}.extra.response")
            refused = [{"name": c.name, "raw_arguments": c.raw_arguments} for c in calls]
    step = ImportedStep(content=text or None, prompt_tokens=m.tokens[0],
                        completion_tokens=m.tokens[1], cost=m.cost, t=m.t,
                        finish_reason=m.finish_reason,
                        format_error="refused by mini-swe-agent (FormatError)")
    if refused:
        step.extra["refused_calls"] = refused
    return step


class _Walk:
    """Builds the model turns from the classified messages, in order: each assistant message
    opens a turn; the harness's next messages say what became of its actions."""

    def __init__(self, submission: str | None, submitted: bool) -> None:
        self.steps: list[ImportedStep] = []
        self.pending: list[ImportedCall] = []  # calls of the current turn with no result yet
        self.answered = True  # whether the current turn already got the harness's reply
        self.last_t = 0.0  # when the current turn's previous call ended
        self.submission, self.submitted = submission, submitted

    def take(self, m: _Msg, raw: dict[str, Any], last: bool) -> None:
        if m.kind == "exit" or (m.kind in ("user", "system") and not m.text.strip()):
            return
        if m.kind == "assistant":
            self._turn(m)
        elif m.kind == "refusal":
            self._refusal(m, sub(raw, "extra", m.where))
        elif not self.steps:
            return
        elif m.kind == "observation":
            self._observation(m)
        elif last and self.pending and self.submitted and (
                self.submission is None or m.text.strip() == self.submission.strip()):
            call = self.pending.pop(0)  # 1.x: the submission is the submitting call's output
            call.output, call.ok, call.note = m.text, True, _SUBMITTED_NOTE
        else:
            self.steps[-1].after.append((m.role, m.text, "note"))

    def _turn(self, m: _Msg) -> None:
        step = ImportedStep(content=m.text or None, calls=list(m.calls), reasoning=m.reasoning,
                            prompt_tokens=m.tokens[0], completion_tokens=m.tokens[1],
                            cost=m.cost, t=m.t, finish_reason=m.finish_reason)
        if m.blocks is not None:  # 1.x: the agent runs a reply only with exactly one action
            if len(m.blocks) == 1:
                step.calls = [ImportedCall(name="bash", output=None,
                                           arguments={"command": m.blocks[0].strip()})]
            else:
                step.format_error = f"{len(m.blocks)} bash blocks in the reply (mini-swe-" \
                                    "agent runs a reply only with exactly one)"
        self.steps.append(step)
        self.pending, self.answered, self.last_t = list(step.calls), False, step.t or 0.0

    def _refusal(self, m: _Msg, extra: dict[str, Any]) -> None:
        step = self.steps[-1] if self.steps else None
        if step is not None and not self.answered and all(c.output is None for c in step.calls):
            step.refuse(step.format_error or "refused by mini-swe-agent")  # 1.x
        else:  # 2.x: the refused turn itself was never added to the messages
            step = _refused_turn(m, extra)
            self.steps.append(step)
        step.after.append((m.role, m.text, "format_error"))
        self.pending, self.answered = [], True

    def _observation(self, m: _Msg) -> None:
        step = self.steps[-1]
        call = next((c for c in self.pending if m.call_id and c.call_id == m.call_id),
                    self.pending[0] if self.pending else None)
        if call is None and not self.answered and step.format_error and not step.calls:
            # The harness ran a reply we could not parse (e.g. a custom action regex).
            call = ImportedCall(name="bash", arguments=None, output=None,
                                raw_arguments=step.content or "",
                                note="command not recoverable from the reply")
            step.calls.append(call)
            step.format_error = None
        if call is None:
            step.after.append((m.role, m.text, "note"))
            return
        if call in self.pending:
            self.pending.remove(call)
        self.answered = True
        if m.not_executed:
            step.calls.remove(call)
            step.extra.setdefault("not_executed", []).append(
                call.raw_arguments or json.dumps(call.arguments))
            return
        call.output, call.exit_code, call.timed_out = m.text, m.returncode, m.timed_out
        if m.t is not None and step.t is not None:  # calls run one after another
            call.duration_s = round(max(0.0, m.t - max(step.t, self.last_t)), 3)
            self.last_t = m.t

    def close(self) -> None:
        if self.pending and self.submitted:  # 2.x: the submitting call has no observation
            for call in self.pending:
                call.output, call.ok, call.note = self.submission or "", True, _SUBMITTED_NOTE


def parse(path: Path, max_bytes: int = MAX_BYTES) -> ImportedRun:
    """Parse the file at ``path``; a UserError names the file and the field at fault."""
    return parse_file(path, max_bytes, _parse)


def _parse(path: Path, data: Any) -> ImportedRun:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise BadField("messages", "missing: not a mini-swe-agent trajectory (expected a JSON "
                                   "object with a `messages` list, as in `.traj.json` files)")
    info = sub(data, "info", "")
    config = sub(info, "config", "info")
    model_cfg = sub(config, "model", "info.config")
    agent_cfg = sub(config, "agent", "info.config")
    fmt = opt(data, "trajectory_format", str, "")
    v1 = fmt == "mini-swe-agent-1"
    prefixes = tuple(p for p in (template_prefix(model_cfg.get("format_error_template")),
                                 template_prefix(agent_cfg.get("format_error_template"))) if p)
    msgs = [_classify(m, f"messages[{i}]", prefixes, v1) for i, m in enumerate(data["messages"])]
    first = next((i for i, m in enumerate(msgs) if m.kind in ("assistant", "refusal")),
                 len(msgs))
    opening = [{"role": m.role, "content": m.text} for m in msgs[:first] if m.kind != "exit"]
    stats = sub(info, "model_stats", "info")
    exit_status = opt(info, "exit_status", str, "info")
    submission = opt(info, "submission", str, "info")
    for m in msgs:
        if m.kind == "exit":
            exit_status = exit_status or m.exit_status
            submission = submission if submission is not None else m.submission
    cost = opt(stats, "instance_cost", float, "info.model_stats")
    cost_limit = opt(agent_cfg, "cost_limit", float, "info.config.agent")
    status, reason = from_exit_status(exit_status, over_cost=bool(
        cost is not None and cost_limit and cost >= cost_limit))

    walk = _Walk(submission, reason == "finished")
    for i in range(first, len(msgs)):
        walk.take(msgs[i], data["messages"][i], last=i == len(msgs) - 1)
    walk.close()
    times = [m.t for m in msgs if m.t is not None]
    model = model_cfg.get("model_name") or model_cfg.get("model") or "unknown"
    return ImportedRun(
        kind="mini-swe-agent", source=Path(path), model=str(model), messages=opening,
        steps=walk.steps, status=status, end_reason=reason, cost=cost,
        totals_from="info.model_stats.instance_cost",
        started_at=min(times) if times else None, ended_at=max(times) if times else None,
        metadata={k: v for k, v in {
            "exit_status": exit_status, "submission": submission,
            "api_calls": opt(stats, "api_calls", int, "info.model_stats"),
            "instance_cost": cost, "mini_version": opt(info, "mini_version", str, "info"),
            "trajectory_format": fmt, "agent_type": config.get("agent_type"),
            "model_type": config.get("model_type"),
        }.items() if v is not None})
