"""What the suite needs from the machine: a missing tool skips a local run and fails under CI.

`.ci/run` installs every tool the suite uses (Node.js packages, 1EdTech's validator venv, Chromium,
the dev extra), so on CI a missing one is a broken run, never a reason to pass with less checked.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest

TRUTHY = {"1", "true", "yes", "on"}


def in_ci() -> bool:
    """True when the environment says this is a CI run (`CI=true`, as CI services and .ci/run set)."""
    return os.environ.get("CI", "").strip().lower() in TRUTHY


def require_tool(reason: str) -> NoReturn:
    """Stop the test because a tool is missing: a failure under CI, a skip elsewhere."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: .ci/run installs it, so its absence is a failure)")
    pytest.skip(reason, allow_module_level=True)


def require_module(name: str, reason: str) -> ModuleType:
    """Import ``name``, or `require_tool` when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        require_tool(f"{name} is not installed: {reason}")
