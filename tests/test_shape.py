"""The package's shape (docs/developers.md, "Layers"): the layers are import-linter's contracts in
pyproject.toml (`make test` runs `lint-imports`); the import cycles are counted here, with grimp
(import-linter's graph), and may only shrink."""

from __future__ import annotations

import grimp

# Every import that lies on an import cycle among press's modules today, as "importer -> imported".
# The list is to be emptied, never grown: a new cycle fails, and a cycle broken must leave it.
KNOWN_CYCLE_IMPORTS = {  # today: 1 cycle (citations-markdown, inside one layer), 2 imports
    "citations.citations -> markdown.markdown",
    "markdown.markdown -> citations.citations",
}


def cycle_imports(package: str = "press") -> set[str]:
    """The imports between two modules of `package` that import each other, directly or not
    (an edge inside a strongly connected component of the import graph)."""
    graph = grimp.build_graph(package)
    modules = {m for m in graph.modules if m.startswith(f"{package}.")}
    imports = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in modules} for m in modules}
    reaches = {m: graph.find_upstream_modules(m) | {m} for m in modules}  # what m imports, directly or not
    short = lambda name: name.removeprefix(f"{package}.")  # noqa: E731
    return {f"{short(a)} -> {short(b)}" for a in modules for b in imports[a] if a in reaches[b]}


def test_no_new_import_cycle():
    found = cycle_imports()
    assert not found - KNOWN_CYCLE_IMPORTS, (
        f"new import cycle(s) through {sorted(found - KNOWN_CYCLE_IMPORTS)}: import the lower layer from the higher one only")
    assert not KNOWN_CYCLE_IMPORTS - found, (
        f"{sorted(KNOWN_CYCLE_IMPORTS - found)} no longer on a cycle: remove them from KNOWN_CYCLE_IMPORTS")
