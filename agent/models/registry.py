"""Model specs: what ``--model`` may say, parsed once, and the factory of each form.

One table, read top to bottom; the first form that matches a spec builds its model:

=====================  ===========  ===================================================
spec                   kind         model
=====================  ===========  ===================================================
``reference``          reference    the scenario's scripted policy (reference_policy.py)
``reference-team``     reference    a team member's scripted policy (team_policy.py)
``script:FILE``        script       the turns of a YAML/JSON file, in order
``replay:RUN_DIR``     replay       the model turns a run recorded, in order
``py:MODULE:CLASS``    python       your own ``Model`` class (``py:path/file.py:CLASS`` too)
a profile name         endpoint     that profile of ``models.yaml``
anything else          endpoint     a raw model name at ``--base-url`` / OPENAI_BASE_URL
=====================  ===========  ===================================================

A new form is one row of ``FORMS``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.models.base import Model
from agent.models.profiles import ModelOverrides, ModelProfile
from agent.trajectory.run_info import ModelKind
from sandboxes.errors import UserError
from sandboxes.plugins import import_file, is_file_ref

if TYPE_CHECKING:
    from agent.scenario.loader import Scenario

__all__ = ["FORMS", "ModelContext", "ModelOverrides", "ModelSpec", "ModelSpecError",
           "SpecForm", "make_model", "parse_spec"]

#: Completion cap per call for a raw model name (no profile): an unbounded reply can hold a
#: single-slot local server for minutes. ``--max-tokens`` changes it; run.json records it.
DEFAULT_MAX_TOKENS = 4096


class ModelSpecError(UserError):
    """A ``--model`` spec cannot be turned into a model; the message says what to pass."""


@dataclass
class ModelContext:
    """What a factory may use besides the spec."""

    profiles: Mapping[str, ModelProfile] = field(default_factory=dict)
    overrides: ModelOverrides | None = None
    scenario: Scenario | None = None  # for `reference`
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)


@dataclass(frozen=True)
class SpecForm:
    """One row of the table: how a spec is recognised and what it builds."""

    kind: ModelKind
    factory: Callable[[ModelSpec, ModelContext], Model]
    name: str | None = None  # matches this exact spec …
    prefix: str | None = None  # … or specs starting with this
    path_arg: bool = False  # the argument names a file or folder (made absolute once)
    # Hands out turns in order whatever it is shown: a resumed run asks it again for the
    # recorded turns (fast-forward), and compaction summaries are made without it.
    scripted: bool = False

    def matches(self, text: str) -> bool:
        return text == self.name if self.name is not None else \
            self.prefix is not None and text.startswith(self.prefix)


@dataclass(frozen=True)
class ModelSpec:
    """A parsed ``--model`` spec."""

    text: str  # as given (with a path argument made absolute by ``absolute``)
    form: SpecForm
    arg: str  # what follows the prefix (the whole text for names)

    @property
    def kind(self) -> ModelKind:
        return self.form.kind

    @property
    def scripted(self) -> bool:
        return self.form.scripted

    def with_path(self, resolve: Callable[[str], str]) -> ModelSpec:
        """The same spec with its file argument passed through ``resolve`` (no-op otherwise)."""
        if not self.form.path_arg or not self.arg:
            return self
        if self.form.kind == "python":  # only the file part of FILE.py:CLASS
            where, sep, cls = self.arg.rpartition(":")
            if not is_file_ref(where):
                return self
            arg = f"{resolve(where)}{sep}{cls}"
        else:
            arg = resolve(self.arg)
        return ModelSpec(f"{self.form.prefix}{arg}", self.form, arg)

    def make(self, ctx: ModelContext) -> Model:
        return self.form.factory(self, ctx)


# -- factories ------------------------------------------------------------------------------
def _policy_file(ctx: ModelContext, file: str, what: str, kind: str) -> Model:
    """A scenario's scripted policy: ``make_policy(scenario)`` of its ``file``."""
    path = ctx.scenario.root / file if ctx.scenario else None
    if path is None or not path.exists():
        raise ModelSpecError(f"model {what!r} needs a built-in scenario that provides a {kind}; "
                             "pick such a scenario or another --model.")
    assert ctx.scenario is not None
    module = import_file(path, f"_{Path(file).stem}_{ctx.scenario.name}")
    policy: Model = module.make_policy(ctx.scenario)
    return policy


def _reference(spec: ModelSpec, ctx: ModelContext) -> Model:
    return _policy_file(ctx, "reference_policy.py", "reference", "reference policy")


def _team_reference(spec: ModelSpec, ctx: ModelContext) -> Model:
    return _policy_file(ctx, "team_policy.py", "reference-team",
                        "scripted team policy (team_policy.py)")


def _script(spec: ModelSpec, ctx: ModelContext) -> Model:
    from agent.models.script import ScriptModel

    try:
        return ScriptModel.from_file(Path(spec.arg))
    except ValueError as e:
        raise ModelSpecError(str(e)) from None


def _replay(spec: ModelSpec, ctx: ModelContext) -> Model:
    from agent.models.recorded import RecordedTurnsModel
    from agent.trajectory.events import ModelCall
    from agent.trajectory.reader import load_run

    run_dir = Path(spec.arg)
    if not (run_dir / "events.jsonl").exists():
        raise ModelSpecError(f"replay:{run_dir}: no events.jsonl there (not a run folder)")
    turns = [e.message for e in load_run(run_dir).events if isinstance(e, ModelCall)]
    return RecordedTurnsModel(turns, name=spec.text)


def _python(spec: ModelSpec, ctx: ModelContext) -> Model:
    from sandboxes.plugins import PluginError, load_plugin

    try:
        cls = load_plugin(spec.text, "model")
    except PluginError as e:
        raise ModelSpecError(str(e)) from None
    if not callable(cls):
        raise ModelSpecError(f"model {spec.text!r}: {spec.arg} is not a class")
    takes = inspect.signature(cls).parameters
    model = cls(settings=ctx.overrides or ModelOverrides()) if "settings" in takes else cls()
    if not isinstance(model, Model):
        raise ModelSpecError(f"model {spec.text!r}: {cls.__name__} is not a Model (it needs "
                             "`name`, `complete`, `tool_result_messages`, `on_retry` and "
                             "`deadline`: subclass ultrarun.ModelBase; see docs/api.md)")
    return model


def _endpoint(spec: ModelSpec, ctx: ModelContext) -> Model:
    from agent.models.openai_model import OpenAIModel

    if spec.text in ctx.profiles:
        return OpenAIModel(ctx.profiles[spec.text], overrides=ctx.overrides, env=ctx.env)
    if not spec.text:
        raise ModelSpecError("empty --model: pass a profile name from models.yaml, "
                             "script:FILE, replay:RUN_DIR, reference, py:MODULE:CLASS or a "
                             "raw model name.")
    base_url = (ctx.overrides.base_url if ctx.overrides else None) or \
        ctx.env.get("OPENAI_BASE_URL")
    if not base_url:
        known = ", ".join(sorted(ctx.profiles)) or "none"
        raise ModelSpecError(
            f"model '{spec.text}' is not a profile in models.yaml (known: {known}), so it is "
            "taken as a raw model name and needs an endpoint: pass --base-url URL or set "
            "OPENAI_BASE_URL.")
    profile = ModelProfile(name=spec.text, model=spec.text, base_url=base_url,
                           max_tokens=DEFAULT_MAX_TOKENS)
    return OpenAIModel(profile, overrides=ctx.overrides, env=ctx.env, from_profile=False)


FORMS: tuple[SpecForm, ...] = (
    SpecForm("reference", _reference, name="reference", scripted=True),
    SpecForm("reference", _team_reference, name="reference-team", scripted=True),
    SpecForm("script", _script, prefix="script:", path_arg=True, scripted=True),
    SpecForm("replay", _replay, prefix="replay:", path_arg=True, scripted=True),
    SpecForm("python", _python, prefix="py:", path_arg=True),
)
#: Profiles and raw model names: whatever no row above matches.
ENDPOINT = SpecForm("endpoint", _endpoint)


def parse_spec(text: str) -> ModelSpec:
    """The form a ``--model`` spec has (parsed once, then passed around)."""
    for form in FORMS:
        if form.matches(text):
            return ModelSpec(text, form, text.removeprefix(form.prefix or ""))
    return ModelSpec(text, ENDPOINT, text)


def make_model(spec: str | ModelSpec, *, profiles: Mapping[str, ModelProfile],
               overrides: ModelOverrides | None = None, scenario: Scenario | None = None,
               env: Mapping[str, str] | None = None) -> Model:
    """Build the model a spec names (see the table in the module docstring)."""
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    ctx = ModelContext(profiles, overrides, scenario, os.environ if env is None else env)
    return parsed.make(ctx)
