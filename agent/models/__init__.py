"""Models: the ``Model`` seam, OpenAI-compatible endpoints, scripted/replayed turns, profiles."""

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
from agent.models.openai_model import OpenAIModel, cost_of, turn_from_message
from agent.models.profiles import (
    ModelOverrides,
    ModelProfile,
    ProfileError,
    RetryPolicy,
    default_profile_paths,
    load_profiles,
)
from agent.models.registry import ModelSpecError, make_model
from agent.models.script import ReplayModel, ScriptModel, ScriptTurn

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
    "ReplayModel",
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
    "turn_from_message",
]
