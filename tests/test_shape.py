"""The package's shape (docs/developers.md, "Layers"): the layers are import-linter's contracts in
pyproject.toml (`make test` runs `lint-imports`); no import cycle is allowed, found here with grimp
(import-linter's graph)."""

from __future__ import annotations

import grimp

def cycle_imports(package: str = "press") -> set[str]:
    """The imports between two modules of `package` that import each other, directly or not
    (an edge inside a strongly connected component of the import graph)."""
    graph = grimp.build_graph(package)
    modules = {m for m in graph.modules if m.startswith(f"{package}.")}
    imports = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in modules} for m in modules}
    reaches = {m: graph.find_upstream_modules(m) | {m} for m in modules}  # what m imports, directly or not
    short = lambda name: name.removeprefix(f"{package}.")  # noqa: E731
    return {f"{short(a)} -> {short(b)}" for a in modules for b in imports[a] if a in reaches[b]}


def test_no_import_cycle():
    """No two modules of press import each other, directly or through others."""
    found = cycle_imports()
    assert not found, f"import cycle(s) through {sorted(found)}: import the lower layer from the higher one only"
