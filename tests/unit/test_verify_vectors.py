"""One test per verification vector (``tests/fixtures/verify/vectors/*.json``, written by
``make_vectors.py``): the engine, offline, against documents served from the vector itself."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from issuer.openbadges.contexts import ContextLoader
from issuer.verify import Fetched, VerifyInput, verify_badge
from issuer.verify.report import Outcome

ROOT = Path(__file__).resolve().parents[2]
VECTORS = sorted((ROOT / "tests" / "fixtures" / "verify" / "vectors").glob("*.json"))
TEST_CONTEXTS = {
    "credentials-examples-v2": (
        "https://www.w3.org/ns/credentials/examples/v2",
        ROOT / "tests/fixtures/signing/contexts/credentials-examples-v2.jsonld",
    )
}


@cache
def loader(extra: tuple[str, ...]) -> ContextLoader:
    """The product's contexts, plus the test-only ones a vector names."""
    contexts = {url: json.loads(path.read_text()) for url, path in map(TEST_CONTEXTS.get, extra)}  # type: ignore[misc]
    return ContextLoader(ROOT / "schemas" / "contexts", extra_contexts=contexts)


def fetcher(documents: dict[str, Any], asked: list[str]) -> Any:
    """Answers exactly the vector's documents; anything else is a 404 (and recorded)."""

    def fetch(url: str) -> Fetched:
        asked.append(url)
        entry = documents.get(url)
        if entry is None:
            return Fetched(url, 404, "text/plain", b"not found")
        if "json" in entry:
            body, media = json.dumps(entry["json"]).encode(), "application/ld+json"
        else:
            body, media = entry["text"].encode(), entry.get("media_type", "text/plain")
        return Fetched(url, entry.get("status", 200), media, body)

    return fetch


def run_vector(path: Path) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    vector = json.loads(path.read_text())
    given = vector["input"]
    email = vector.get("recipient_email")
    raw = (
        VerifyInput.from_url(given["url"], recipient_email=email)
        if "url" in given
        else VerifyInput.from_credential(given["credential"], recipient_email=email)
    )
    asked: list[str] = []
    report = verify_badge(
        raw,
        fetch=fetcher(vector["documents"], asked),
        now=datetime.fromisoformat(vector["now"].replace("Z", "+00:00")),
        loader=loader(tuple(vector.get("extra_contexts", ()))),
    )
    return vector, report.as_dict(), asked


def test_there_are_vectors() -> None:
    assert len(VECTORS) >= 40


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector(path: Path) -> None:
    vector, report, _ = run_vector(path)
    expect = vector["expect"]
    failed = {c["name"]: c.get("code") for c in report["checks"] if c["status"] == Outcome.FAILED}
    assert failed == expect["failed"], report["checks"]
    assert (report["valid"], report["format"]) == (expect["valid"], expect["format"])
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    for name in expect.get("passed", ()):
        assert statuses[name] == Outcome.PASSED, (name, report["checks"])
    if "recipient" in expect:
        assert report["recipient"]["status"] == expect["recipient"]
    if "revocation" in expect:
        assert report["revocation"]["status"] == expect["revocation"]
    if "revocation_reason" in expect:
        assert report["revocation"]["reason"] == expect["revocation_reason"]


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_every_failed_check_says_why(path: Path) -> None:
    _, report, _ = run_vector(path)
    for check in report["checks"]:
        assert check["reason"], check
        assert (check["status"] == Outcome.FAILED) == ("code" in check), check


def test_each_document_is_fetched_once_per_verification() -> None:
    _, _, asked = run_vector(next(p for p in VECTORS if p.stem == "ob2-signed-valid"))
    assert sorted(asked) == sorted(set(asked))
