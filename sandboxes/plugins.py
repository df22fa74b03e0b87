"""Plug-ins, named the way ``--model py:MODULE:CLASS`` names a model: ``MODULE:NAME`` (an
importable module) or ``FILE.py:NAME`` (a Python file; a relative path is taken against the
folder that named it). Models (``--model``), sandbox backends (``--sandbox``) and a scenario's
tools (``tools:``) are loaded here, so the three read and fail the same way."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from sandboxes.errors import UserError

#: What starts a plug-in reference where other names are allowed too.
PREFIX = "py:"


class PluginError(UserError):
    """A plug-in cannot be loaded; the message names it and says what to write."""


def is_file_ref(where: str) -> bool:
    """Whether the module part names a file (``x.py``, ``dir/x``) rather than a module."""
    return where.endswith(".py") or "/" in where


def import_file(path: Path, module_name: str) -> Any:
    """Import a Python file as ``module_name`` (registered in ``sys.modules``: dataclasses and
    pickling look modules up there)."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_plugin(ref: str, what: str, base: Path | None = None) -> Any:
    """The object ``ref`` (``MODULE:NAME`` or ``FILE.py:NAME``, with or without ``py:``) names;
    ``what`` says what it is for in errors (``model``, ``sandbox``, ``tool``)."""
    text = ref
    where, _sep, name = ref.removeprefix(PREFIX).rpartition(":")
    if not where or not name:
        raise PluginError(f"{what} {text!r}: write py:MODULE:NAME (an importable module) or "
                          "py:FILE.py:NAME")
    try:
        if is_file_ref(where):
            path = Path(where) if base is None else base / where
            module = import_file(path, f"_{what}_{path.stem}")
        else:
            module = importlib.import_module(where)
    except (ImportError, OSError) as e:
        raise PluginError(f"{what} {text!r}: cannot import {where!r} ({e})") from None
    obj = getattr(module, name, None)
    if obj is None:
        raise PluginError(f"{what} {text!r}: {where} has no {name!r}")
    return obj
