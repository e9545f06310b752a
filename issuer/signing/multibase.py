"""Multibase encodings used by Data Integrity and status lists: base58btc (``z``), base64url (``u``).

Written here (about 40 lines) rather than pulled in as a dependency: the alphabet and the
leading-zero rule are the whole of base58btc, and the vc-di-eddsa vectors test it end to end.
"""

from __future__ import annotations

import base64
import binascii

from issuer.errors import ValidationFailed

BASE58BTC_PREFIX = "z"
BASE64URL_PREFIX = "u"

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}
# Big-integer base58 decoding is quadratic in the length: bound the work hostile input can cause.
MAX_ENCODED_LENGTH = 4096


def b58encode(data: bytes) -> str:
    """Encode bytes as base58btc (Bitcoin alphabet); leading zero bytes become ``1``s."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """Decode base58btc text; raises ValidationFailed(code="bad_multibase") on any other character."""
    if len(text) > MAX_ENCODED_LENGTH:
        raise ValidationFailed("base58 value too long", code="bad_multibase")
    number = 0
    for char in text:
        value = _INDEX.get(char)
        if value is None:
            raise ValidationFailed(f"not a base58btc character: {char!r}", code="bad_multibase")
        number = number * 58 + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58btc(data), the form of proofValue and publicKeyMultibase."""
    return BASE58BTC_PREFIX + b58encode(data)


def decode_base58btc(value: str) -> bytes:
    """Decode a ``z``-prefixed multibase value; raises ValidationFailed(code="bad_multibase")."""
    if not isinstance(value, str) or not value.startswith(BASE58BTC_PREFIX):
        raise ValidationFailed("expected a multibase base58btc value ('z…')", code="bad_multibase")
    return b58decode(value[1:])


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
