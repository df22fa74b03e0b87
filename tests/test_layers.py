"""The layers and who may import whom.

``scenarios/`` holds scenarios only (data, graders, reference policies): its Python files
import the public ``ultrarun`` API, never the harness (``agent``). The harness's packages
form no import circle (a lazy import inside a function counts: it is a circle at run time).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = ("agent", "sandboxes", "ultrarun")


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at top level or inside a function."""
    text = path.read_text()
    try:
        tree = ast.parse(text, str(path))
    except SyntaxError:  # a staged reference: valid Python only once rendered
        return set(re.findall(r"^\s*(?:from|import)\s+([\w.]+)", text, re.M))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_no_scenario_file_imports_the_harness() -> None:
    files = sorted((ROOT / "scenarios").rglob("*.py"))
    assert len(files) >= 20, "the scenarios' Python files were not found"
    bad = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.split(".")[0] == "agent")
           for p in files}
    assert not {p: m for p, m in bad.items() if m}


def test_the_check_sees_an_import_of_the_harness(tmp_path: Path) -> None:
    """Positive control: the AST walk finds both forms, also inside a function."""
    f = tmp_path / "policy.py"
    f.write_text("def f():\n    from agent.scenario import policy\n    import agent.loop\n")
    assert {"agent.scenario", "agent.loop"} <= _imports(f)
    f.write_text("#@ 2\nif x:\n#@ end\n    from agent import loop\n")  # staged: no AST
    assert "agent" in _imports(f)


def _module_graph() -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for pkg in PACKAGES:
        for p in (ROOT / pkg).rglob("*.py"):
            parts = p.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p

    def owner(name: str) -> str | None:  # `a.b.C` -> the module `a.b`
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    return {m: {o for i in _imports(p) if (o := owner(i)) and o != m}
            for m, p in modules.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    circles.append(sorted(comp))
    return circles


def test_the_batch_executors_the_scenario_layer_and_the_api_form_no_circle() -> None:
    circles = _circles(_module_graph())
    mine = ("agent.batch", "agent.scenario", "ultrarun")
    assert not [c for c in circles if any(m.startswith(mine) for m in c)], circles


def test_the_circle_finder_finds_a_circle() -> None:
    """Positive control for the check above."""
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_code_cites_docs_not_an_outside_contract() -> None:
    """What the code relies on is documented in docs/: no reference to a "CONTRACT n" that is
    not in the repository."""
    cited = [str(p.relative_to(ROOT)) for pkg in (*PACKAGES, "scenarios", "tests", "benchmarks")
             for p in (ROOT / pkg).rglob("*.py")
             if re.search(r"CONTRACT \d", p.read_text(errors="replace"))]
    cited += [n for n in ("Makefile", "README.md")
              if re.search(r"CONTRACT \d", (ROOT / n).read_text())]
    assert not cited, cited


def test_no_harness_module_is_over_600_lines() -> None:
    """Small modules with one job: past 600 lines a module is split by what its parts do."""
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines())
             for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    assert len(sizes) > 100
    assert {p: n for p, n in sizes.items() if n > 600} == {}
