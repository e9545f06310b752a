"""Multibase base58btc (``z``), the encoding of Data Integrity proof values and Multikeys.

Base58 comes from the ``base58`` package; this module adds the multibase prefixes, a bound on
hostile input, and our error codes.
"""

from __future__ import annotations

import base58

from issuer.errors import ValidationFailed

BASE58BTC_PREFIX = "z"

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
