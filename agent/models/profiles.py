"""Model profiles: named endpoint configurations loaded from ``models.yaml`` files.

A profile says which model to call where, how to authenticate (the *name* of an environment
variable, never the key), what it costs and how to retry. Files are merged in order, a later
file's entry replacing an earlier entry of the same name as a whole, so that a user override
never silently inherits fields (e.g. ``extra_body``) from the repo default.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sandboxes.errors import UserError

REPO_PROFILES = Path(__file__).resolve().parents[2] / "models.yaml"
USER_PROFILES = Path("~/.config/ultrarun/models.yaml")


class ProfileError(UserError):
    """A profile file or entry is invalid; the message names the file and the field to fix."""


class RetryPolicy(BaseModel):
    """How one model call is retried on 429, 5xx, timeouts and dropped connections."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=20, ge=1, description="attempts of one call at most")
    base_delay_s: float = Field(default=1.0, ge=0, description=(
        "the first wait; each next one doubles, with jitter"))
    max_delay_s: float = Field(default=60.0, ge=0, description="the longest wait")
    outage_budget_s: float = Field(default=600.0, ge=0, description=(
        "seconds from the first failed attempt of one call (waits and attempts alike) before "
        "giving up; an attempt's timeout is cut to what is left of it"))
    max_identical_errors: int = Field(default=3, ge=1, description=(
        "the same error (status and server text) this many times in a row is a problem with "
        "the request, not an outage: the call fails at once (overload and gateway statuses "
        "408, 409, 429, 502, 503, 504 and lost connections are exempt)"))
    retry_after_cap_s: float = Field(default=120.0, ge=0, description=(
        "a larger Retry-After header is clamped to this (a hostile value cannot stall a run)"))
    refused_budget_s: float | None = Field(default=None, ge=0, description=(
        "seconds an endpoint that answered earlier in the run may refuse connections (nothing "
        "listens: its process is gone) before the call fails saying so; unset: 60 for a server "
        "on this machine, the outage budget for a remote one"))


class ModelProfile(BaseModel):
    """One named endpoint configuration (see the commented examples in ``models.yaml``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="what `--model` or `--profile` calls it")
    model: str = Field(description="the model's name at the endpoint")
    base_url: str | None = Field(None, description="the endpoint (OpenAI-compatible)")
    api_key_env: str | None = Field("OPENAI_API_KEY", description=(
        "the environment variable holding the key; null for a keyless local server"))
    price_in_per_mtok: float | None = Field(default=None, ge=0, description=(
        "dollars per million prompt tokens (unset: cost unknown)"))
    price_out_per_mtok: float | None = Field(default=None, ge=0, description=(
        "dollars per million completion tokens"))
    price_cached_in_per_mtok: float | None = Field(default=None, ge=0, description=(
        "dollars per million prompt tokens read from the provider's cache (unset: the input "
        "price)"))
    price_cache_write_per_mtok: float | None = Field(default=None, ge=0, description=(
        "dollars per million prompt tokens written to the provider's cache (Anthropic models; "
        "unset: the input price)"))
    prices_read: str | None = Field(None, description=(
        "when and where the prices were read (e.g. `2026-12-07 api-docs.deepseek.com`)"))
    context_window: int | None = Field(default=None, gt=0, description=(
        "the model's context window in tokens (the context policies plan with it)"))
    max_tokens: int | None = Field(default=None, gt=0, description=(
        "completion tokens per call"))
    max_tokens_param: Literal["max_tokens", "max_completion_tokens"] = Field(
        "max_tokens", description=(
            "the request field carrying it (newer OpenAI reasoning models only accept "
            "`max_completion_tokens`)"))
    temperature: float | None = Field(default=None, ge=0, description="sampling temperature")
    seed: int | None = Field(None, description="sent with each request")
    headers: dict[str, str] = Field(default_factory=dict, description=(
        "extra HTTP headers of each request"))
    extra_body: dict[str, Any] = Field(default_factory=dict, description=(
        "extra fields of each request's body (an endpoint's own options)"))
    tool_mode: Literal["native", "text"] = Field("native", description=(
        "native tool calling, or text: actions in ```bash blocks (models without tool calls)"))
    send_reasoning: bool = Field(False, description=(
        "send the model's reasoning back in the history (endpoints that want it)"))
    timeout_s: float = Field(default=300.0, gt=0, description="seconds per request")
    retry: RetryPolicy = Field(default_factory=RetryPolicy, description=(
        "how a failed call is retried"))

    def with_overrides(self, overrides: ModelOverrides | None) -> ModelProfile:
        """Return a copy with every override that is set replacing the profile's value."""
        if overrides is None:
            return self
        update = overrides.model_dump(exclude_none=True)
        return self.model_copy(update=update) if update else self


class ModelOverrides(BaseModel):
    """Command-line overrides applied on top of a profile (None = keep the profile's value)."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = None  # the model name at the endpoint (`--profile P --model M`)
    tool_mode: Literal["native", "text"] | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    timeout_s: float | None = None
    seed: int | None = None


#: More profiles files (``:``-separated), read after the user's; ``--profiles FILE`` adds more.
PROFILES_ENV = "ULTRARUN_PROFILES"


def default_profile_paths(extra: Iterable[Path | str] = ()) -> list[Path]:
    """The repo ``models.yaml``, the user's ``~/.config/ultrarun/models.yaml``, the files in
    ``$ULTRARUN_PROFILES``, then ``extra`` (``--profiles``): a later file's profile wins."""
    env = [Path(x) for x in os.environ.get(PROFILES_ENV, "").split(":") if x]
    return [REPO_PROFILES, USER_PROFILES.expanduser(), *env, *(Path(x) for x in extra)]


def profile_sources(extra: Iterable[Path | str] = ()) -> dict[str, Path]:
    """Which file each profile comes from (the last one that defines it)."""
    out: dict[str, Path] = {}
    for path in default_profile_paths(extra):
        path = Path(path).expanduser()
        if path.is_file():
            out.update({name: path for name in parse_profiles_file(path)})
    return out


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(entry)"


def _validation_message(path: Path, name: str, err: ValidationError) -> str:
    problems = "; ".join(
        f"field '{_field_path(e['loc'])}': {e['msg']} (got {e.get('input')!r})"
        if e["type"] != "missing" else f"field '{_field_path(e['loc'])}' is required"
        for e in err.errors()
    )
    return (f"{path}: profile '{name}' is invalid: {problems}. Fix the field(s) under "
            f"'profiles: {name}:' in that file; see the commented examples in the repo "
            f"models.yaml for the expected shape.")


def parse_profiles_file(path: Path) -> dict[str, ModelProfile]:
    """Read and validate one profiles file; raise ProfileError naming the file and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML ({exc}). Fix the syntax of that file.") from exc
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read the profiles file ({exc}).") from exc
    if data is None:
        return {}
    if not isinstance(data, Mapping) or set(data) - {"profiles"}:
        raise ProfileError(
            f"{path}: expected a mapping with a single top-level key 'profiles' (name -> "
            f"profile fields), got {type(data).__name__} with keys "
            f"{sorted(map(str, data)) if isinstance(data, Mapping) else '-'}.")
    entries = data.get("profiles") or {}
    if not isinstance(entries, Mapping):
        raise ProfileError(f"{path}: 'profiles' must be a mapping of profile name -> fields, "
                           f"got {type(entries).__name__}.")
    out: dict[str, ModelProfile] = {}
    for name, fields in entries.items():
        if not isinstance(fields, Mapping):
            raise ProfileError(f"{path}: profile '{name}' must be a mapping of fields "
                               f"(model, base_url, ...), got {type(fields).__name__}.")
        if "name" in fields and fields["name"] != name:
            raise ProfileError(f"{path}: profile '{name}' has field 'name: {fields['name']}'; "
                               f"drop the field, the mapping key is the name.")
        try:
            out[str(name)] = ModelProfile.model_validate({**fields, "name": str(name)})
        except ValidationError as exc:
            raise ProfileError(_validation_message(path, str(name), exc)) from None
    return out


def load_profiles(paths: Iterable[Path] | None = None,
                  extra: Iterable[Path | str] = ()) -> dict[str, ModelProfile]:
    """Merge profiles from ``paths`` (default: see ``default_profile_paths``, with ``extra``);
    a missing default file is skipped, a missing ``extra`` file is an error naming it.

    A later file's entry replaces an earlier entry of the same name.
    """
    for path in extra:
        if not Path(path).expanduser().is_file():
            raise ProfileError(f"--profiles {path}: no such file")
    merged: dict[str, ModelProfile] = {}
    for path in default_profile_paths(extra) if paths is None else paths:
        path = Path(path).expanduser()
        if path.is_file():
            merged.update(parse_profiles_file(path))
    return merged
