"""SWE-agent `<instance_id>.traj` → an ImportedRun.

The file is ``{"trajectory": [...], "history": [...], "info": {...}, "replay_config": ...}``;
each trajectory entry is one turn: ``response`` (the model output), ``thought``, ``action``
(the command line run in the environment), ``observation``, ``execution_time``, ``state``.
SWE-agent records no exit codes and only run-level token and cost totals.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from agent.interchange.builder import (
    ImportedCall,
    ImportedRun,
    ImportedStep,
    load_json,
    text_of,
)
from agent.interchange.mini_swe_agent import end_reason
from sandboxes.errors import UserError


def _model_name(data: dict[str, Any]) -> str:
    cfg = data.get("replay_config")
    if isinstance(cfg, str):
        try:
            cfg = json.loads(cfg)
        except ValueError:
            cfg = None
    if isinstance(cfg, dict):
        model = (cfg.get("agent") or {}).get("model") if isinstance(cfg.get("agent"), dict) \
            else None
        if isinstance(model, dict) and model.get("name"):
            return str(model["name"])
    return "unknown"


def _opening(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The system prompt and task: the history (or first query) up to the first reply."""
    history = data.get("history")
    if not isinstance(history, list) or not history:
        first = data["trajectory"][0] if data["trajectory"] else {}
        history = first.get("query") if isinstance(first, dict) else None
    out = []
    for m in history if isinstance(history, list) else []:
        if not isinstance(m, dict) or m.get("role") == "assistant":
            break
        if m.get("is_demo"):  # demonstrations are shown to the model, but are not the task
            continue
        out.append({"role": m.get("role", "user"), "content": text_of(m.get("content"))})
    return out


def parse(path: Path) -> ImportedRun:
    data = load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("trajectory"), list):
        raise UserError(f"{path}: not a SWE-agent trajectory (expected a JSON object with a "
                        "`trajectory` list, as in `<instance_id>.traj` files)")
    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    steps: list[ImportedStep] = []
    # No timestamps in the format: lay the turns out from the file's time, by execution time.
    t = Path(path).stat().st_mtime - sum(
        float(e.get("execution_time") or 0) for e in data["trajectory"] if isinstance(e, dict))
    for i, entry in enumerate(data["trajectory"]):
        if not isinstance(entry, dict):
            raise UserError(f"{path}: trajectory[{i}] is not an object")
        action = entry.get("action")
        if action is not None and not isinstance(action, str):
            raise UserError(f"{path}: trajectory[{i}].action is not a string")
        command = (action or "").strip()
        duration = float(entry.get("execution_time") or 0.0)
        calls = []
        if command:
            ids = entry.get("tool_call_ids")
            calls.append(ImportedCall(
                name="bash", arguments={"command": command},
                output=text_of(entry.get("observation")), exit_code=None, ok=True,
                call_id=ids[0] if isinstance(ids, list) and ids else None,
                duration_s=duration,
                extra={"source_state": entry["state"]} if entry.get("state") else {}))
        thought = entry.get("thought") or entry.get("response")
        step = ImportedStep(content=text_of(thought) or None, calls=calls, t=t,
                            format_error=None if calls else "no action in the reply")
        if not calls and entry.get("observation"):  # SWE-agent's reply to an unusable turn
            step.after.append(("user", text_of(entry["observation"]), "format_error"))
        steps.append(step)
        t += duration
    stats = info.get("model_stats") if isinstance(info.get("model_stats"), dict) else {}
    status, reason = end_reason(info.get("exit_status"))
    submission = info.get("submission")
    return ImportedRun(
        kind="swe-agent", source=Path(path), model=_model_name(data),
        messages=_opening(data), steps=steps, status=status, end_reason=reason,
        started_at=None, ended_at=t if steps else time.time(),
        tokens_in=stats.get("tokens_sent"), tokens_out=stats.get("tokens_received"),
        cost=stats.get("instance_cost"),
        scenario=data["environment"] if isinstance(data.get("environment"), str) and
        data["environment"] else "imported",
        metadata={k: v for k, v in {
            "exit_status": info.get("exit_status"),
            "submission": submission if isinstance(submission, str | None) else
            json.dumps(submission),
            "api_calls": stats.get("api_calls"), "instance_cost": stats.get("instance_cost"),
            "tokens_sent": stats.get("tokens_sent"),
            "tokens_received": stats.get("tokens_received"),
            "swe_agent_version": info.get("swe_agent_version"),
        }.items() if v is not None})
