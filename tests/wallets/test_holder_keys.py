"""The holder's key from a key proof header: did:key (Ed25519, P-256), did:jwk, or a bare jwk;
anything else is refused. Encodings are built here from the did:key and did:jwk texts."""

from __future__ import annotations

import base64
import json

import base58
import pytest
from cryptography.hazmat.primitives import serialization
from joserfc.jwk import ECKey, OKPKey

from issuer.errors import ValidationFailed
from issuer.signing.holder_keys import did_jwk, holder_key


def _public(key):
    return key.as_dict(private=False)


def test_did_key_p256_names_its_compressed_point():
    key = ECKey.generate_key("P-256")
    point = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    did = "did:key:z" + base58.b58encode(b"\x80\x24" + point).decode()
    found = holder_key({"kid": did + "#key"})
    assert found.did == did and _public(found.key) == _public(key)


def test_did_key_ed25519_names_its_raw_key():
    key = OKPKey.generate_key("Ed25519")
    raw = base64.urlsafe_b64decode(key.as_dict()["x"] + "==")
    did = "did:key:z" + base58.b58encode(b"\xed\x01" + raw).decode()
    assert _public(holder_key({"kid": did}).key) == _public(key)


def test_did_jwk_names_its_jwk():
    key = ECKey.generate_key("P-256")
    encoded = base64.urlsafe_b64encode(json.dumps(_public(key)).encode()).decode().rstrip("=")
    found = holder_key({"kid": f"did:jwk:{encoded}#0"})
    assert found.did == f"did:jwk:{encoded}" and _public(found.key) == _public(key)


def test_a_bare_jwk_is_bound_as_its_did_jwk():
    key = OKPKey.generate_key("Ed25519")
    found = holder_key({"jwk": _public(key)})
    assert found.did is None and did_jwk(found.key).startswith("did:jwk:")


@pytest.mark.parametrize(
    "header",
    [
        {},
        {"kid": "did:web:example.org"},
        {"kid": "did:key:z" + base58.b58encode(b"\xe7\x01" + b"\x02" * 33).decode()},  # secp256k1
        {"jwk": {**OKPKey.generate_key("Ed25519").as_dict(private=True)}},  # a private key
        {"jwk": {"kty": "oct", "k": "c2VjcmV0"}},
        {"kid": "did:jwk:not-base64!", "jwk": {"kty": "OKP"}},
    ],
    ids=["none", "did:web", "secp256k1", "private jwk", "oct", "both"],
)
def test_other_keys_are_refused(header):
    with pytest.raises(ValidationFailed) as refused:
        holder_key(header)
    assert refused.value.code == "bad_holder_key"
