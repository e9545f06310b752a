"""Compact JWS for OB 2.0 signed assertions and OB 3.0 VC-JWTs, through joserfc.

Security policy lives here, in one place: an algorithm allow-list (RS256 and EdDSA; ``none``
and every HMAC algorithm are refused before the library sees the token, so a public key can
never be used as an HMAC secret), a fixed set of header names, a size limit on input, and a
check that the resolved key fits the algorithm. joserfc errors become ours at this boundary.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any, NamedTuple

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwa import EdDSAAlgorithm, RSAAlgorithm
from joserfc.jwk import OKPKey, RSAKey

from issuer.errors import PayloadTooLarge, SigningError, UnsafeInput, ValidationFailed
from issuer.signing.keys import RSA_KEY_SIZE, PrivateKey, PublicKey

RS256 = "RS256"
EDDSA = "EdDSA"
ALLOWED_ALGS: tuple[str, ...] = (RS256, EDDSA)
# Header names we write (besides alg) and accept; crit, b64, jku, x5u, x5c... are refused.
SIGN_HEADERS = frozenset({"kid", "typ", "jwk"})
VERIFY_HEADERS = frozenset({"alg", "kid", "typ", "jwk"})
JWT_TYP = "JWT"
# A VC-JWT carries a whole credential; 1 MiB bounds hostile input with room for inline images.
MAX_TOKEN_BYTES = 1024 * 1024
MAX_HEADER_BYTES = 8 * 1024

KeyResolver = Callable[[dict[str, Any]], PublicKey]


class VerifiedJws(NamedTuple):
    """A JWS whose signature verified: the protected header and the payload bytes."""

    header: dict[str, Any]
    payload: bytes

    def payload_json(self) -> Any:
        """The payload parsed as JSON; raises ValidationFailed(code="malformed_jws")."""
        try:
            return json.loads(self.payload)
        except (UnicodeDecodeError, ValueError) as error:
            raise ValidationFailed("The JWS payload is not JSON.", code="malformed_jws") from error


class _QuietEdDSA(EdDSAAlgorithm):
    """EdDSA (RFC 8037) without joserfc's RFC 9864 deprecation warning: OB 3.0 names "EdDSA"."""

    security_warning = ""  # falsy: joserfc warns only when this is set


class _Registry(jws.JWSRegistry):
    """Only the algorithms this service signs and verifies with, and larger size limits."""

    algorithms = {RS256: RSAAlgorithm(256, True), EDDSA: _QuietEdDSA()}
    recommended = [RS256, EDDSA]
    max_header_length = MAX_HEADER_BYTES
    max_payload_length = MAX_TOKEN_BYTES
    max_signature_length = 1024


class HolderProofRegistry(jws.JWSRegistry):
    """What a wallet's key proof may be signed with (OpenID4VCI): EdDSA and ES256, never none,
    HS* or anything else."""

    algorithms = {EDDSA: _QuietEdDSA(), "ES256": jws.JWSRegistry.algorithms["ES256"]}
    recommended = [EDDSA, "ES256"]
    max_header_length = MAX_HEADER_BYTES
    max_payload_length = MAX_TOKEN_BYTES
    max_signature_length = 1024


def sign_compact(
    payload: Mapping[str, Any] | bytes,
    private_key: PrivateKey,
    alg: str,
    headers: Mapping[str, Any] | None = None,
) -> str:
    """Sign ``payload`` (a dict is serialized as UTF-8 JSON) as a compact JWS.

    The protected header is ``{"alg": alg, **headers}``; ``headers`` may hold ``kid``, ``typ``
    (only "JWT") and ``jwk``. Raises SigningError with code ``alg_not_allowed``,
    ``unsupported_header`` or ``key_mismatch``.
    """
    if alg not in ALLOWED_ALGS:
        raise SigningError(f"Algorithm {alg!r} is not used here.", code="alg_not_allowed")
    header = {"alg": alg, **_checked_sign_headers(headers or {})}
    key = _jose_key(private_key, alg, on_mismatch=SigningError)
    data = payload if isinstance(payload, bytes) else _json_bytes(payload)
    try:
        return jws.serialize_compact(header, data, key, registry=_Registry(algorithms=[alg]))
    except JoseError as error:
        raise SigningError(f"JWS signing failed: {error}", code="jws_sign_failed") from error


def peek_compact(token: str | bytes, *, max_bytes: int = MAX_TOKEN_BYTES) -> VerifiedJws:
    """Header and payload of a compact JWS WITHOUT checking the signature.

    Only for finding which key to ask for (OB 2.0 names its key in the payload's
    ``verification.creator``); never trust what it returns. Raises like ``verify_compact``.
    """
    obj = _extract(token, ALLOWED_ALGS, max_bytes)
    return VerifiedJws(dict(obj.headers()), obj.payload)


def verify_compact(
    token: str | bytes,
    resolve_key: KeyResolver,
    allowed_algs: Collection[str] = ALLOWED_ALGS,
    *,
    max_bytes: int = MAX_TOKEN_BYTES,
) -> VerifiedJws:
    """Verify a compact JWS and return its header and payload.

    ``resolve_key(header)`` returns the public key to check against (it may raise our errors).
    Raises PayloadTooLarge (``jws_too_large``), ValidationFailed (``malformed_jws``) or
    UnsafeInput (``alg_not_allowed``, ``unsupported_header``, ``key_mismatch``,
    ``bad_signature``).
    """
    allowed = [alg for alg in allowed_algs if alg in ALLOWED_ALGS]
    obj = _extract(token, allowed, max_bytes)
    header = dict(obj.headers())
    key = _jose_key(resolve_key(header), header["alg"], on_mismatch=UnsafeInput)
    try:
        valid = jws.validate_compact(obj, key, registry=_Registry(algorithms=allowed))
    except JoseError as error:
        raise UnsafeInput(f"The JWS cannot be verified: {error}", code="bad_signature") from error
    if not valid:
        raise UnsafeInput("The JWS signature does not match.", code="bad_signature")
    return VerifiedJws(header, obj.payload)


def _extract(token: str | bytes, allowed: Collection[str], max_bytes: int) -> jws.CompactSignature:
    """Parse and police a compact JWS: size, shape, header names and algorithm, in that order."""
    data = token.encode("ascii", "replace") if isinstance(token, str) else bytes(token)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The JWS is larger than {max_bytes} bytes.", code="jws_too_large")
    if data.count(b".") != 2:
        raise ValidationFailed("A compact JWS has three parts.", code="malformed_jws")
    try:
        obj = jws.extract_compact(data, registry=_Registry())
    except JoseError as error:
        raise ValidationFailed(f"Not a compact JWS: {error}", code="malformed_jws") from error
    _check_verify_header(obj.headers(), allowed)
    return obj


def _check_verify_header(header: Mapping[str, Any], allowed: Collection[str]) -> None:
    extra = set(header) - VERIFY_HEADERS
    if extra:
        raise UnsafeInput(
            f"JWS header names not accepted: {sorted(extra)}", code="unsupported_header"
        )
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in allowed:
        raise UnsafeInput(f"JWS algorithm {alg!r} is not allowed.", code="alg_not_allowed")
    for name, kind in (("kid", str), ("typ", str), ("jwk", dict)):
        if name in header and not isinstance(header[name], kind):
            raise ValidationFailed(f"JWS header {name} has the wrong type.", code="malformed_jws")


def _checked_sign_headers(headers: Mapping[str, Any]) -> dict[str, Any]:
    extra = set(headers) - SIGN_HEADERS
    if extra:
        raise SigningError(
            f"JWS header names not written: {sorted(extra)}", code="unsupported_header"
        )
    if "typ" in headers and headers["typ"] != JWT_TYP:
        raise SigningError('The only JWS "typ" written is "JWT".', code="unsupported_header")
    return dict(headers)


def _jose_key(
    key: PrivateKey | PublicKey, alg: str, *, on_mismatch: type[SigningError | UnsafeInput]
) -> RSAKey | OKPKey:
    """Wrap a cryptography key for joserfc after checking it is the kind ``alg`` needs."""
    if alg == RS256 and isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        if key.key_size < RSA_KEY_SIZE:
            raise on_mismatch("RSA keys shorter than 2048 bits are refused.", code="key_mismatch")
        return RSAKey(key, key)
    if alg == EDDSA and isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return OKPKey(key, key)
    raise on_mismatch(f"The key does not fit algorithm {alg}.", code="key_mismatch")


def _json_bytes(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
