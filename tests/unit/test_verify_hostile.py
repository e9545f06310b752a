"""Hostile variations of every vector: each field of the badge and of every document it links to
replaced by values of the wrong kind. The verifier answers a report or a coded input error,
and no check ever falls back on its crash guard (which would log an error)."""

from __future__ import annotations

import base64
import copy
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from issuer.errors import IssuerError
from issuer.verify import VerifyInput, verify_badge
from tests.unit.test_verify_vectors import VECTORS, fetcher, loader

HOSTILE: list[Any] = [
    None,
    [],
    {},
    7,
    -1,
    1e308,
    True,
    "",
    "x",
    ["a", {"b": []}],
    {"id": []},
    "http://169.254.169.254/",
    "2026-13-45T99:99:99Z",
]


def variants(document: dict[str, Any], depth: int = 2) -> Iterator[dict[str, Any]]:
    """The document with one field (at any of the first ``depth`` levels) made hostile."""
    for key, value in document.items():
        for hostile in HOSTILE:
            yield {**document, key: hostile}
        if depth > 1 and isinstance(value, dict):
            for inner in variants(value, depth - 1):
                yield {**document, key: inner}


def resigned(token: str, payload: dict[str, Any]) -> str:
    """The token with another payload and its old signature (the signature check fails)."""
    header, _, signature = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def cases(path: Path) -> Iterator[tuple[VerifyInput, dict[str, Any]]]:
    """Hostile badges with the vector's documents, and the vector's badge with hostile documents."""
    vector = json.loads(path.read_text())
    given, documents = vector["input"], vector["documents"]
    credential = given.get("credential")
    if isinstance(credential, dict):
        for variant in variants(credential):
            yield VerifyInput.from_credential(variant, recipient_email="a@b.example"), documents
    elif isinstance(credential, str):
        part = credential.split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        for variant in variants(payload, depth=1):
            yield VerifyInput.from_credential(resigned(credential, variant)), documents
    original = (
        VerifyInput.from_url(given["url"])
        if "url" in given
        else VerifyInput.from_credential(credential, recipient_email="a@b.example")
    )
    for url, entry in documents.items():
        if isinstance(entry.get("json"), dict):
            for variant in variants(entry["json"], depth=1):
                yield original, {**documents, url: {**entry, "json": copy.deepcopy(variant)}}


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_hostile_variants_answer_a_report_or_a_coded_error(path: Path, caplog) -> None:
    vector = json.loads(path.read_text())
    now = datetime.fromisoformat(vector["now"].replace("Z", "+00:00"))
    context_loader = loader(tuple(vector.get("extra_contexts", ())))
    runs = 0
    with caplog.at_level(logging.ERROR, logger="issuer.verify"):
        for raw, documents in cases(path):
            runs += 1
            try:
                report = verify_badge(
                    raw, fetch=fetcher(documents, []), now=now, loader=context_loader
                )
            except IssuerError as error:
                assert error.code and error.message
            else:
                assert all(check.reason for check in report.checks)
    assert runs > 20
    assert [record.getMessage() for record in caplog.records] == []
