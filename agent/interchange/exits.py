"""How a foreign run ended, in ultrarun's words (`status`, `end_reason`).

mini-swe-agent writes the name of the exception that stopped it (``Submitted``,
``LimitsExceeded``, ``TimeExceeded``, ``UserInterruption``, ``RuntimeError``…); SWE-agent writes
``submitted``, ``exit_cost``, ``exit_context``, ``exit_format``…, and ``submitted (exit_cost)``
when it submitted on the agent's behalf after a limit. A file with no exit status was saved
while the run was still going (or it crashed): it imports as ``interrupted``.
"""

from __future__ import annotations

NOT_ENDED = ("interrupted", "interrupted")


def from_exit_status(exit_status: str | None, *, over_cost: bool = False) -> tuple[str, str]:
    """(status, end_reason) for a mini-swe-agent or SWE-agent exit status.

    ``over_cost``: the run's cost reached its cost limit, which tells mini-swe-agent's
    ``LimitsExceeded`` (raised for the step and the cost limit alike) apart.
    """
    if not exit_status or not exit_status.strip():
        return NOT_ENDED
    key = exit_status.strip().lower()
    if key.startswith("submitted (") and key.endswith(")"):
        key = key[len("submitted ("):-1]  # auto-submitted after the limit in brackets
    compact = "".join(ch for ch in key if ch.isalpha())
    if compact == "submitted" or "forfeit" in compact:
        return "finished", "finished"
    if "cost" in compact:
        return "finished", "max_cost"
    if compact == "limitsexceeded":
        return "finished", "max_cost" if over_cost else "max_steps"
    if "steplimit" in compact:
        return "finished", "max_steps"
    if "timeexceeded" in compact or "totalexecutiontime" in compact:
        return "finished", "max_time"
    if "interrupt" in compact or compact == "earlyexit":
        return "interrupted", "interrupted"
    return "failed", "error"
