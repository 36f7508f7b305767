"""The import graph of app, processes and handlers has no cycles (docs/ARCHITECTURE.md: one
direction, app → processes → handlers; within a layer, modules form a tree too)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import grimp
import pytest

PACKAGES = ("app", "processes", "handlers")


def cycles(graph: grimp.ImportGraph, roots: tuple[str, ...]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), among the roots' modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []

    def inside(m: str) -> bool:
        return m.split(".")[0] in roots

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if not inside(w):
                continue
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
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for module in sorted(m for m in graph.modules if inside(m)):
            if module not in index:
                visit(module)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_no_import_cycles_in_the_project():
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    assert cycles(graph, PACKAGES) == []


def test_the_check_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The detector itself: a package whose modules import each other (inside functions, the way a
    cycle hides) is reported."""
    pkg = tmp_path / "cyclic_demo"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyclic_demo import b\n")
    (pkg / "b.py").write_text(textwrap.dedent("""
        def later():
            from cyclic_demo import a
            return a
    """))
    (pkg / "c.py").write_text("from cyclic_demo import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("cyclic_demo", cache_dir=None)
    assert cycles(graph, ("cyclic_demo",)) == [["cyclic_demo.a", "cyclic_demo.b"]]
