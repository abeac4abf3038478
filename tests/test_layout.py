"""The package's structure: every import of `assistant` runs downward through its floors, and no
module imports itself back through others."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"

# lowest first; a module may import its own floor's modules and those of the floors below
FLOORS = [
    {"errors", "host", "config", "text", "engines"},
    {"qa"},
    {"documents"},
    {"retrieval"},
    {"voice"},
    {"shelf"},
    {"answering"},
    {"speech"},
    {"service"},
    {"config_file"},
    {"cli"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module of the package -> the package's modules it imports (at any depth)."""
    names = {module_name(p) for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    found.add(full if full in names else node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        graph[module_name(path)] = {m for m in found if m in names}
    return graph


def floor(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    return next((n for n, group in enumerate(FLOORS) if top in group), -1)


def test_every_module_is_on_a_floor() -> None:
    assert [m for m in imports() if m != "assistant" and floor(m) < 0] == []


def test_imports_only_run_downward() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in imports().items()
        for target in targets
        if target != "assistant" and floor(target) > floor(module)
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = imports()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError(" -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            if target != module and not module.startswith(target + "."):
                visit(target, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
