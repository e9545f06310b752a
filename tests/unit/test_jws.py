"""Compact JWS: RFC vectors reproduced exactly, and one refusal per hostile token."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from issuer.errors import IssuerError, PayloadTooLarge, SigningError, UnsafeInput
from issuer.signing import jws, keys

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "signing" / "jws"
NEGATIVE = json.loads((FIXTURES / "negative.json").read_text())
RFC_VECTORS = ["rfc8037-a4-eddsa.json", "rfc7520-4-1-rs256.json"]


def _b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def _private_key_from_jwk(jwk: dict[str, str]) -> keys.PrivateKey:
    """Test-only: the RFC examples publish their private keys as JWKs."""
    if jwk["kty"] == "OKP":
        return ed25519.Ed25519PrivateKey.from_private_bytes(
            base64.urlsafe_b64decode(jwk["d"] + "=")
        )
    public = rsa.RSAPublicNumbers(_b64url_int(jwk["e"]), _b64url_int(jwk["n"]))
    numbers = rsa.RSAPrivateNumbers(
        *(_b64url_int(jwk[name]) for name in ("p", "q", "d", "dp", "dq", "qi")), public
    )
    return numbers.private_key()


def _vector(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(scope="module")
def test_key() -> keys.KeyPair:
    return keys.load_private_key(FIXTURES / "rsa-test-key.pem")


@pytest.mark.parametrize("name", RFC_VECTORS)
def test_signing_reproduces_rfc_vector(name: str) -> None:
    vector = _vector(name)
    key = _private_key_from_jwk(vector["privateJwk"])
    token = jws.sign_compact(
        vector["payloadText"].encode("utf-8"), key, vector["alg"], vector["headers"]
    )
    assert token == vector["compact"]


@pytest.mark.parametrize("name", RFC_VECTORS)
def test_rfc_vector_verifies_with_public_jwk(name: str) -> None:
    vector = _vector(name)
    public_jwk = {
        k: v for k, v in vector["privateJwk"].items() if k in ("kty", "crv", "x", "n", "e")
    }
    public = keys.public_key_from_jwk(public_jwk)
    verified = jws.verify_compact(vector["compact"], lambda header: public)
    assert verified.payload.decode("utf-8") == vector["payloadText"]


@pytest.mark.parametrize(
    "vector", [v for v in NEGATIVE if v["expected_code"]], ids=lambda v: v["name"]
)
def test_hostile_token_is_refused_with_its_code(
    vector: dict[str, Any], test_key: keys.KeyPair
) -> None:
    with pytest.raises(IssuerError) as caught:
        jws.verify_compact(vector["token"], lambda header: test_key.public_key)
    assert caught.value.code == vector["expected_code"]


def test_control_token_verifies(test_key: keys.KeyPair) -> None:
    control = next(v for v in NEGATIVE if v["name"] == "valid-rs256")
    verified = jws.verify_compact(control["token"], lambda header: test_key.public_key)
    assert verified.payload_json()["verification"]["type"] == "signed"


def test_refused_algorithm_never_reaches_key_resolution(test_key: keys.KeyPair) -> None:
    asked: list[dict[str, Any]] = []
    token = next(v for v in NEGATIVE if v["name"] == "alg-none")["token"]
    with pytest.raises(UnsafeInput):
        jws.verify_compact(token, lambda header: asked.append(header) or test_key.public_key)
    assert asked == []


def test_eddsa_can_be_left_out_of_allowed_algs() -> None:
    pair = keys.generate_key("ed25519")
    token = jws.sign_compact({"a": 1}, pair.private_key, "EdDSA")
    with pytest.raises(UnsafeInput) as caught:
        jws.verify_compact(token, lambda header: pair.public_key, allowed_algs=("RS256",))
    assert caught.value.code == "alg_not_allowed"


def test_key_of_the_wrong_kind_is_key_mismatch(test_key: keys.KeyPair) -> None:
    pair = keys.generate_key("ed25519")
    token = jws.sign_compact({"a": 1}, pair.private_key, "EdDSA")
    with pytest.raises(UnsafeInput) as caught:
        jws.verify_compact(token, lambda header: test_key.public_key)
    assert caught.value.code == "key_mismatch"


def test_oversized_token_is_refused_before_parsing(test_key: keys.KeyPair) -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        jws.verify_compact("a" * 2000 + ".b.c", lambda header: test_key.public_key, max_bytes=1000)
    assert caught.value.code == "jws_too_large"


def test_vc_jwt_header_carries_alg_kid_and_typ(test_key: keys.KeyPair) -> None:
    token = jws.sign_compact(
        {"iss": "https://x.example/issuers/1"},
        test_key.private_key,
        "RS256",
        {"kid": "https://x.example/keys/1", "typ": "JWT"},
    )
    header = jws.verify_compact(token, lambda header: test_key.public_key).header
    assert header == {"alg": "RS256", "kid": "https://x.example/keys/1", "typ": "JWT"}


def test_dict_payload_round_trips_as_utf8_json(test_key: keys.KeyPair) -> None:
    payload = {"name": "Évaluation formative", "credits": 0.5}
    token = jws.sign_compact(payload, test_key.private_key, "RS256")
    assert jws.verify_compact(token, lambda header: test_key.public_key).payload_json() == payload


def test_peek_reads_payload_without_a_key(test_key: keys.KeyPair) -> None:
    token = jws.sign_compact(
        {"verification": {"creator": "https://k"}}, test_key.private_key, "RS256"
    )
    assert json.loads(jws.peek_compact(token).payload)["verification"]["creator"] == "https://k"


@pytest.mark.parametrize(
    ("alg", "headers", "code"),
    [
        ("HS256", {}, "alg_not_allowed"),
        ("none", {}, "alg_not_allowed"),
        ("RS256", {"crit": ["exp"]}, "unsupported_header"),
        ("RS256", {"typ": "vc+ld+json"}, "unsupported_header"),
        ("EdDSA", {}, "key_mismatch"),
    ],
)
def test_signing_refuses_bad_request(
    test_key: keys.KeyPair, alg: str, headers: dict[str, Any], code: str
) -> None:
    with pytest.raises(SigningError) as caught:
        jws.sign_compact({"a": 1}, test_key.private_key, alg, headers)
    assert caught.value.code == code
