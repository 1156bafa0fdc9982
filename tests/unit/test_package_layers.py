"""The packages under ``bot`` form layers: no import cycle between packages, and the platform
imports no feature. A cycle is reported with the modules whose imports close it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
PLATFORM = "bot.platform"
# The gettext catalogs the platform's i18n reads: data below every package.
CATALOGS = "bot.locales"


def module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(module: str) -> str:
    """The package a module counts in: ``bot.daily`` for ``bot.daily.scheduler``,
    ``bot.platform.db`` for ``bot.platform.db.models``, ``bot`` for ``bot.app``."""
    parts = module.split(".")
    depth = 3 if module.startswith(PLATFORM + ".") else 2
    while depth > 1 and not BOT.parent.joinpath(*parts[:depth]).is_dir():
        depth -= 1
    return ".".join(parts[:depth])


def imported_modules(path: Path, module: str) -> Iterator[str]:
    """Every ``bot`` module ``path`` imports, also under TYPE_CHECKING or inside a function."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("bot."))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if base == "bot" or base.startswith("bot."):
                yield base


def package_imports() -> dict[str, dict[str, set[str]]]:
    """package -> imported package -> the modules of the first that import the second."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in sorted(BOT.rglob("*.py")):
        module = module_name(path)
        source = package_of(module)
        for imported in imported_modules(path, module):
            target = package_of(imported)
            if target != source and target != "bot":
                graph.setdefault(source, {}).setdefault(target, set()).add(module)
    return graph


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """The strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def describe(component: list[str], graph: dict[str, dict[str, set[str]]]) -> str:
    edges = [
        f"  {source} -> {target}: {', '.join(sorted(graph[source][target]))}"
        for source in component for target in component if target in graph.get(source, {})
    ]
    return " <-> ".join(component) + "\n" + "\n".join(edges)


def test_no_import_cycle_between_packages() -> None:
    graph = package_imports()
    found = cycles(graph)
    assert not found, "import cycles between packages:\n" + "\n".join(
        describe(component, graph) for component in found
    )


def test_the_platform_imports_no_feature() -> None:
    graph = package_imports()
    upward = {
        f"{source} -> {target}: {', '.join(sorted(modules))}"
        for source, targets in graph.items() if source.startswith(PLATFORM)
        for target, modules in targets.items()
        if not target.startswith(PLATFORM) and target != CATALOGS
    }
    assert not upward, "the platform imports features:\n" + "\n".join(sorted(upward))


@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": {"b": {"a.x"}}, "b": {"a": {"b.y"}}}, [["a", "b"]]),
    ({"a": {"b": {"a.x"}}, "b": {"c": {"b.y"}}, "c": {"a": {"c.z"}}}, [["a", "b", "c"]]),
    ({"a": {"b": {"a.x"}}, "b": {"c": {"b.y"}}}, []),
])
def test_the_check_finds_cycles(
    graph: dict[str, dict[str, set[str]]], expected: list[list[str]]
) -> None:
    assert cycles(graph) == expected
