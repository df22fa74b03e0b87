"""Reference pages generated from the pydantic models' field descriptions: docs/config.md
(one table per file or object a user writes, one row per field: its type, default, bounds and
description; nested objects as tables of their own) and docs/tools.md (the built-in tools as
the model sees them: each tool's description and arguments).

    python -m agent.configdoc --write     # rewrite both pages

``tests/docs/test_config_reference.py`` checks the pages are current and that every field says
what it is (a field without a description fails it).
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined


@dataclass
class Section:
    """A table of the page: ``model``'s fields, under ``title``."""

    title: str
    model: type[BaseModel]
    intro: str


def sections() -> list[Section]:
    """The top-level objects users write, in page order."""
    from agent.batch.matrix import BatchMatrix
    from agent.models.profiles import ModelProfile
    from agent.options import ForkConfig, ResumeConfig, RunConfig
    from agent.scenario.loader import Scenario

    return [
        Section("scenario.yaml", Scenario,
                "A scenario's folder: see [scenarios.md](scenarios.md) for a whole example."),
        Section("models.yaml: a profile", ModelProfile,
                "Each entry of `profiles:` in `models.yaml` (or `~/.config/ultrarun/models.yaml`, "
                "`--profiles FILE`): see [endpoints.md](endpoints.md)."),
        Section("A batch matrix", BatchMatrix,
                "`ultrarun batch MATRIX.yaml`: see [scale.md](scale.md). An override is any "
                "run option below but `scenario`, `model`, `seed`, `run_id`, `logs`, `labels`."),
        Section("Run options", RunConfig,
                "`ultrarun.run(scenario, model, **options)` ([api.md](api.md)); `ultrarun run` "
                "takes most of them as flags (`ultrarun run --help`)."),
        Section("Resume options", ResumeConfig, "`ultrarun.resume(run_dir, **options)`."),
        Section("Fork options", ForkConfig, "`ultrarun.fork(run_dir, at, **options)`."),
    ]


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models an annotation holds (``X``, ``X | None``, ``list[X]``, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def type_name(annotation: Any) -> str:
    """A field's type as a reader writes it."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin in (types.UnionType, typing.Union):
        return " \\| ".join(type_name(a) for a in args)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (list, tuple, dict):
        return f"{origin.__name__}[{', '.join(type_name(a) for a in args if a is not ...)}]"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "see below" if value.model_dump(exclude_defaults=True) == {} else \
            f"`{value.model_dump(exclude_defaults=False, mode='json')}`"
    if value is None or value is PydanticUndefined:
        return "none"
    if value == "":
        return '`""`'
    return f"`{value!r}`" if not isinstance(value, str) else f"`{value}`"


def bounds(info: FieldInfo) -> str:
    signs = {Ge: "≥", Gt: ">", Le: "≤", Lt: "<"}
    out = []
    for m in info.metadata:
        for kind, sign in signs.items():
            if isinstance(m, kind):
                out.append(f"{sign} {getattr(m, kind.__name__.lower())}")
    return ", ".join(out)


def fields(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    """The fields a user writes (not the ones excluded from the file, like a scenario's
    folder)."""
    return [(name, info) for name, info in model.model_fields.items() if not info.exclude]


def undocumented() -> list[str]:
    """``Model.field`` for every field of the page without a description."""
    out = []
    for model in all_models():
        out += [f"{model.__name__}.{n}" for n, info in fields(model) if not info.description]
    return out


def all_models() -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    stack = [s.model for s in sections()]
    while stack:
        model = stack.pop(0)
        if model in seen:
            continue
        seen.append(model)
        for _name, info in fields(model):
            stack += [m for m in _models_in(info.annotation) if m not in seen]
    return seen


def table(model: type[BaseModel]) -> list[str]:
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for name, info in fields(model):
        alias = info.validation_alias
        shown = f"`{name}`"
        if alias is not None and hasattr(alias, "choices"):
            shown = " or ".join(f"`{c}`" for c in alias.choices)
        limit = bounds(info)
        meaning = (info.description or "").replace("|", "\\|").replace("\n", " ")
        rows.append(f"| {shown} | {type_name(info.annotation)} | {default_text(info)} | "
                    f"{meaning}{f' ({limit})' if limit else ''} |")
    return rows


def render() -> str:
    out = ["# Configuration reference", "",
           "Generated from the models' field descriptions by `python -m agent.configdoc` (a "
           "test checks it is current): every file and object a user writes, field by field.",
           ""]
    done: set[type[BaseModel]] = set()
    for section in sections():
        out += [f"## {section.title}", "", section.intro, "", *table(section.model), ""]
        done.add(section.model)
        nested = [m for _n, info in fields(section.model) for m in _models_in(info.annotation)]
        while nested:
            model = nested.pop(0)
            if model in done:
                continue
            done.add(model)
            doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
            out += [f"### {model.__name__}", "", doc, "", *table(model), ""]
            nested += [m for _n, info in fields(model) for m in _models_in(info.annotation)]
    return "\n".join(out).rstrip() + "\n"


TOOLS_INTRO = """\
# The tools the model gets

Generated from the tools' argument models by `python -m agent.configdoc --write` (a test
checks it is current): what each built-in tool does and takes, as the model sees it (its JSON
schema is made from the same models). A scenario picks its tools (`tools:` in scenario.yaml,
[config.md](config.md#scenarioyaml)), and may add command tools and its own
(`py:MODULE:CLASS`, [api.md](api.md#tools)).

Every path is relative to the workspace (`/workspace` in the container); a path resolving
outside it, through a link included, is refused with a tool error the model sees, and so is a
special file, an argument that does not fit the schema, or an unknown tool. Output too long
for the context reaches the model as its head and tail with the call's id, which `read_log`
pages through; the run keeps every output in full (docs/trajectory.md). How the file tools
stay inside the workspace while the agent races them: [security.md](security.md).
"""


def render_tools() -> str:
    from agent.tools.builtin import BUILTIN_TOOLS

    out = [TOOLS_INTRO]
    for name, tool in BUILTIN_TOOLS.items():
        doc = " ".join((tool.Args.__doc__ or "").split())
        out += [f"## `{name}`", "", doc, "", *table(tool.Args), ""]
    return "\n".join(out).rstrip() + "\n"


def undocumented_tools() -> list[str]:
    from agent.tools.builtin import BUILTIN_TOOLS

    return [f"{name}.{f}" for name, tool in BUILTIN_TOOLS.items()
            for f, info in fields(tool.Args) if not info.description] + \
        [name for name, tool in BUILTIN_TOOLS.items() if not tool.Args.__doc__]


#: docs/ page -> what renders it.
PAGES = {"config.md": render, "tools.md": render_tools}


def main(argv: list[str]) -> None:
    if argv == ["--write"]:
        docs = Path(__file__).resolve().parents[1] / "docs"
        for page, make in PAGES.items():
            (docs / page).write_text(make())
    else:
        print(render(), end="")


if __name__ == "__main__":
    main(sys.argv[1:])
