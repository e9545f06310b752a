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
]
SQL_FREE = [
    "domain",
    "api",
    "web",
    "public",
    "openbadges",
    "signing",
    "baking",
    "verify",
    "certificates",
]


@pytest.mark.parametrize("path", modules(*FLASK_FREE), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_only_adapters_import_flask(path):
    assert not {n for n in imports_of(path) if top(n) == "flask"}


@pytest.mark.parametrize("path", modules(*SQL_FREE), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_only_storage_and_use_cases_import_sqlalchemy(path):
    assert not {n for n in imports_of(path) if top(n) == "sqlalchemy"}


@pytest.mark.parametrize(
    "path", modules("openbadges", "signing", "baking", "certificates"), ids=lambda p: p.name
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
