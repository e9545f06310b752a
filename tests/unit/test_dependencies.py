"""Every third-party package issuer/ imports is declared in pyproject.toml, so a fresh install
works without relying on what another dependency happens to pull in."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "issuer"


def top_level_imports(path: Path) -> set[str]:
    """The first name of every absolute import in one file (top level and inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {
        canonical(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0])
        for spec in project["dependencies"]
    }


def third_party_imports() -> dict[str, set[str]]:
    """Import name -> the files that import it, for names outside the standard library and us."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for name in top_level_imports(path) - set(sys.stdlib_module_names) - {"issuer"}:
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_in_issuer_is_a_declared_dependency():
    by_import = packages_distributions()
    declared = declared_distributions()
    undeclared = {
        name: sorted(files)
        for name, files in third_party_imports().items()
        if not {canonical(d) for d in by_import.get(name, [name])} & declared
    }
    assert undeclared == {}


def test_the_scan_sees_a_package_that_is_only_pulled_in_by_another():
    """click comes with Flask: the scan must still count it as imported by us."""
    assert "click" in third_party_imports()
    assert "click" in declared_distributions()
