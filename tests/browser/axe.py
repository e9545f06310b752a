"""axe-core (npm, pinned in tests/browser/axe/package-lock.json) run inside the pages the browser
tests visit: no `serious` or `critical` violation may remain (SPEC §8).

The package is installed with `npm ci` on first use into `.cache/browser-axe/` (again when the
lock file changes), as tests/interop does for its Node.js stack; nothing reaches the service.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

from filelock import FileLock

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = Path(__file__).resolve().parent / "axe"
CACHE_DIR = REPO_ROOT / ".cache" / "browser-axe"
AXE_JS = CACHE_DIR / "node_modules" / "axe-core" / "axe.min.js"
STAMP = CACHE_DIR / "node_modules" / ".ptsb-installed"
BLOCKING = ("serious", "critical")
INSTALL_TIMEOUT = 600


class AxeUnavailable(RuntimeError):
    """npm is not on this machine, so axe-core cannot be installed."""


def _digest() -> str:
    hasher = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        hasher.update(hashlib.sha256((PACKAGE_DIR / name).read_bytes()).digest())
    return hasher.hexdigest()


def axe_source() -> str:
    """The text of axe.min.js, installing the pinned package first when needed."""
    digest = _digest()
    if not _installed(digest):
        npm = shutil.which("npm")
        if npm is None:
            raise AxeUnavailable("npm is not installed (needed for axe-core in the browser tests)")
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with FileLock(CACHE_DIR.parent / "browser-axe.lock", timeout=INSTALL_TIMEOUT):
            if not _installed(digest):
                for name in ("package.json", "package-lock.json"):
                    shutil.copyfile(PACKAGE_DIR / name, CACHE_DIR / name)
                subprocess.run(
                    [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
                    cwd=CACHE_DIR,
                    check=True,
                    capture_output=True,
                    timeout=INSTALL_TIMEOUT,
                )
                STAMP.write_text(digest + "\n")
    return AXE_JS.read_text(encoding="utf-8")


def _installed(digest: str) -> bool:
    try:
        return STAMP.read_text().strip() == digest and AXE_JS.is_file()
    except OSError:
        return False


RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(r => done(r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary)}))))
  .catch(e => done([{id: "axe-error", impact: "critical", help: String(e), nodes: []}]));
"""


def violations(driver: Any, source: str) -> list[dict[str, Any]]:
    """Every violation axe finds in the page the driver shows."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(source)
    driver.set_script_timeout(60)
    found: list[dict[str, Any]] = driver.execute_async_script(RUN_AXE)
    return found


def blocking(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations that fail a page: `serious` and `critical` ones."""
    return [v for v in found if v.get("impact") in BLOCKING]


def describe(found: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found
    )
