"""docs/config.md is generated from the configuration models (`python -m agent.configdoc`):
it is current, and every field a user writes says what it is."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from agent import configdoc

PAGE = Path(__file__).parents[2] / "docs" / "config.md"


def test_the_reference_page_is_current() -> None:
    assert PAGE.read_text() == configdoc.render(), \
        "docs/config.md is stale: run `.venv/bin/python -m agent.configdoc > docs/config.md`"


def test_every_field_has_a_description() -> None:
    assert configdoc.undocumented() == []
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
