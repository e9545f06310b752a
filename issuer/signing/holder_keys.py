"""The wallet holder's key from an OpenID4VCI key proof's header (SPEC §10): ``kid`` as a
``did:key`` (Ed25519 or P-256 multicodec) or ``did:jwk``, or an embedded public ``jwk``.

Key-format parsing only: multibase/multicodec as the did:key method defines it (the project's
base58btc), and JWKs imported by joserfc; signatures are verified by joserfc.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey, OKPKey

from issuer.errors import ValidationFailed
from issuer.signing.multibase import decode_base58btc

ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub
P256_PUB = b"\x80\x24"  # multicodec p256-pub (0x1200), compressed point follows


@dataclass(frozen=True)
class HolderKey:
    """The key and, for a DID, the DID the copy is bound to (None for a bare ``jwk``)."""

    key: ECKey | OKPKey
    did: str | None


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="bad_holder_key")


def from_jwk(jwk: Any) -> ECKey | OKPKey:
    if not isinstance(jwk, dict) or "d" in jwk:
        raise _bad("The key must be a public JWK.")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    try:
        if kty == "OKP" and crv == "Ed25519":
            return OKPKey.import_key(jwk)
        if kty == "EC" and crv == "P-256":
            return ECKey.import_key(jwk)
    except (ValueError, TypeError) as error:
        raise _bad("The JWK is not a valid key.") from error
    raise _bad("Only Ed25519 and P-256 keys are accepted.")


def from_did_key(did: str) -> ECKey | OKPKey:
    value = did.removeprefix("did:key:")
    try:
        decoded = decode_base58btc(value)
    except ValidationFailed as error:
        raise _bad("Not a did:key.") from error
    if decoded.startswith(ED25519_PUB) and len(decoded) == 34:
        raw = decoded[2:]
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}
        return OKPKey.import_key(jwk)
    if decoded.startswith(P256_PUB) and len(decoded) == 35:
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), decoded[2:])
        except ValueError as error:
            raise _bad("Not a P-256 point.") from error
        return ECKey.import_key(point)
    raise _bad("Only Ed25519 and P-256 did:key values are accepted.")


def from_did_jwk(did: str) -> ECKey | OKPKey:
    encoded = did.removeprefix("did:jwk:")
    try:
        jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, TypeError) as error:
        raise _bad("Not a did:jwk.") from error
    return from_jwk(jwk)


def holder_key(header: dict[str, Any]) -> HolderKey:
    """The key a proof header names: exactly one of ``kid`` (a DID URL) and ``jwk``."""
    kid, jwk = header.get("kid"), header.get("jwk")
    if (kid is None) == (jwk is None):
        raise _bad("Name the key by kid (did:key or did:jwk) or jwk, one of them.")
    if jwk is not None:
        return HolderKey(from_jwk(jwk), None)
    if not isinstance(kid, str):
        raise _bad("kid must be a DID URL.")
    did = kid.split("#", 1)[0]
    if did.startswith("did:key:z"):
        return HolderKey(from_did_key(did), did)
    if did.startswith("did:jwk:"):
        return HolderKey(from_did_jwk(did), did)
    raise _bad("Only did:key and did:jwk are accepted.")


def did_jwk(key: ECKey | OKPKey) -> str:
    """The did:jwk of a bare public key (a holder that sent ``jwk``: the copy binds to it)."""
    public = json.dumps(key.as_dict(private=False), separators=(",", ":"), sort_keys=True)
    return "did:jwk:" + _b64(public.encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
