"""Dependencies point one way, checked from the source (DESIGN.md, "Layout").

Every ``import`` statement of ``sim`` and ``strategies`` is read with :mod:`ast`, the
ones inside functions included, so a lazy import cannot hide a dependency:

- no import loop between files;
- the model's modules (``sim`` without ``sim.lab``) import neither ``strategies`` nor
  the lab;
- strategies import from ``sim`` only its public types and catalogues, and those import
  only each other (the conformance checker ``strategies.checks`` runs simulations and
  may import the model; the model still never imports it).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("sim", "strategies")
# What a strategy may use: the advertiser's public types and the public catalogues.
PUBLIC = frozenset(
    {
        "sim.campaign",
        "sim.creative",
        "sim.errors",
        "sim.geography",
        "sim.interests",
        "sim.occupations",
        "sim.platforms",
    }
)
ENTRY_POINTS = frozenset({"sim.__main__"})  # `python -m sim` starts the lab's CLI
# The conformance checker runs each strategy through a short simulation: it is a tool
# above the model (like the lab), not a strategy, so it may import the model.
CHECKERS = frozenset({"strategies.checks"})


def module_files() -> dict[str, Path]:
    """Every project module, by dotted name."""
    out = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = module_files()


def imports_of(name: str, path: Path) -> set[str]:
    """Project modules that ``name`` imports anywhere in its source (functions included)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from sim import behavior` imports the module sim.behavior
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]  # fmt: skip
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # `import sim.lab.cli as x` etc.
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] in PACKAGES and target != name:
                found.add(target)
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def test_the_source_is_read():
    assert {"sim.model", "sim.market", "sim.people", "strategies.base"} <= set(MODULES)
    assert "sim.market" in GRAPH["sim.model"]
    # a function-level import counts: sim.lab.cli imports strategies inside functions
    assert "strategies" in GRAPH["sim.lab.cli"]


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_loops():
    assert cycles(GRAPH) == []


def model_modules() -> list[str]:
    return sorted(
        n for n in MODULES if n.startswith("sim") and not n.startswith("sim.lab")
        and n not in ENTRY_POINTS
    )  # fmt: skip


@pytest.mark.parametrize("name", model_modules())
def test_the_model_imports_neither_strategies_nor_the_lab(name):
    bad = sorted(
        t for t in GRAPH[name] if t.split(".")[0] == "strategies" or t.startswith("sim.lab")
    )
    assert not bad, f"{name} imports {bad}"


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if n.startswith("strategies") and n not in CHECKERS)
)
def test_strategies_import_only_public_types(name):
    bad = sorted(t for t in GRAPH[name] if t.startswith("sim") and t not in PUBLIC)
    assert not bad, f"{name} imports {bad}; strategies may use only {sorted(PUBLIC)}"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_types_import_only_public_types(name):
    bad = sorted(t for t in GRAPH[name] if t not in PUBLIC)
    assert not bad, f"{name} (public) imports {bad}"
