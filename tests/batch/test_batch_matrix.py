"""Matrix parsing and expansion: run ids, overrides, paths, and errors naming the field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.batch import MatrixError, expand, load_matrix, model_slug
from tests.batch.helpers import ROOT, TINY, WORD_COUNT, write_matrix, write_script


def test_expansion_ids_and_override_precedence(tmp_path: Path) -> None:
    a = write_script(tmp_path / "a.yaml", 1)
    path = write_matrix(
        tmp_path / "m.yaml", scenarios=[str(TINY), str(WORD_COUNT)], models=[a, "gpt-4o"],
        seeds=[1, 2], overrides={"max_steps": 5, "sandbox": "local"},
        scenario_overrides={str(TINY): {"max_steps": 7}},
        model_overrides={a: {"context": "mask"}},
        entries=[{"scenario": str(TINY), "model": a, "seed": 9,
                  "overrides": {"max_steps": 3}}])
    entries = expand(load_matrix(path), source=path)
    ids = [e.run_id for e in entries]
    assert len(ids) == 9 == len(set(ids))
    assert ids[0] == "tiny__script-a__s1" and "word-count__gpt-4o__s2" in ids
    by = {e.run_id: e for e in entries}
    assert by["tiny__script-a__s1"].overrides == {"max_steps": 7, "sandbox": "local",
                                                   "context": "mask"}
    assert by["word-count__gpt-4o__s1"].overrides == {"max_steps": 5, "sandbox": "local"}
    assert by["tiny__script-a__s9"].overrides["max_steps"] == 3
    # Relative script paths are resolved against the matrix folder and stored absolute.
    assert by["tiny__script-a__s1"].model == f"script:{tmp_path / 'a.yaml'}"
    cfg = by["tiny__script-a__s1"].config(tmp_path / "logs", {"ultrarun.batch": "m"})
    assert cfg.run_id == "tiny__script-a__s1" and cfg.seed == 1 and cfg.labels
    assert expand(load_matrix(path), source=path) == entries  # stable


def test_slug_collisions_get_a_hash(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    a1 = write_script(tmp_path / "a.yaml", 1)
    write_script(tmp_path / "x" / "a.yaml", 1)
    path = write_matrix(tmp_path / "m.yaml", scenarios=[str(TINY)],
                        models=[a1, "script:x/a.yaml"], seeds=[1])
    ids = [e.run_id for e in expand(load_matrix(path), source=path)]
    assert len(set(ids)) == 2 and all(i.startswith("tiny__script-a-") for i in ids)
    assert model_slug("openai/gpt-4o:free") == "openai-gpt-4o-free"
    assert model_slug("a__b") == "a_b"


@pytest.mark.parametrize(("fields", "needle"), [
    ({"scenarios": [str(TINY)], "models": ["m"], "overrides": {"max_stepz": 3}},
     "overrides.max_stepz"),
    ({"scenarios": [str(TINY)], "models": ["m"], "overrides": {"run_id": "x"}},
     "overrides.run_id"),
    ({"scenarios": [str(TINY)], "models": ["m"], "overrides": {"max_steps": 0}},
     "max_steps"),
    ({"scenarios": ["no-such-scenario"], "models": ["m"]}, "scenarios[0]"),
    ({"scenarios": [str(TINY)], "models": ["m"], "seeds": ["x"]}, "seeds.0"),
    ({"scenarios": [str(TINY)]}, "no runs"),
    ({"scenarios": [str(TINY)], "models": ["m"], "model_overrides": {"n": {}}},
     "model_overrides.n"),
    ({"scenarios": [str(TINY)], "models": ["m"], "colour": 1}, "colour"),
])
def test_bad_matrix_names_the_field(tmp_path: Path, fields: dict, needle: str) -> None:
    path = write_matrix(tmp_path / "m.yaml", **fields)
    with pytest.raises(MatrixError) as e:
        expand(load_matrix(path), source=path)
    assert needle in str(e.value) and str(path) in str(e.value)


def test_cli_bad_matrix_exits_2(tmp_path: Path) -> None:
    path = write_matrix(tmp_path / "m.yaml", scenarios=[str(TINY)], models=["m"],
                        overrides={"max_stepz": 3})
    code = ("import sys, typer\nfrom agent.cli.batch_cmd import batch\n"
            "from sandboxes.errors import UserError\n"
            "try:\n    typer.run(batch)\nexcept UserError as e:\n"
            "    print('error:', e, file=sys.stderr); sys.exit(e.exit_code)\n")
    r = subprocess.run([sys.executable, "-c", code, str(path), "--logs", str(tmp_path)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "max_stepz" in r.stderr and "Traceback" not in r.stderr
