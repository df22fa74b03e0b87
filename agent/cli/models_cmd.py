"""`ultrarun models`: the model profiles, where each comes from, and whether its key is set."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from agent.cli.console import display_path, print_whole


def models(
    profiles: Annotated[list[Path] | None, typer.Option(
        "--profiles", help="Another profiles file to read (repeatable), as `run --profiles`.")]
    = None,
    json_: Annotated[bool, typer.Option("--json", help="One JSON object per profile.")] = False,
) -> None:
    """List the model profiles (models.yaml, ~/.config/ultrarun/models.yaml, $ULTRARUN_PROFILES,
    --profiles): endpoint, key variable and whether it is set, tool mode, window, prices."""
    from rich.table import Table
    from rich.text import Text

    from agent.models.profiles import load_profiles, profile_sources
    from agent.textsafe import visible

    extra = profiles or []
    loaded = load_profiles(extra=extra)
    sources = profile_sources(extra)
    rows = []
    for name, p in sorted(loaded.items()):
        key = "none (keyless)" if not p.api_key_env else \
            f"{p.api_key_env} ({'set' if os.environ.get(p.api_key_env) else 'not set'})"
        prices = "-" if p.price_in_per_mtok is None or p.price_out_per_mtok is None else \
            f"${p.price_in_per_mtok:g} / ${p.price_out_per_mtok:g}"
        rows.append({"name": name, "model": p.model, "base_url": p.base_url or "(OpenAI's)",
                     "key": key, "tool_mode": p.tool_mode, "context_window": p.context_window,
                     "prices_per_mtok": prices, "file": str(sources.get(name, "?"))})
    if json_:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table(box=None, pad_edge=False)
    for col in ("profile", "model", "endpoint", "key", "mode", "window", "$/Mtok in/out",
                "file"):
        table.add_column(col)
    for r in rows:
        table.add_row(*(Text(visible(str(x))) for x in (
            r["name"], r["model"], r["base_url"], r["key"], r["tool_mode"],
            r["context_window"] or "-", r["prices_per_mtok"], display_path(Path(str(r["file"]))))))
    print_whole(table)
