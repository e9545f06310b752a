"""Data Integrity proofs: the vc-di-eddsa vectors reproduced, tampering caught, safe mode enforced."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from issuer.errors import IssuerError, NotFound, SigningError, UnsafeInput, ValidationFailed
from issuer.openbadges.contexts import ContextLoader
from issuer.signing import keys
from issuer.signing.data_integrity import (
    DataIntegrityResult,
    canonicalize,
    sign_data_integrity,
    verify_data_integrity,
)
from issuer.signing.multibase import decode_base58btc

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "signing"
RDFC = json.loads((FIXTURES / "data-integrity/eddsa-rdfc-2022-alumni.json").read_text())
ED2020 = json.loads((FIXTURES / "data-integrity/ed25519-signature-2020-alumni.json").read_text())
OB3 = json.loads((FIXTURES / "data-integrity/ob3-credential-jsonld-js.json").read_text())
VERIFYING_VECTORS = {"DataIntegrityProof": RDFC, "Ed25519Signature2020": ED2020}
VECTOR_KEY = keys.public_key_from_multibase(RDFC["keyPair"]["publicKeyMultibase"])
CREATED = datetime(2025, 1, 15, 10, 0, 0, tzinfo=UTC)
METHOD = "https://badges.example.org/keys/ed25519-1"


def _test_contexts() -> dict[str, Any]:
    return {
        url: json.loads((FIXTURES / path).read_text()) for url, path in RDFC["contexts"].items()
    }


@pytest.fixture(scope="module")
def loader() -> ContextLoader:
    """Vendored contexts plus the test-only examples context the W3C vectors use."""
    return ContextLoader(ROOT / "schemas" / "contexts", extra_contexts=_test_contexts())


@pytest.fixture(scope="module")
def product_loader() -> ContextLoader:
    return ContextLoader(ROOT / "schemas" / "contexts")


@pytest.fixture(scope="module")
def pair() -> keys.KeyPair:
    return keys.generate_key("ed25519")


@pytest.fixture(scope="module")
def signed_ob3(pair: keys.KeyPair, product_loader: ContextLoader) -> dict[str, Any]:
    return sign_data_integrity(
        OB3["document"], pair.private_key, METHOD, product_loader, CREATED, proof_as_list=True
    )


def _unsigned(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "proof"}


def _verify(document: Any, loader: ContextLoader, key: Ed25519PublicKey) -> DataIntegrityResult:
    return verify_data_integrity(document, lambda method: key, loader)


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_vector_credential_canonical_form(loader: ContextLoader) -> None:
    assert canonicalize(_unsigned(RDFC["signedCredential"]), loader) == RDFC["canonicalCredential"]


def test_vector_proof_options_canonical_form(loader: ContextLoader) -> None:
    assert canonicalize(RDFC["proofOptions"], loader) == RDFC["canonicalProofOptions"]


def test_vector_hashes(loader: ContextLoader) -> None:
    proof_hash = _sha256_hex(canonicalize(RDFC["proofOptions"], loader))
    credential_hash = _sha256_hex(canonicalize(_unsigned(RDFC["signedCredential"]), loader))
    assert (proof_hash, credential_hash, proof_hash + credential_hash) == (
        RDFC["proofOptionsHash"],
        RDFC["credentialHash"],
        RDFC["combinedHash"],
    )


def test_signing_reproduces_vector_proof_value(loader: ContextLoader) -> None:
    signed = RDFC["signedCredential"]
    secret = keys.private_key_from_multibase(RDFC["keyPair"]["secretKeyMultibase"])
    created = datetime.fromisoformat(signed["proof"]["created"])
    result = sign_data_integrity(
        _unsigned(signed), secret, signed["proof"]["verificationMethod"], loader, created
    )
    assert result["proof"]["proofValue"] == RDFC["proofValue"]


def test_signing_reproduces_vector_signed_credential(loader: ContextLoader) -> None:
    signed = RDFC["signedCredential"]
    secret = keys.private_key_from_multibase(RDFC["keyPair"]["secretKeyMultibase"])
    created = datetime.fromisoformat(signed["proof"]["created"])
    result = sign_data_integrity(
        _unsigned(signed), secret, signed["proof"]["verificationMethod"], loader, created
    )
    assert json.dumps(result, indent=2) == json.dumps(signed, indent=2)


@pytest.mark.parametrize("suite", sorted(VERIFYING_VECTORS))
def test_vector_verifies(suite: str, loader: ContextLoader) -> None:
    result = _verify(VERIFYING_VECTORS[suite]["signedCredential"], loader, VECTOR_KEY)
    assert (result.verified, result.proofs[0].proof_type) == (True, suite)


def test_ob3_canonical_form_matches_jsonld_js(product_loader: ContextLoader) -> None:
    assert canonicalize(OB3["document"], product_loader) == OB3["canonical"]


def test_signed_ob3_credential_verifies(
    signed_ob3: dict[str, Any], pair: keys.KeyPair, product_loader: ContextLoader
) -> None:
    assert _verify(signed_ob3, product_loader, pair.public_key).verified


def test_proof_as_list_puts_one_proof_in_an_array(signed_ob3: dict[str, Any]) -> None:
    assert [proof["cryptosuite"] for proof in signed_ob3["proof"]] == ["eddsa-rdfc-2022"]


def test_proof_carries_options_in_order(signed_ob3: dict[str, Any]) -> None:
    assert list(signed_ob3["proof"][0]) == [
        "type",
        "cryptosuite",
        "created",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
    ]


def test_created_is_utc_seconds(pair: keys.KeyPair, product_loader: ContextLoader) -> None:
    created = datetime(2025, 1, 15, 12, 0, 0, 123456, tzinfo=UTC) + timedelta(hours=0)
    signed = sign_data_integrity(OB3["document"], pair.private_key, METHOD, product_loader, created)
    assert signed["proof"]["created"] == "2025-01-15T12:00:00Z"


def test_signing_does_not_change_the_input(
    pair: keys.KeyPair, product_loader: ContextLoader
) -> None:
    document = copy.deepcopy(OB3["document"])
    sign_data_integrity(document, pair.private_key, METHOD, product_loader, CREATED)
    assert document == OB3["document"]


TAMPERINGS = {
    "name": lambda d: d.__setitem__("name", "Alumni Credential!"),
    "issuer": lambda d: d.__setitem__("issuer", "https://vc.example/issuers/9999"),
    "subject": lambda d: d["credentialSubject"].__setitem__("alumniOf", "Another School"),
    "validFrom": lambda d: d.__setitem__("validFrom", "2023-01-02T00:00:00Z"),
    "added-type": lambda d: d["type"].append("ExtraCredential"),
    "proof-created": lambda d: d["proof"].__setitem__("created", "2023-02-24T23:36:39Z"),
    "proof-method": lambda d: d["proof"].__setitem__(
        "verificationMethod", "https://vc.example/issuers/5678#other"
    ),
    "proof-value": lambda d: d["proof"].__setitem__(
        "proofValue", d["proof"]["proofValue"][:-2] + d["proof"]["proofValue"][-1:-3:-1]
    ),
}


@pytest.mark.parametrize("field", sorted(TAMPERINGS))
def test_tampered_vector_fails_with_bad_signature(field: str, loader: ContextLoader) -> None:
    document = copy.deepcopy(RDFC["signedCredential"])
    TAMPERINGS[field](document)
    result = _verify(document, loader, VECTOR_KEY)
    assert (result.verified, result.code) == (False, "bad_signature")


def test_tampered_ob3_achievement_fails(
    signed_ob3: dict[str, Any], pair: keys.KeyPair, product_loader: ContextLoader
) -> None:
    document = copy.deepcopy(signed_ob3)
    document["credentialSubject"]["achievement"]["creditsAvailable"] = 5
    result = _verify(document, product_loader, pair.public_key)
    assert (result.verified, result.code) == (False, "bad_signature")


def test_wrong_key_fails_with_bad_signature(loader: ContextLoader, pair: keys.KeyPair) -> None:
    result = _verify(RDFC["signedCredential"], loader, pair.public_key)
    assert (result.verified, result.code) == (False, "bad_signature")


def test_unresolvable_method_is_an_answer(loader: ContextLoader) -> None:
    def resolve(method: str) -> Ed25519PublicKey:
        raise NotFound(f"no key at {method}")

    result = verify_data_integrity(RDFC["signedCredential"], resolve, loader)
    assert (result.verified, result.code) == (False, "verification_method_unresolved")


def _with_proof(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(RDFC["signedCredential"])
    document["proof"].update(changes)
    return {k: v for k, v in document.items()} | {
        "proof": {k: v for k, v in document["proof"].items() if v is not None}
    }


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (_unsigned(RDFC["signedCredential"]), "missing_proof"),
        (_unsigned(RDFC["signedCredential"]) | {"proof": []}, "missing_proof"),
        (_with_proof(cryptosuite="eddsa-jcs-2022"), "unsupported_cryptosuite"),
        (_with_proof(type="RsaSignature2018"), "unsupported_proof_type"),
        (_with_proof(proofPurpose="authentication"), "proof_purpose_mismatch"),
        (_with_proof(proofValue="z1111"), "malformed_proof"),
        (_with_proof(proofValue=None), "malformed_proof"),
        (_with_proof(created="yesterday"), "malformed_proof"),
        (_with_proof(verificationMethod=None), "malformed_proof"),
        (_with_proof(expires="2024-01-01T00:00:00Z"), "proof_expired"),
        (
            _with_proof(**{"@context": ["https://w3id.org/security/data-integrity/v2"]}),
            "context_mismatch",
        ),
    ],
    ids=[
        "no-proof",
        "empty-proof-set",
        "other-cryptosuite",
        "other-proof-type",
        "other-purpose",
        "short-proof-value",
        "no-proof-value",
        "bad-created",
        "no-verification-method",
        "expired",
        "proof-context-mismatch",
    ],
)
def test_malformed_proof_is_refused_with_its_code(
    document: dict[str, Any], code: str, loader: ContextLoader
) -> None:
    result = verify_data_integrity(
        document, lambda method: VECTOR_KEY, loader, now=datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert (result.verified, result.code) == (False, code)


def test_every_proof_in_a_set_must_verify(loader: ContextLoader) -> None:
    document = copy.deepcopy(RDFC["signedCredential"])
    bad = dict(document["proof"], created="2023-02-24T23:36:39Z")
    document["proof"] = [document["proof"], bad]
    result = _verify(document, loader, VECTOR_KEY)
    assert (result.verified, [proof.verified for proof in result.proofs]) == (False, [True, False])


def test_document_without_di_context_cannot_be_signed(
    pair: keys.KeyPair, product_loader: ContextLoader
) -> None:
    document = {"@context": ["https://w3id.org/openbadges/v2"], "type": "Assertion"}
    with pytest.raises(ValidationFailed) as caught:
        sign_data_integrity(document, pair.private_key, METHOD, product_loader, CREATED)
    assert caught.value.code == "missing_di_context"


def test_already_signed_document_is_refused(
    signed_ob3: dict[str, Any], pair: keys.KeyPair, product_loader: ContextLoader
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        sign_data_integrity(signed_ob3, pair.private_key, METHOD, product_loader, CREATED)
    assert caught.value.code == "document_has_proof"


def test_rsa_key_cannot_sign_eddsa_proof(product_loader: ContextLoader) -> None:
    rsa_key = keys.generate_key("rsa-2048").private_key
    with pytest.raises(SigningError) as caught:
        sign_data_integrity(OB3["document"], rsa_key, METHOD, product_loader, CREATED)  # type: ignore[arg-type]
    assert caught.value.code == "key_unsupported"


def test_naive_created_is_a_programming_error(
    pair: keys.KeyPair, product_loader: ContextLoader
) -> None:
    with pytest.raises(ValueError):
        sign_data_integrity(
            OB3["document"], pair.private_key, METHOD, product_loader, datetime(2025, 1, 1)
        )


def _ob3(change: Any) -> dict[str, Any]:
    document = copy.deepcopy(OB3["document"])
    change(document)
    return document


SAFE_MODE_REFUSALS = {
    "undefined-term-in-achievement": (
        lambda d: d["credentialSubject"]["achievement"].__setitem__("creditHours", 0.5),
        "undefined_term",
    ),
    "undefined-top-level-term": (lambda d: d.__setitem__("licenseNumber", "123"), "undefined_term"),
    "type-needing-extensions-context": (
        lambda d: d.__setitem__("@context", d["@context"][:2]),
        "relative_iri",
    ),
    "relative-id": (lambda d: d.__setitem__("id", "credentials/1"), "relative_iri"),
    "blank-node-predicate": (
        lambda d: (d["@context"].append({"note": "_:note"}), d.__setitem__("note", "x")),
        "blank_node_predicate",
    ),
    "invalid-language": (
        lambda d: d.__setitem__("name", {"@value": "x", "@language": "not a tag"}),
        "invalid_language",
    ),
    "direction": (
        lambda d: d.__setitem__("name", {"@value": "x", "@language": "ar", "@direction": "rtl"}),
        "unsupported_direction",
    ),
}


@pytest.mark.parametrize("case", sorted(SAFE_MODE_REFUSALS))
def test_safe_mode_refuses_signing(
    case: str, pair: keys.KeyPair, product_loader: ContextLoader
) -> None:
    change, code = SAFE_MODE_REFUSALS[case]
    with pytest.raises(ValidationFailed) as caught:
        sign_data_integrity(_ob3(change), pair.private_key, METHOD, product_loader, CREATED)
    assert caught.value.code == code


def test_undefined_term_added_after_signing_fails_verification(
    signed_ob3: dict[str, Any], pair: keys.KeyPair, product_loader: ContextLoader
) -> None:
    document = copy.deepcopy(signed_ob3)
    document["licenseNumber"] = "123"
    result = _verify(document, product_loader, pair.public_key)
    assert (result.verified, result.code) == (False, "undefined_term")


def test_unknown_context_is_refused(pair: keys.KeyPair, product_loader: ContextLoader) -> None:
    document = _ob3(lambda d: d["@context"].append("https://evil.example/context.jsonld"))
    with pytest.raises(UnsafeInput) as caught:
        sign_data_integrity(document, pair.private_key, METHOD, product_loader, CREATED)
    assert caught.value.code == "unknown_context"


def test_unknown_context_in_verified_document_is_an_answer(
    signed_ob3: dict[str, Any], pair: keys.KeyPair, product_loader: ContextLoader
) -> None:
    document = copy.deepcopy(signed_ob3)
    document["@context"].append("https://evil.example/context.jsonld")
    result = _verify(document, product_loader, pair.public_key)
    assert (result.verified, result.code) == (False, "unknown_context")


def test_protected_term_redefinition_is_invalid_jsonld(product_loader: ContextLoader) -> None:
    document = _ob3(lambda d: d["@context"].append({"name": "https://evil.example/name"}))
    with pytest.raises(ValidationFailed) as caught:
        canonicalize(document, product_loader)
    assert caught.value.code == "jsonld_invalid"


def test_blank_node_clique_is_refused_as_too_costly(product_loader: ContextLoader) -> None:
    """RDF-CANON's "dataset poisoning": identical blank nodes all linked to each other."""
    size = 8
    nodes = [{"@id": f"_:n{i}"} for i in range(size)]
    for i, node in enumerate(nodes):
        node["https://example.org/knows"] = [{"@id": f"_:n{j}"} for j in range(size) if j != i]
    with pytest.raises(UnsafeInput) as caught:
        canonicalize({"@graph": nodes}, product_loader)
    assert caught.value.code == "canonicalization_too_costly"


def test_deeply_nested_document_is_refused(product_loader: ContextLoader) -> None:
    document: dict[str, Any] = {"@context": OB3["document"]["@context"], "name": "x"}
    inner = document
    for _ in range(5000):
        inner["https://example.org/p"] = {}
        inner = inner["https://example.org/p"]
    with pytest.raises(IssuerError) as caught:
        canonicalize(document, product_loader)
    assert caught.value.code == "jsonld_too_deep"


def test_signature_is_64_bytes(signed_ob3: dict[str, Any]) -> None:
    assert len(decode_base58btc(signed_ob3["proof"][0]["proofValue"])) == 64
