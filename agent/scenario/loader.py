"""Scenario format (docs/scenarios.md, every field: docs/config.md): `scenario.yaml` validated
by pydantic, found by name or path."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agent.budgets import Budgets, parse_duration
from agent.clock import ClockOptions
from agent.context import ContextName
from agent.tools.toolbox import CommandToolSpec
from sandboxes.errors import UserError
from sandboxes.numbers import count, number
from sandboxes.spec import FileLayer, FileTree, GraderCommand, GradingSpec, Limits, SandboxSpec

__all__ = ["Budgets", "FuzzSpec", "GraderSpec", "ImageSpec", "Include", "Limits", "Scenario",
           "ScenarioError", "builtin_names", "find_scenario_file", "load_scenario",
           "parse_duration"]

BUILTIN_DIR = Path(__file__).resolve().parents[2] / "scenarios"


class ScenarioError(UserError):
    """A scenario could not be found or is invalid; the message names the file and field."""


class ImageSpec(BaseModel):
    """The image the agent works in: exactly one of ``name`` or ``dockerfile``."""

    model_config = ConfigDict(extra="forbid")

    dockerfile: str | None = Field(None, description=(
        "a Dockerfile (`FROM ultrarun/base:bookworm`) built with its own folder as the context "
        "and cached by that folder's content: keep it in a folder of its own (e.g. "
        "`image/Dockerfile`) so the hidden tests do not trigger rebuilds"))
    name: str | None = Field(None, description="an image used as is")

    def model_post_init(self, _ctx: Any) -> None:
        if (self.dockerfile is None) == (self.name is None):
            raise ValueError("give exactly one of `dockerfile` or `name`")


class FuzzSpec(BaseModel):
    """Differential fuzzing at every evaluation (``grader.fuzz``; docs/scenarios.md, "The fuzz
    measure"): the grader takes ``$ULTRARUN_FUZZ=N:SEED`` (with ``$ULTRARUN_FUZZ_ORACLE`` or
    ``$ULTRARUN_FUZZ_EXPECTED``) and ``$ULTRARUN_FUZZ_REDUCE``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    programs: int = count(ge=1, le=1000, description=(
        "fresh random programs tried at each evaluation, from a seed drawn for it and "
        "recorded in its event (a series of its own, never part of the score)"))
    reduce: int = count(2, ge=0, le=20, description=(
        "miscompiled programs of an evaluation shrunk with C-Reduce after it, off the "
        "agent's critical path (0: none)"))
    reduce_seconds: float = number(60, gt=0, le=3600, description=(
        "time bound of one program's reduction, in seconds"))


class GraderSpec(GraderCommand):
    """A scenario's hidden grader (``grader:``)."""

    files: str | None = Field(None, description=(
        "folder mounted read-only at /grader in the grader's container only"))
    every: int | None = count(None, ge=1, description=(
        "grade every N tool calls (and always at the end); --eval-every overrides"))
    coalesce: bool = Field(False, description=(
        "drop a queued evaluation when a newer one is asked for (default: every one asked "
        "for is graded, in order); --coalesce-evals/--every-eval override"))
    parts: dict[str, Annotated[int, count(ge=1)]] = Field(default_factory=dict, description=(
        "grade parts of the suite less often: {part: k} grades a part at every k-th "
        "evaluation (test ids `<part>/...` belong to it); the others carry their last "
        "results over"))
    fuzz: FuzzSpec | None = Field(None, description=(
        "differential fuzzing at every evaluation: {programs: N, reduce: K, "
        "reduce_seconds: T}"))

    @field_validator("parts")
    @classmethod
    def _parts(cls, v: dict[str, int]) -> dict[str, int]:
        for name, k in v.items():
            if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
                raise ValueError(f"part {name!r}: use letters, digits, `.`, `_` or `-`")
            if k < 1:
                raise ValueError(f"part {name!r}: grade it every k-th evaluation with k >= 1")
        return v


class Include(BaseModel):
    """A file or folder of a built-in scenario (or of this one) used where this scenario needs
    it, kept once: ``path`` of scenario ``scenario`` appears at ``to`` in this scenario's
    ``workspace`` or ``grader.files`` folder, wherever ultrarun assembles those (a run's seed
    workspace, the grader's ``/grader``)."""

    model_config = ConfigDict(extra="forbid")

    scenario: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9._-]*$", description=(
        "a built-in scenario (never a folder of your choosing); none: this scenario's own "
        "folder (e.g. files its image and its grader share)"))
    path: str = Field(description="a file or folder in it (symlinks resolved: inside it)")
    to: str = Field(description=(
        "where it appears, inside this scenario's `workspace` or `grader.files` folder, where "
        "nothing of its own is"))


class Scenario(BaseModel):
    """A validated scenario; paths are resolved against ``root`` (the scenario's folder)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description=(
        "lower-case identifier (`[a-z0-9._-]`), used in run ids and image names"))
    title: str = Field("", description="one line for `ultrarun scenarios list`")
    prompt: str = Field(description=(
        "file with the task text; this and every other path of a scenario is relative to its "
        "folder and must stay inside it, symlinks resolved"))
    team_prompt: str | None = Field(None, description=(
        "file with a team's protocol (`--agents N`, docs/teams.md), placeholders {agent}, "
        "{agents}, {n}, {branch} and {task} (the prompt); default: agent/prompts/team.md"))
    image: ImageSpec = Field(default_factory=lambda: ImageSpec(name="ultrarun/base:bookworm"),
                             description="the image the agent works in")
    workspace: str | None = Field(None, description="folder of seed files copied to /workspace")
    limits: Limits = Field(default_factory=Limits, description="what the agent's sandbox may use")
    budgets: Budgets = Field(default_factory=Budgets, description=(
        "defaults for --max-steps, --max-time (`6h`, `90m`, `45s`), --max-cost"))
    tools: list[str] = Field(default_factory=lambda: ["bash", "read_file", "write_file",
                                                      "edit_file", "list_dir", "grep",
                                                      "read_log", "notes", "finish"],
                             description=(
        "the tools offered: built-in ones (`bash read_file write_file edit_file list_dir grep "
        "read_log notes finish`), names of `command_tools`, and your own classes "
        "`py:MODULE:CLASS` or `py:FILE.py:CLASS` (a file inside the scenario's folder)"))
    command_tools: list[CommandToolSpec] = Field(default_factory=list, description=(
        "tools that run a command template in the sandbox"))
    grader: GraderSpec | None = Field(None, description="the hidden grader")
    context: ContextName | None = Field(None, description=(
        "default context policy: full, mask or compact"))
    clock: ClockOptions = Field(default_factory=ClockOptions, description=(
        "how the agent is told its budgets and what is left: cadence and wording "
        "(docs/endpoints.md, \"A clock for the agent\")"))
    env: dict[str, str] = Field(default_factory=dict, description=(
        "environment variables of the agent's sandbox"))
    include: list[Include] = Field(default_factory=list, description=(
        "files or folders of a built-in scenario used as this one's own, without copying "
        "them (docs/scenarios.md, \"Building on another scenario\")"))
    root: Path = Field(default=Path("."), exclude=True)

    @property
    def prompt_text(self) -> str:
        return (self.root / self.prompt).read_text()

    @property
    def team_prompt_text(self) -> str | None:
        return (self.root / self.team_prompt).read_text() if self.team_prompt else None

    @property
    def workspace_tree(self) -> FileTree | None:
        """The seed workspace: the scenario's ``workspace`` folder with what it includes."""
        return self._tree(self.workspace)

    @property
    def image_context(self) -> tuple[Path, str] | None:
        """(build context, Dockerfile name): the Dockerfile's own folder is the context."""
        if not self.image.dockerfile:
            return None
        path = self.root / self.image.dockerfile
        return path.parent, path.name

    @property
    def grader_tree(self) -> FileTree | None:
        """What the grader sees at ``/grader``: ``grader.files`` with what it includes."""
        return self._tree(self.grader.files if self.grader else None)

    def _source(self, inc: Include) -> Path:
        """The folder an include's ``path`` is in."""
        return self.root if inc.scenario is None else BUILTIN_DIR / inc.scenario

    def _tree(self, folder: str | None) -> FileTree | None:
        if not folder:
            return None
        layers = [FileLayer(source=self._source(i) / i.path, target=rel)
                  for i in self.include if (rel := _inside(i.to, folder)) is not None]
        return FileTree(base=self.root / folder, layers=tuple(layers))

    @property
    def builtin(self) -> bool:
        return self.root.parent == BUILTIN_DIR

    def sandbox_spec(self) -> SandboxSpec:
        """What a sandbox backend needs of this scenario (image, limits, env, grader)."""
        g = self.grader
        grading = GradingSpec(**g.model_dump(include=set(GraderCommand.model_fields)),
                              files=self.grader_tree) if g else None
        context, dockerfile = self.image_context or (None, None)
        return SandboxSpec(name=self.name, image=self.image.name, dockerfile=dockerfile,
                           context=context, limits=self.limits, env=self.env, grading=grading)


def _inside(path: str, folder: str) -> str | None:
    """``path`` relative to ``folder`` when it lies strictly inside it (both relative to the
    scenario's folder), else None."""
    parts, top = Path(path).parts, Path(folder).parts
    return Path(*parts[len(top):]).as_posix() if parts[:len(top)] == top and \
        len(parts) > len(top) else None


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with ultrarun."""
    return sorted(p.parent.name for p in BUILTIN_DIR.glob("*/scenario.yaml"))


def find_scenario_file(ref: str) -> Path:
    """``ref`` is a built-in name, a scenario folder, or a path to a scenario.yaml."""
    p = Path(ref)
    if p.is_file():
        return p
    if p.is_dir() and (p / "scenario.yaml").is_file():
        return p / "scenario.yaml"
    builtin = BUILTIN_DIR / ref / "scenario.yaml"
    if "/" not in ref and builtin.is_file():
        return builtin
    raise ScenarioError(
        f"no scenario {ref!r}: give a built-in name ({', '.join(builtin_names()) or 'none'}), "
        "a folder holding scenario.yaml, or the path of a scenario.yaml")


def load_scenario(ref: str) -> Scenario:
    """Load and validate a scenario; every problem is a ScenarioError naming file and field."""
    path = find_scenario_file(ref).resolve()
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        raise ScenarioError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of fields (name, prompt, ...)")
    try:
        scenario = Scenario.model_validate({**data, "root": path.parent})
    except ValidationError as e:
        problems = "; ".join(f"field `{'.'.join(map(str, err['loc'])) or '(top)'}`: "
                             f"{err['msg']}" for err in e.errors())
        raise ScenarioError(f"{path}: {problems}") from None
    _check_files(scenario, path)
    return scenario


def _check_files(s: Scenario, path: Path) -> None:
    checks = [("prompt", s.prompt, "file")]
    if s.team_prompt:
        checks.append(("team_prompt", s.team_prompt, "file"))
    if s.workspace:
        checks.append(("workspace", s.workspace, "dir"))
    if s.image.dockerfile:
        checks.append(("image.dockerfile", s.image.dockerfile, "file"))
    if s.grader and s.grader.files:
        checks.append(("grader.files", s.grader.files, "dir"))
    root = s.root.resolve()
    for field, rel, kind in checks:
        target = s.root / rel
        # Symlinks resolved: a scenario names files of its own folder, never the host's.
        real = target.resolve()
        if real != root and root not in real.parents:
            raise ScenarioError(f"{path}: field `{field}`: {rel!r} is outside the scenario's "
                                f"folder {root} (symlinks resolved: {real})")
        ok = real.is_file() if kind == "file" else real.is_dir()
        if not ok:
            raise ScenarioError(f"{path}: field `{field}`: {kind} {target} does not exist")
    for n, inc in enumerate(s.include):
        _check_include(s, path, n, inc)
    from agent.tools.builtin import BUILTIN_TOOLS
    from agent.tools.toolbox import load_tool
    from sandboxes.plugins import PREFIX, PluginError, is_file_ref

    extra = {t.name for t in s.command_tools}
    for i, name in enumerate(s.tools):
        if name.startswith(PREFIX):
            where = name.removeprefix(PREFIX).rpartition(":")[0]
            file = (s.root / where).resolve()
            if is_file_ref(where) and root not in file.parents:
                raise ScenarioError(f"{path}: field `tools.{i}`: {where!r} is outside the "
                                    f"scenario's folder {root} (symlinks resolved: {file})")
            try:
                load_tool(name, s.root)
            except PluginError as e:
                raise ScenarioError(f"{path}: field `tools.{i}`: {e}") from None
        elif name not in BUILTIN_TOOLS and name not in extra:
            raise ScenarioError(f"{path}: field `tools.{i}`: unknown tool {name!r} (built-in: "
                                f"{', '.join(BUILTIN_TOOLS)}; define it in command_tools, or "
                                "name your own class: py:MODULE:CLASS)")


def _check_include(s: Scenario, path: Path, n: int, inc: Include) -> None:
    """An include names a file of a built-in scenario (trusted, like ours; never a folder of
    the user's choosing) or of ours, and lands inside our workspace or grader folder, on
    nothing of ours."""
    def bad(field: str, why: str) -> ScenarioError:
        return ScenarioError(f"{path}: field `include.{n}.{field}`: {why}")

    if inc.scenario is not None and (inc.scenario not in builtin_names()
                                     or (inc.scenario == s.name and s.builtin)):
        raise bad("scenario", f"{inc.scenario!r} is not another built-in scenario (built-in: "
                              f"{', '.join(builtin_names())}; leave it out for this one's own)")
    base = s._source(inc).resolve()
    whose = f"scenario {inc.scenario}'s" if inc.scenario else "the scenario's"
    src = (base / inc.path).resolve()
    if Path(inc.path).is_absolute() or base not in src.parents:
        raise bad("path", f"{inc.path!r} is outside {whose} folder {base} (symlinks resolved: "
                          f"{src})")
    if not src.exists():
        raise bad("path", f"{inc.path!r}: {whose} folder has no such file or folder")
    folders = [f for f in (s.workspace, s.grader.files if s.grader else None) if f]
    to = Path(inc.to)
    if to.is_absolute() or ".." in to.parts or \
            not any(_inside(inc.to, f) is not None for f in folders):
        raise bad("to", f"{inc.to!r} must be a path inside this scenario's workspace or "
                        f"grader.files folder ({', '.join(folders) or 'it has neither'})")
    root = s.root.resolve()
    target = s.root / to
    real_parent = target.parent.resolve()
    if real_parent != root and root not in real_parent.parents:
        raise bad("to", f"{inc.to!r} is outside the scenario's folder {root} (symlinks "
                        f"resolved: {real_parent})")
    if target.exists() or target.is_symlink():
        raise bad("to", f"{target} exists: an include may not replace the scenario's own files")
