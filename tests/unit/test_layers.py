"""The dependency direction of STYLE.md, checked on the source: a wrong import fails CI, not review."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "issuer"
STDLIB = set(sys.stdlib_module_names)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports (top level and inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(*areas: str) -> list[Path]:
    return sorted(
        p for area in areas for p in (PACKAGE / area).rglob("*.py") if "versions" not in p.parts
    )


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: p.name)
def test_domain_imports_only_the_standard_library_and_our_errors(path):
    for name in imports_of(path):
        assert top(name) in STDLIB or name.startswith(("issuer.domain", "issuer.errors")), name


FLASK_FREE = [
    "domain",
    "workflow",
    "models",
    "openbadges",
    "signing",
    "baking",
    "verify",
    "certificates",
    "migrations",
    "backpack_client",
    "mail",
    "evidence",
]
SQL_FREE = [
    "domain",
    "api",
    "web",
    "public",
    "ops",
    "openbadges",
    "signing",
    "baking",
    "verify",
    "certificates",
    "backpack_client",
    "mail",
    "evidence",
]


@pytest.mark.parametrize("path", modules(*FLASK_FREE), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_only_adapters_import_flask(path):
    assert not {n for n in imports_of(path) if top(n) == "flask"}


@pytest.mark.parametrize("path", modules(*SQL_FREE), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_only_storage_and_use_cases_import_sqlalchemy(path):
    assert not {n for n in imports_of(path) if top(n) == "sqlalchemy"}


@pytest.mark.parametrize(
    "path",
    modules("openbadges", "signing", "baking", "certificates", "mail", "evidence"),
    ids=lambda p: p.name,
)
def test_format_packages_do_not_reach_into_use_cases_or_adapters(path):
    bad = (
        "issuer.workflow",
        "issuer.models",
        "issuer.db",
        "issuer.api",
        "issuer.web",
        "issuer.public",
    )
    assert not {n for n in imports_of(path) if n.startswith(bad)}


def subpackage_of(path: Path) -> str:
    """The top-level part of issuer/ a file belongs to: ``workflow``, ``runtime``, ``cli``…"""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported_names(path: Path) -> set[str]:
    """Like imports_of, and ``from issuer import cli`` counts as importing ``issuer.cli``."""
    found = imports_of(path)
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def subpackage_graph() -> dict[str, dict[str, set[str]]]:
    """Which top-level parts of issuer/ import which, with the files that do it."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in modules("."):
        source = subpackage_of(path)
        for name in imported_names(path):
            parts = name.split(".")
            if parts[0] == "issuer" and len(parts) > 1 and parts[1] != source:
                where = graph.setdefault(source, {}).setdefault(parts[1], set())
                where.add(str(path.relative_to(PACKAGE)))
    return graph


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """Every strongly connected set of more than one part (Tarjan), each sorted."""
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
            members = []
            while True:
                member = stack.pop()
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_sees_a_two_part_cycle():
    graph = {"a": {"b": {"a/x.py"}}, "b": {"a": {"b/y.py"}}, "c": {"a": {"c/z.py"}}}
    assert cycles(graph) == [["a", "b"]]


def test_no_import_cycles_between_parts_of_issuer():
    graph = subpackage_graph()
    found = cycles(graph)
    detail = {
        " <-> ".join(cycle): {
            f"{a} -> {b}": sorted(graph[a][b])
            for a in cycle
            for b in cycle
            if b in graph.get(a, {})
        }
        for cycle in found
    }
    assert detail == {}


# Adapters parse, authorize, call a use case and render: rows and queries stay in workflow/.
# cli.py is held to the same rule: it builds its services through app.py (the one composition
# root) and reaches storage only through workflow/, so it needs no exception.
ADAPTERS = ["api", "web", "ob3api", "clrapi", "oauth", "public", "ops"]
ORM = ("issuer.models", "issuer.db", "sqlalchemy")


def adapter_modules() -> list[Path]:
    return [*modules(*ADAPTERS), PACKAGE / "cli.py"]


@pytest.mark.parametrize("path", adapter_modules(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_adapters_do_not_import_orm_models_or_sqlalchemy(path):
    assert not {n for n in imports_of(path) if n.startswith(ORM)}


def test_signing_uses_only_public_names_of_its_sibling_modules():
    for path in modules("signing"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("issuer."):
                assert not [a.name for a in node.names if a.name.startswith("_")], path.name
