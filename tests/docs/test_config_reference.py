"""docs/config.md and docs/tools.md are generated from the models (`python -m
agent.configdoc --write`): they are current, and every field a user (or the model) writes
says what it is."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from agent import configdoc

DOCS = Path(__file__).parents[2] / "docs"


def test_the_reference_pages_are_current() -> None:
    for page, make in configdoc.PAGES.items():
        assert (DOCS / page).read_text() == make(), \
            f"docs/{page} is stale: run `.venv/bin/python -m agent.configdoc --write`"


def test_every_field_has_a_description() -> None:
    assert configdoc.undocumented() == []
    assert configdoc.undocumented_tools() == []
    assert {"Scenario", "GraderSpec", "Limits", "ModelProfile", "RetryPolicy", "BatchMatrix",
            "RunConfig", "MaskOptions", "DockerConfig", "PluginConfig"} <= \
        {m.__name__ for m in configdoc.all_models()}


def test_a_field_without_a_description_is_found(monkeypatch) -> None:
    """Positive control: a model reachable from a section, with one bare field."""

    class Inner(BaseModel):
        """Inner."""

        bare: int = 1

    class Outer(BaseModel):
        inner: Inner = Field(default_factory=Inner, description="documented")

    monkeypatch.setattr(configdoc, "sections",
                        lambda: [configdoc.Section("outer", Outer, "x")])
    assert configdoc.undocumented() == ["Inner.bare"]
    assert "| `bare` | int | `1` |  |" in configdoc.render()
