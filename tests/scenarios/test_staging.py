"""agent/scenario/staging.py: stage-marker rendering and diff -> edit_file edits."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from agent.scenario.staging import Mistake, edits_between, render, render_tree

STAGED = """\
a
#@ 2
b
    #@ 3-4
    c
    #@ end
#@ end
#@ 1-1
only one
#@ end
z
"""


def test_render_keeps_lines_whose_markers_all_include_the_stage() -> None:
    assert render(STAGED, 1) == "a\nonly one\nz\n"
    assert render(STAGED, 2) == "a\nb\nz\n"
    assert render(STAGED, 3) == "a\nb\n    c\nz\n"
    assert render(STAGED, 5) == "a\nb\nz\n"
    assert render("no markers\n", 7) == "no markers\n"


@pytest.mark.parametrize("bad", ["#@ 2\nx\n", "x\n#@ end\n"])
def test_render_rejects_unbalanced_markers(bad: str) -> None:
    with pytest.raises(ValueError, match="unbalanced"):
        render(bad, 1)


def test_render_tree_leaves_out_files_empty_at_a_stage(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "late.py").write_text("#@ 3\nlate\n#@ end\n")
    (tmp_path / "main").write_text(STAGED)
    assert render_tree(tmp_path, 1) == {"main": "a\nonly one\nz\n"}
    assert render_tree(tmp_path, 3)["pkg/late.py"] == "late\n"


def _apply(doc: str, target: str, gap: int) -> int:
    n = 0
    for old, new, line in edits_between(doc, target, gap):
        assert doc.count(old) == 1, "every edit must match exactly once"
        assert doc[:doc.index(old)].count("\n") + 1 == line
        doc = doc.replace(old, new, 1)
        n += 1
    assert doc == target
    return n


def test_edits_turn_a_document_into_the_target_with_unique_olds() -> None:
    rng = random.Random(7)
    words = ["x = 1", "y = 2", "return x", "pass", "", "}", "if a:", "else:"]
    for _ in range(200):
        a = [rng.choice(words) for _ in range(rng.randint(0, 40))]
        b = list(a)
        for _ in range(rng.randint(1, 6)):
            i = rng.randint(0, len(b))
            if b and rng.random() < 0.4:
                del b[min(i, len(b) - 1)]
            else:
                b.insert(i, rng.choice(words) + f"  # {rng.randint(0, 9)}")
        doc, target = "".join(w + "\n" for w in a), "".join(w + "\n" for w in b)
        if doc != target and doc.strip():  # a blank file has nothing to anchor an edit
            _apply(doc, target, rng.choice([0, 3, 30]))


def test_a_wider_context_gap_merges_nearby_changes() -> None:
    doc = "".join(f"line {i}\n" for i in range(40))
    target = doc.replace("line 5\n", "five\n").replace("line 12\n", "twelve\n")
    assert _apply(doc, target, 3) == 2
    assert _apply(doc, target, 10) == 1


def test_mistake_keeps_the_positional_form_of_older_policies() -> None:
    m = Mistake("right", "wrong", "a_test", "why")
    assert m.path == "" and m.shows_in == "a_test"
