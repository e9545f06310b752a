"""Where the suite's copies of 1EdTech's reference files live (see tests/fixtures/1edtech/MANIFEST.md).

The tests read only these copies, so a fresh clone checks our documents against the official
schemas without anything beside the repository."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ONEEDTECH_DIR = Path(__file__).resolve().parent / "fixtures" / "1edtech"
OB3_SCHEMAS_DIR = ONEEDTECH_DIR / "ob3-schemas"
CONTEXTS_RECORD = ONEEDTECH_DIR / "contexts" / "RECORD.md"
CLR_DIR = ONEEDTECH_DIR / "clr"
CLR_RECORD = CLR_DIR / "SOURCES.md"


def ob3_schema(name: str) -> dict[str, Any]:
    """One of 1EdTech's OB 3.0 JSON Schema (or OpenAPI) files, parsed."""
    document: dict[str, Any] = json.loads((OB3_SCHEMAS_DIR / name).read_text(encoding="utf-8"))
    return document


def recorded_context_sha256() -> dict[str, str]:
    """File name -> sha256 of each JSON-LD context, as the steering side's record gives them."""
    row = re.compile(
        r"^\| (?P<file>[\w.-]+\.jsonld) \| [^|]+ \| `(?P<sha256>[0-9a-f]{64})` \|", re.M
    )
    text = CONTEXTS_RECORD.read_text(encoding="utf-8")
    recorded = {match["file"]: match["sha256"] for match in row.finditer(text)}
    # The CLR context is recorded apart, with the CLR schemas (its file name in backticks).
    clr_row = re.compile(
        r"^\| `(?P<file>clr-[\w.-]+\.json)` \| .* \| `(?P<sha256>[0-9a-f]{64})` \|$", re.M
    )
    clr_text = CLR_RECORD.read_text(encoding="utf-8")
    recorded |= {match["file"]: match["sha256"] for match in clr_row.finditer(clr_text)}
    return recorded


def clr_file(name: str) -> dict[str, Any]:
    """One of 1EdTech's CLR 2.0 schemas or examples (``examples/...``), parsed."""
    document: dict[str, Any] = json.loads((CLR_DIR / name).read_text(encoding="utf-8"))
    return document
