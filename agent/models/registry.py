"""``make_model``: turn a ``--model`` spec into a ``Model``.

Specs: ``reference`` (a scenario's built-in policy), ``script:FILE``, ``replay:RUN_DIR``, a
profile name from ``models.yaml``, or any other string taken as a raw model name on the
endpoint given by ``--base-url`` / ``OPENAI_BASE_URL``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from agent.models.base import Model
from agent.models.openai_model import OpenAIModel
from agent.models.profiles import ModelOverrides, ModelProfile
from agent.models.recorded import RecordedTurnsModel
from agent.models.script import ScriptModel
from sandboxes.errors import UserError

__all__ = ["ModelOverrides", "ModelSpecError", "make_model"]


#: Completion cap per call for a raw model name (no profile): an unbounded reply can hold a
#: single-slot local server for minutes. ``--max-tokens`` changes it; run.json records it.
DEFAULT_MAX_TOKENS = 4096


class ModelSpecError(UserError):
    """A ``--model`` spec cannot be turned into a model; the message says what to pass."""


def make_model(spec: str, *, profiles: Mapping[str, ModelProfile],
               overrides: ModelOverrides | None = None,
               reference_factory: Callable[[], Model] | None = None,
               replay_loader: Callable[[Path], list[dict[str, Any]]] | None = None,
               env: Mapping[str, str] | None = None) -> Model:
    """Build the model named by ``spec`` (see the module docstring for the accepted forms)."""
    env = os.environ if env is None else env
    if spec == "reference":
        if reference_factory is None:
            raise ModelSpecError("model 'reference' needs a built-in scenario that provides a "
                                 "reference policy; pick such a scenario or another --model.")
        return reference_factory()
    if spec.startswith("script:"):
        return ScriptModel.from_file(Path(spec.removeprefix("script:")))
    if spec.startswith("replay:"):
        run_dir = Path(spec.removeprefix("replay:"))
        if replay_loader is None:
            raise ModelSpecError(f"model '{spec}': replaying needs a run loader, which this "
                                 f"command does not provide.")
        return RecordedTurnsModel(replay_loader(run_dir), name=spec)
    if spec in profiles:
        return OpenAIModel(profiles[spec], overrides=overrides, env=env)
    if not spec:
        raise ModelSpecError("empty --model: pass a profile name from models.yaml, "
                             "script:FILE, replay:RUN_DIR, reference, or a raw model name.")
    base_url = (overrides.base_url if overrides else None) or env.get("OPENAI_BASE_URL")
    if not base_url:
        known = ", ".join(sorted(profiles)) or "none"
        raise ModelSpecError(
            f"model '{spec}' is not a profile in models.yaml (known: {known}), so it is taken as "
            f"a raw model name and needs an endpoint: pass --base-url URL or set OPENAI_BASE_URL.")
    profile = ModelProfile(name=spec, model=spec, base_url=base_url,
                           max_tokens=DEFAULT_MAX_TOKENS)
    return OpenAIModel(profile, overrides=overrides, env=env)
