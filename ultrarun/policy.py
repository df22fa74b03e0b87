"""What a scenario's scripted reference policy (``reference_policy.py``) builds on: the turns it
yields, the tool calls it makes, the ``PolicyModel`` it returns, and the stage-marker helpers of
staged references. Scenario files import these names from here, never from ``agent``."""

from agent.scenario.loader import BUILTIN_DIR, Scenario, load_scenario
from agent.scenario.policy import (
    Call,
    Observation,
    Plan,
    PolicyModel,
    TaskPolicy,
    Turn,
    bash,
    edit,
    finish,
    grep,
    insert,
    list_dir,
    read,
    read_log,
    write,
)
from agent.scenario.staging import FINAL, Mistake, edits_between, render, render_tree, write_stage

__all__ = ["BUILTIN_DIR", "FINAL", "Call", "Mistake", "Observation", "Plan", "PolicyModel",
           "Scenario", "TaskPolicy", "Turn", "bash", "edit", "edits_between", "finish", "grep",
           "insert", "list_dir", "load_scenario", "read", "read_log", "render", "render_tree",
           "write", "write_stage"]
