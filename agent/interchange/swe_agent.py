"""SWE-agent `<instance_id>.traj` → an ImportedRun (0.x and 1.x).

The file is ``{"trajectory": [...], "history": [...], "info": {...}}`` (1.x adds
``replay_config``; 0.x has ``environment``). Each trajectory entry is one turn: ``response``
(the model output), ``thought``, ``action`` (the command line run), ``observation``,
``state`` (a JSON string in 0.x, an object in 1.x), and in 1.x ``execution_time``,
``query`` (``messages`` before 1.1) and ``extra_info``. SWE-agent records no timestamps, no
exit codes and only run-level tokens and cost (``info.model_stats``: ``tokens_sent``,
``tokens_received``, ``instance_cost``, ``api_calls``). Replies it could not parse are
re-queried and never reach the trajectory; when it gives up on the model (cost or context
limit, repeated format errors, API errors) it appends a turn of its own (``action:
"exit_cost"``, or an empty action with the thought "Exit due to …"), which is not a model turn.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.interchange.builder import ImportedCall, ImportedRun, ImportedStep, text_of
from agent.interchange.exits import from_exit_status
from agent.interchange.source import MAX_BYTES, BadField, opt, parse_file, sub, want

#: Actions SWE-agent writes itself when it stops the model (not commands the model chose).
HARNESS_EXITS = {"exit_cost", "exit_context", "exit_error", "exit_format", "exit_api",
                 "exit_environment_error", "exit_command_timeout", "exit_total_execution_time",
                 "exit_token_budget"}


def _model_name(data: dict[str, Any]) -> str:
    cfg = data.get("replay_config")
    if isinstance(cfg, str):
        try:
            cfg = json.loads(cfg)
        except (ValueError, RecursionError):
            cfg = None
    agent = cfg.get("agent") if isinstance(cfg, dict) else None
    model = agent.get("model") if isinstance(agent, dict) else None
    name = model.get("name") if isinstance(model, dict) else None
    return name if isinstance(name, str) and name else "unknown"


def _opening(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The system prompt and task: the history (or first query) up to the first reply."""
    history = data.get("history")
    if not isinstance(history, list) or not history:
        first = data["trajectory"][0] if data["trajectory"] else {}
        history = (first.get("query") or first.get("messages")) if isinstance(first, dict) \
            else None
    out = []
    for m in history if isinstance(history, list) else []:
        if not isinstance(m, dict) or m.get("role") == "assistant":
            break
        if m.get("is_demo"):  # demonstrations are shown to the model, but are not the task
            continue
        out.append({"role": str(m.get("role") or "user"), "content": text_of(m.get("content"))})
    return out


def _state(value: Any) -> Any:
    if isinstance(value, str):  # 0.x keeps the state as a JSON string
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def _is_harness_exit(action: str, thought: str) -> bool:
    return action in HARNESS_EXITS or (not action and thought.startswith("Exit due to"))


def parse(path: Path, max_bytes: int = MAX_BYTES) -> ImportedRun:
    """Parse the file at ``path``; a UserError names the file and the field at fault."""
    return parse_file(path, max_bytes, _parse)


def _parse(path: Path, data: Any) -> ImportedRun:
    if not isinstance(data, dict) or not isinstance(data.get("trajectory"), list):
        raise BadField("trajectory", "missing: not a SWE-agent trajectory (expected a JSON "
                                     "object with a `trajectory` list, as in `.traj` files)")
    info = sub(data, "info", "")
    stats = sub(info, "model_stats", "info")
    steps: list[ImportedStep] = []
    harness_exits: list[str] = []
    for i, entry in enumerate(data["trajectory"]):
        where = f"trajectory[{i}]"
        entry = want(entry, dict, where)
        command = (opt(entry, "action", str, where) or "").strip()
        observation = text_of(entry.get("observation"))
        thought = opt(entry, "thought", str, where) or opt(entry, "response", str, where) or ""
        if _is_harness_exit(command, thought):
            harness_exits.append(command or thought)
            if steps:
                steps[-1].after.append(("user", "\n".join(x for x in (thought, observation)
                                                          if x), "harness_exit"))
            continue
        duration = opt(entry, "execution_time", float, where) or 0.0
        step = ImportedStep(content=thought or None, t=None)
        if command:
            state = _state(entry.get("state"))
            step.calls.append(ImportedCall(
                name="bash", arguments={"command": command}, output=observation,
                duration_s=duration, extra={"source_state": state} if state else {}))
        else:  # a reply with no action: SWE-agent's answer to it is the observation
            step.format_error = "no action in the reply"
            if observation:
                step.after.append(("user", observation, "format_error"))
        steps.append(step)
    exit_status = opt(info, "exit_status", str, "info")
    status, reason = from_exit_status(exit_status)
    submission = info.get("submission")
    environment = opt(data, "environment", str, "")
    return ImportedRun(
        kind="swe-agent", source=Path(path), model=_model_name(data),
        messages=_opening(data), steps=steps, status=status, end_reason=reason,
        tokens_in=opt(stats, "tokens_sent", int, "info.model_stats"),
        tokens_out=opt(stats, "tokens_received", int, "info.model_stats"),
        cost=opt(stats, "instance_cost", float, "info.model_stats"),
        totals_from="info.model_stats", scenario=environment or "imported",
        metadata={k: v for k, v in {
            "exit_status": exit_status,
            "submission": submission if isinstance(submission, str | None) else
            json.dumps(submission),
            "api_calls": opt(stats, "api_calls", int, "info.model_stats"),
            "instance_cost": stats.get("instance_cost"),
            "tokens_sent": stats.get("tokens_sent"),
            "tokens_received": stats.get("tokens_received"),
            "swe_agent_version": info.get("swe_agent_version"),
            "harness_exits": harness_exits or None,
        }.items() if v is not None})
