"""Models: the ``Model`` seam, OpenAI-compatible endpoints, scripted and recorded turns, profiles.

Names load on first use (PEP 562): importing ``agent.models.base`` for the seam's types must
not import the openai client, which only a run against an endpoint needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.models.base import (
        AssistantTurn,
        ContextExceeded,
        DeadlineReached,
        Model,
        ModelError,
        RetryRecord,
        ScriptExhausted,
        ToolCall,
        Usage,
        native_tool_result_messages,
    )
    from agent.models.openai_model import OpenAIModel, turn_from_message
    from agent.models.profiles import (
        ModelOverrides,
        ModelProfile,
        ProfileError,
        RetryPolicy,
        default_profile_paths,
        load_profiles,
    )
    from agent.models.recorded import RecordedTurnsModel
    from agent.models.registry import ModelSpecError, make_model
    from agent.models.script import ScriptModel, ScriptTurn
    from agent.models.usage import cost_of, parse_usage

_WHERE = {
    "base": ["AssistantTurn", "ContextExceeded", "DeadlineReached", "Model", "ModelError",
             "RetryRecord", "ScriptExhausted", "ToolCall", "Usage",
             "native_tool_result_messages"],
    "openai_model": ["OpenAIModel", "turn_from_message"],
    "usage": ["cost_of", "parse_usage"],
    "profiles": ["ModelOverrides", "ModelProfile", "ProfileError", "RetryPolicy",
                 "default_profile_paths", "load_profiles"],
    "registry": ["ModelSpecError", "make_model"],
    "recorded": ["RecordedTurnsModel"],
    "script": ["ScriptModel", "ScriptTurn"],
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "AssistantTurn",
    "ContextExceeded",
    "DeadlineReached",
    "Model",
    "ModelError",
    "ModelOverrides",
    "ModelProfile",
    "ModelSpecError",
    "OpenAIModel",
    "ProfileError",
    "RecordedTurnsModel",
    "RetryPolicy",
    "RetryRecord",
    "ScriptExhausted",
    "ScriptModel",
    "ScriptTurn",
    "ToolCall",
    "Usage",
    "cost_of",
    "default_profile_paths",
    "load_profiles",
    "make_model",
    "native_tool_result_messages",
    "parse_usage",
    "turn_from_message",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'agent.models' has no attribute {name!r}")
    return getattr(import_module(f"agent.models.{module}"), name)
