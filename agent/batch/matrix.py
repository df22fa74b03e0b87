"""The batch matrix (`ultrarun batch MATRIX.yaml`) and its expansion into entries.

```yaml
scenarios: [toy-c-compiler, path/to/my-scenario]      # built-in names or folders
models: [reference, my-profile, "script:calls.yaml"]   # profiles, specials, model names
seeds: [1, 2, 3]                                       # default [1]
agents: [1, 3]                                         # a team of N per entry (docs/teams.md)
overrides: {max_steps: 300, context: mask}             # any run option, every entry
scenario_overrides: {toy-c-compiler: {max_time: 6h}}   # keyed as written in `scenarios`
model_overrides: {"script:calls.yaml": {sandbox: local}}
entries:                                               # extra entries outside the cross
  - {scenario: toy-c-compiler, model: reference, seed: 9, overrides: {max_steps: 20}}
```
Precedence: ``overrides`` < ``scenario_overrides`` < ``model_overrides`` < an entry's own.
Relative paths (scenario folders, ``script:``/``replay:`` files) are resolved against the
matrix file's folder first, then the working directory, and stored absolute: a Ray worker
reads the same path from its own working directory.

Each entry's run id is ``<scenario>__<model-slug>__s<seed>``, stable across invocations (that
is what makes a re-run skip or resume instead of duplicating). Two model specs with the same
slug get a short hash of the spec appended.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.models.registry import parse_spec
from agent.options import ConfigError, RunConfig
from agent.scenario.loader import ScenarioError, load_scenario

#: Run options the batch sets itself; a matrix may not override them.
RESERVED = frozenset({"scenario", "model", "seed", "run_id", "logs", "labels"})
OVERRIDABLE = frozenset(RunConfig.model_fields) - RESERVED


class MatrixError(ConfigError):
    """A bad matrix file; the message names the file and the field (CLI exit 2)."""


class EntrySpec(BaseModel):
    """One explicit entry of ``entries:``."""

    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(description="a built-in scenario or a scenario folder")
    model: str = Field(description="what `--model` takes")
    seed: int = Field(1, description="the entry's seed (part of its run id)")
    agents: int = Field(1, ge=1, le=64, description=(
        "1: a single run; N >= 2: a team of N agents on one upstream (docs/teams.md)"))
    overrides: dict[str, Any] = Field(default_factory=dict, description=(
        "run options of this entry (they win over every other override)"))


class BatchMatrix(BaseModel):
    """The matrix file as written (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    scenarios: list[str] = Field(default_factory=list, description=(
        "built-in names or folders (relative to the matrix file first)"))
    models: list[str] = Field(default_factory=list, description=(
        "profiles, specials, model names: what `--model` takes"))
    seeds: list[int] = Field(default_factory=lambda: [1], description=(
        "one run per scenario x model x seed"))
    agents: list[Annotated[int, Field(ge=1, le=64)]] = Field(
        default_factory=lambda: [1], description=(
            "agents per entry (an axis): 1 is a single run, N >= 2 a team of N agents on one "
            "upstream (docs/teams.md)"))
    overrides: dict[str, Any] = Field(default_factory=dict, description=(
        "run options of every entry"))
    scenario_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict, description=(
        "run options per scenario, keyed as written in `scenarios`"))
    model_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict, description=(
        "run options per model (they win over the scenario's)"))
    entries: list[EntrySpec] = Field(default_factory=list, description=(
        "extra entries outside the cross product"))


class Entry(BaseModel):
    """One run of the batch: what to run and the run options that differ from defaults."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    scenario: str  # resolved: an absolute folder or a built-in name
    scenario_name: str
    model: str  # resolved spec handed to the runner
    model_label: str  # as written in the matrix (tables group by it)
    seed: int
    agents: int = 1  # >= 2: a team (its folder is a team folder)
    overrides: dict[str, Any] = Field(default_factory=dict)

    def config(self, logs: Path, labels: dict[str, str] | None = None) -> RunConfig:
        """The RunConfig of this entry, its folder under ``logs``."""
        return RunConfig(scenario=self.scenario, model=self.model, seed=self.seed,
                         run_id=self.run_id, logs=logs, labels=labels or {}, **self.overrides)


def model_slug(spec: str) -> str:
    """A folder-safe short name: ``script:dir/calls.yaml`` -> ``script-calls``."""
    parsed = parse_spec(spec)
    if parsed.form.path_arg and parsed.kind != "python":
        spec = f"{parsed.kind}-{Path(parsed.arg.rstrip('/')).stem or 'x'}"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", spec).strip("-.")
    return re.sub(r"_{2,}", "_", slug) or "model"  # "__" separates the id's parts


def _resolve_path(ref: str, base: Path) -> str | None:
    p = Path(ref).expanduser()
    for cand in ([p] if p.is_absolute() else [base / p, p]):
        if cand.exists():
            return str(cand.resolve())
    return None


def _resolve_model(spec: str, base: Path) -> str:
    # A missing file stays as written: the runner names it.
    return parse_spec(spec).with_path(lambda p: _resolve_path(p, base) or p).text


def load_matrix(path: Path) -> BatchMatrix:
    """Parse and validate a matrix file; errors name the file and field."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as e:
        raise MatrixError(f"{path}: cannot read the matrix file ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise MatrixError(f"{path}: not valid YAML ({e})") from None
    if not isinstance(data, dict):
        raise MatrixError(f"{path}: expected a mapping with scenarios, models, seeds, overrides")
    try:
        matrix = BatchMatrix.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise MatrixError(f"{path}: field `{where}`: {err['msg']}") from None
    _check_overrides(path, "overrides", matrix.overrides)
    for key, ov in matrix.scenario_overrides.items():
        if key not in matrix.scenarios:
            raise MatrixError(f"{path}: scenario_overrides.{key}: not one of `scenarios`")
        _check_overrides(path, f"scenario_overrides.{key}", ov)
    for key, ov in matrix.model_overrides.items():
        if key not in matrix.models:
            raise MatrixError(f"{path}: model_overrides.{key}: not one of `models`")
        _check_overrides(path, f"model_overrides.{key}", ov)
    for i, spec in enumerate(matrix.entries):
        _check_overrides(path, f"entries[{i}].overrides", spec.overrides)
    if not matrix.entries and not (matrix.scenarios and matrix.models):
        raise MatrixError(f"{path}: no runs: give `scenarios` and `models` (or `entries`)")
    return matrix


def _check_overrides(path: Path, field: str, ov: dict[str, Any]) -> None:
    bad = sorted(set(ov) - OVERRIDABLE)
    if bad:
        why = "set by the batch itself" if set(bad) & RESERVED else "not a run option"
        raise MatrixError(f"{path}: {field}.{bad[0]}: {why} (run options: "
                          f"{', '.join(sorted(OVERRIDABLE))})")


def expand(matrix: BatchMatrix, *, source: Path) -> list[Entry]:
    """Every entry of the matrix in a stable order, each with its run id and options."""
    base = source.resolve().parent
    names: dict[str, str] = {}

    def scenario(ref: str, field: str) -> tuple[str, str]:
        resolved = _resolve_path(ref, base) or ref
        if resolved not in names:
            try:
                names[resolved] = load_scenario(resolved).name
            except ScenarioError as e:
                raise MatrixError(f"{source}: {field}: {e}") from None
        return resolved, names[resolved]

    raw: list[tuple[str, str, str, str, int, int, dict[str, Any], str]] = []
    for i, s in enumerate(matrix.scenarios):
        ref, name = scenario(s, f"scenarios[{i}]")
        for m in matrix.models:
            for seed in matrix.seeds:
                for agents in matrix.agents:
                    ov = {**matrix.overrides, **matrix.scenario_overrides.get(s, {}),
                          **matrix.model_overrides.get(m, {})}
                    raw.append((ref, name, _resolve_model(m, base), m, seed, agents, ov,
                                f"scenarios[{i}]"))
    for i, e in enumerate(matrix.entries):
        ref, name = scenario(e.scenario, f"entries[{i}].scenario")
        ov = {**matrix.overrides, **matrix.scenario_overrides.get(e.scenario, {}),
              **matrix.model_overrides.get(e.model, {}), **e.overrides}
        raw.append((ref, name, _resolve_model(e.model, base), e.model, e.seed, e.agents, ov,
                    f"entries[{i}]"))
    # Slugs that two different specs share get a hash of the spec, so ids never collide.
    by_slug: dict[str, set[str]] = {}
    for r in raw:
        by_slug.setdefault(model_slug(r[2]), set()).add(r[2])
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for ref, name, model, label, seed, agents, ov, field in raw:
        slug = model_slug(model)
        if len(by_slug[slug]) > 1:
            slug = f"{slug}-{hashlib.sha1(model.encode()).hexdigest()[:6]}"
        run_id = f"{name}__{slug}__s{seed}" + (f"__a{agents}" if agents > 1 else "")
        if run_id in seen:
            raise MatrixError(f"{source}: {field}: run {run_id} appears twice (also from "
                              f"{seen[run_id]})")
        seen[run_id] = field
        entry = Entry(run_id=run_id, scenario=ref, scenario_name=name, model=model,
                      model_label=label if agents == 1 else f"{label} (team of {agents})",
                      seed=seed, agents=agents, overrides=ov)
        try:
            entry.config(Path("logs"))
        except ValidationError as e:
            err = e.errors()[0]
            raise MatrixError(f"{source}: {field}: override `{err['loc'][0]}`: "
                              f"{err['msg']}") from None
        entries.append(entry)
    return entries
