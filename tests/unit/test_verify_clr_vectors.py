"""Our verifier on 1EdTech's CLR 2.0 test vectors (tests/fixtures/1edtech/clr/examples): the
signed examples are valid, checked against 1EdTech's CLR schema, with every credential inside;
a tampered copy is not. The vectors' issuers are example.edu / example.com: their controller
documents are answered here from the key the verificationMethod fragment names (a Multikey)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from issuer.openbadges.contexts import ContextLoader
from issuer.verify import CredentialSchema, Fetched, Report, VerifyInput, verify_badge
from tests.vendored import clr_file

ROOT = Path(__file__).resolve().parents[2]
LOADER = ContextLoader(ROOT / "schemas" / "contexts")
NOW = datetime(2026, 12, 6, tzinfo=UTC)
SIGNED = ("examples/ldp-testvector-clr-signed.json", "examples/validator-clr20-simple.json")


def methods(document: Any) -> list[str]:
    """Every verificationMethod in a document and the credentials inside it."""
    found: list[str] = []
    if isinstance(document, dict):
        for proof in document.get("proof", []):
            found.append(proof["verificationMethod"])
        for value in document.values():
            found += methods(value)
    elif isinstance(document, list):
        for value in document:
            found += methods(value)
    return found


class VectorIssuers:
    """Answers each vector issuer's URL with a controller document listing its Multikey."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        for method in methods(document):
            controller, _, key = method.partition("#")
            entry = {
                "id": method,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": key,
            }
            doc = self.documents.setdefault(
                controller, {"id": controller, "assertionMethod": [], "verificationMethod": []}
            )
            if entry not in doc["verificationMethod"]:
                doc["verificationMethod"].append(entry)
                doc["assertionMethod"].append(method)

    def __call__(self, url: str) -> Fetched:
        found = self.documents.get(url)
        if found is None:
            return Fetched(url, 404, "text/plain", b"not found")
        return Fetched(url, 200, "application/json", json.dumps(found).encode())


def verify(document: dict[str, Any], issuers: VectorIssuers | None = None) -> Report:
    return verify_badge(
        VerifyInput.from_credential(document),
        fetch=issuers or VectorIssuers(document),
        now=NOW,
        loader=LOADER,
        clr_schema=CredentialSchema(clr_file("clr_v2p0_clrcredential_schema.json")),
        ob3_schema=CredentialSchema(clr_file("clr_v2p0_achievementcredential_schema.json")),
    )


@pytest.mark.parametrize("name", SIGNED)
def test_signed_clr_vector_is_valid(name: str) -> None:
    report = verify(clr_file(name))
    assert (report.valid, report.format, report.failed_checks) == (True, "clr-di", ())


@pytest.mark.parametrize("name", SIGNED)
def test_every_credential_inside_the_vector_is_reported_valid(name: str) -> None:
    nested = verify(clr_file(name)).as_dict()["credentials"]
    assert nested and [item["valid"] for item in nested] == [True] * len(nested)


@pytest.mark.parametrize("name", SIGNED)
def test_tampered_clr_vector_fails_its_signature(name: str) -> None:
    original = clr_file(name)
    tampered = copy.deepcopy(original)
    tampered["name"] = "A transcript someone edited"
    report = verify(tampered, VectorIssuers(original))
    assert not report.valid
    assert report.check("signature").code == "bad_signature"


def test_tampered_credential_inside_makes_the_record_invalid() -> None:
    original = clr_file(SIGNED[0])
    tampered = copy.deepcopy(original)
    tampered["credentialSubject"]["verifiableCredential"][0]["name"] = "Doctorate"
    report = verify(tampered, VectorIssuers(original))
    assert report.check("credentials").code == "nested_credential_invalid"
    assert report.as_dict()["credentials"][0]["failed"] == ["signature"]


def test_unsigned_vector_is_not_authenticated() -> None:
    report = verify(clr_file("examples/ldp-testvector-clr-credential.json"))
    assert not report.valid
    assert report.check("signature").failed


def test_record_with_only_vc_and_clr_contexts_fails_structure() -> None:
    original = clr_file(SIGNED[0])
    broken = copy.deepcopy(original)
    broken["@context"] = broken["@context"][:2]
    report = verify(broken, VectorIssuers(original))
    assert report.check("structure").failed
