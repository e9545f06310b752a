"""Key references the verifier understands (URLs, fragments, JWK Sets, did:key, did:web) and
the ones it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from issuer.errors import IssuerError
from issuer.signing.keys import multikey_multibase, public_jwk
from issuer.verify.fetch import Fetched
from issuer.verify.keys import KeyResolver, did_web_url

KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key()
MULTIBASE = multikey_multibase(KEY)
ISSUER = "https://issuer.example.org/profile"


def resolver(documents: dict[str, Any]) -> KeyResolver:
    def fetch(url: str) -> Fetched:
        if url not in documents:
            return Fetched(url, 404, "", b"")
        return Fetched(url, 200, "application/json", json.dumps(documents[url]).encode())

    return KeyResolver(fetch)


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.org", "https://example.org/.well-known/did.json"),
        ("did:web:example.org#key-1", "https://example.org/.well-known/did.json"),
        ("did:web:example.org:issuers:7", "https://example.org/issuers/7/did.json"),
        ("did:web:localhost%3A8443:u:alice", "https://localhost:8443/u/alice/did.json"),
    ],
)
def test_did_web_documents_are_found_where_the_method_says(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize("did", ["did:web:", "did:web:evil.example%2Fpath", "did:web:a%40b"])
def test_malformed_did_web_is_refused(did: str) -> None:
    with pytest.raises(IssuerError):
        did_web_url(did)


def test_did_key_is_its_own_key_and_controller() -> None:
    method = f"did:key:{MULTIBASE}#{MULTIBASE}"
    key = resolver({}).resolve(method)
    assert key.controller == f"did:key:{MULTIBASE}" and key.public_key == KEY


def test_did_key_with_a_foreign_fragment_is_refused() -> None:
    with pytest.raises(IssuerError):
        resolver({}).resolve(f"did:key:{MULTIBASE}#z6MkOther")


def test_multikey_document_at_its_own_url() -> None:
    url = "https://issuer.example.org/keys/1"
    doc = {"id": url, "type": "Multikey", "controller": ISSUER, "publicKeyMultibase": MULTIBASE}
    key = resolver({url: doc}).resolve(url)
    assert (key.controller, key.kind, key.public_key) == (ISSUER, "Multikey", KEY)


def test_key_listed_inside_its_controllers_document() -> None:
    method = f"{ISSUER}#key-1"
    profile = {
        "id": ISSUER,
        "verificationMethod": [
            {"id": "#key-1", "type": "Multikey", "publicKeyMultibase": MULTIBASE}
        ],
    }
    key = resolver({ISSUER: profile}).resolve(method)
    assert key.controller == ISSUER


def test_a_document_describing_another_key_is_refused() -> None:
    url = "https://issuer.example.org/keys/1"
    other = {"id": "https://issuer.example.org/keys/2", "publicKeyMultibase": MULTIBASE}
    with pytest.raises(IssuerError) as caught:
        resolver({url: other}).resolve(url)
    assert caught.value.code == "key_unresolved"


def test_a_fragment_the_document_does_not_list_is_refused() -> None:
    with pytest.raises(IssuerError):
        resolver({ISSUER: {"id": ISSUER, "name": "Profile"}}).resolve(f"{ISSUER}#missing")


def test_jwk_set_key_is_chosen_by_kid() -> None:
    url = "https://issuer.example.org/jwks"
    keys = {"keys": [public_jwk(KEY, kid="a"), {**public_jwk(KEY, kid="b"), "x": "AAAA"}]}
    assert resolver({url: keys}).resolve(f"{url}#a").controller is None
    with pytest.raises(IssuerError):
        resolver({url: keys}).resolve(url)  # two keys and no kid: ambiguous


@pytest.mark.parametrize(
    "document",
    [
        {"type": "Multikey"},  # no key material
        {"publicKeyMultibase": "z" + "1" * 40},  # not an Ed25519 multikey
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},  # a toy RSA key
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA", "d": "AAAA"},  # private member
        {"publicKeyPem": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"},
    ],
)
def test_unusable_key_documents_are_refused(document: dict[str, Any]) -> None:
    url = "https://issuer.example.org/keys/bad"
    with pytest.raises(IssuerError):
        resolver({url: document}).resolve(url)


@pytest.mark.parametrize("method", ["", None, "urn:uuid:1", "ftp://x/key", 7])
def test_references_that_are_not_keys_are_refused(method: Any) -> None:
    with pytest.raises(IssuerError):
        resolver({}).resolve(method)


def test_ownership_needs_the_controller_to_list_the_key() -> None:
    url = "https://issuer.example.org/keys/1"
    doc = {"id": url, "type": "Multikey", "controller": ISSUER, "publicKeyMultibase": MULTIBASE}
    listed = resolver({url: doc, ISSUER: {"id": ISSUER, "assertionMethod": [url]}})
    unlisted = resolver({url: doc, ISSUER: {"id": ISSUER, "authentication": [url]}})
    assert not listed.ownership(listed.resolve(url), ISSUER).failed
    result = unlisted.ownership(unlisted.resolve(url), ISSUER)
    assert (result.failed, result.code) == (True, "key_not_authorized")
