"""Multibase encodings used by Data Integrity and status lists: base58btc (``z``), base64url (``u``).

Base58 comes from the ``base58`` package; this module adds the multibase prefixes, a bound on
hostile input, and our error codes.
"""

from __future__ import annotations

import base64
import binascii

import base58

from issuer.errors import ValidationFailed

BASE58BTC_PREFIX = "z"
BASE64URL_PREFIX = "u"

# Big-integer base58 decoding is quadratic in the length: bound the work hostile input can cause.
MAX_ENCODED_LENGTH = 4096
_ALPHABET = frozenset(base58.BITCOIN_ALPHABET.decode("ascii"))


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58btc(data), the form of proofValue and publicKeyMultibase."""
    return BASE58BTC_PREFIX + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: str) -> bytes:
    """Decode a ``z``-prefixed multibase value; raises ValidationFailed(code="bad_multibase")."""
    if not isinstance(value, str) or not value.startswith(BASE58BTC_PREFIX):
        raise ValidationFailed("expected a multibase base58btc value ('z…')", code="bad_multibase")
    text = value[1:]
    if len(text) > MAX_ENCODED_LENGTH:
        raise ValidationFailed("base58 value too long", code="bad_multibase")
    stray = set(text) - _ALPHABET  # the package would strip white space and raise on the rest
    if stray:
        raise ValidationFailed(f"not a base58btc character: {min(stray)!r}", code="bad_multibase")
    return base58.b58decode(text)


def encode_base64url(data: bytes) -> str:
    """Multibase base64url without padding: ``u`` + base64url(data), used by status lists."""
    return BASE64URL_PREFIX + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(value: str) -> bytes:
    """Decode a ``u``-prefixed multibase value; raises ValidationFailed(code="bad_multibase")."""
    if not isinstance(value, str) or not value.startswith(BASE64URL_PREFIX):
        raise ValidationFailed("expected a multibase base64url value ('u…')", code="bad_multibase")
    body = value[1:]
    if "=" in body or "+" in body or "/" in body:
        raise ValidationFailed("not unpadded base64url", code="bad_multibase")
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationFailed("not unpadded base64url", code="bad_multibase") from error
