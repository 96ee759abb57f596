"""Print danhgia's import graph in short: modules and imports, the import circles (strongly connected groups of
modules, function-level imports included), who imports whom between the top packages, and the largest files.

    .venv/bin/python scripts/import_graph.py            # this checkout
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python scripts/import_graph.py   # another one
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import grimp


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other, directly or not (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(100_000)

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def main() -> None:
    """Print the summary."""
    graph = grimp.build_graph("danhgia", cache_dir=None)  # never a stale cache of another checkout
    modules = sorted(graph.modules)
    imports = sum(len(graph.find_modules_directly_imported_by(m)) for m in modules)
    print(f"modules: {len(modules)}, imports between them: {imports}")
    groups = circles(graph)
    print(f"import circles: {len(groups)}")
    for group in groups:
        print(f"  {len(group)} modules: {', '.join(group)}")
    top = defaultdict(set)
    for module in modules:
        for other in graph.find_modules_directly_imported_by(module):
            a, b = ".".join(module.split(".")[:2]), ".".join(other.split(".")[:2])
            if a != b:
                top[a].add(b)
    print("top packages import:")
    for package in sorted(top):
        print(f"  {package} -> {', '.join(sorted(top[package]))}")
    import danhgia

    root = Path(danhgia.__file__).parent
    sizes = sorted(
        ((len(p.read_text(encoding="utf-8").splitlines()), p.relative_to(root)) for p in root.rglob("*.py")),
        reverse=True,
    )
    print("largest files:")
    for lines, path in sizes[:10]:
        print(f"  {lines:5}  {path}")


if __name__ == "__main__":
    main()
