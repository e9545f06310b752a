"""Credential status: Bitstring Status List entries and lists, and the 1EdTech Revocation List.

Bitstring Status List v1.0: at least 131,072 bits (16 KiB, so one set bit says little about
which credential it is), bit 0 the most significant bit of byte 0, GZIP, then multibase
base64url without padding (``u`` prefix). The 1EdTech Revocation List is a plain JSON document
listing revoked credential ids (https://www.imsglobal.org/spec/vcrl/v1p0/).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from issuer.errors import ValidationFailed
from issuer.openbadges.v3.documents import VC2_CONTEXT, ProfileInfo, build_profile, iso

MULTIBASE_BASE64URL = "u"  # the multibase prefix of an encodedList

BITSTRING_ENTRY = "BitstringStatusListEntry"
REVOCATION_LIST = "1EdTechRevocationList"
STATUS_METHODS = (BITSTRING_ENTRY, REVOCATION_LIST)
LIST_LENGTH = 131072  # bits
REVOCATION = "revocation"
# A gzip bomb posing as a status list: refuse to inflate past the largest list we accept.
MAX_LIST_BYTES = 16 * LIST_LENGTH // 8


def bitstring_entry(list_url: str, index: int) -> dict[str, str]:
    """A credential's ``credentialStatus`` pointing at bit ``index`` of the issuer's list."""
    return {
        "id": f"{list_url}#{index}",
        "type": BITSTRING_ENTRY,
        "statusPurpose": REVOCATION,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def revocation_list_entry(list_url: str) -> dict[str, str]:
    """A credential's ``credentialStatus`` naming the issuer's 1EdTech Revocation List."""
    return {"id": list_url, "type": REVOCATION_LIST}


def encode_status_list(set_indexes: Iterable[int], length: int = LIST_LENGTH) -> str:
    """The ``encodedList`` with the given bits set; raises ValueError for an index out of range."""
    bits = bytearray(length // 8)
    for index in set_indexes:
        if not 0 <= index < length:
            raise ValueError(f"status index {index} is outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    return encode_base64url(gzip.compress(bytes(bits), mtime=0))


def decode_status_list(encoded: str) -> bytes:
    """The raw bits of an ``encodedList``; raises ValidationFailed(code="bad_status_list")."""
    try:
        compressed = decode_base64url(encoded)
        inflated = gzip.GzipFile(fileobj=io.BytesIO(compressed)).read(MAX_LIST_BYTES + 1)
    except (OSError, EOFError, ValidationFailed) as error:
        raise ValidationFailed(
            "Not a GZIP, base64url status list.", code="bad_status_list"
        ) from error
    if len(inflated) > MAX_LIST_BYTES:
        raise ValidationFailed("The status list is too large.", code="bad_status_list")
    return inflated


def is_set(bits: bytes, index: int) -> bool:
    """Whether bit ``index`` is set (False past the end: nothing was ever set there)."""
    if index < 0 or index // 8 >= len(bits):
        return False
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def build_status_list_credential(
    list_url: str, issuer_id: str, encoded_list: str, valid_from: datetime
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential (signed by the issuer like its credentials)."""
    return {
        "@context": [VC2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": iso(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": REVOCATION,
            "encodedList": encoded_list,
        },
    }


def build_revocation_list(
    list_url: str, issuer: ProfileInfo, revoked: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """The 1EdTech Revocation List; ``revoked`` is ``(credential id, reason)`` pairs."""
    return {
        "id": list_url,
        "issuer": build_profile(issuer),
        "revokedCredentials": [
            {"id": credential_id, "revoked": True, "revocationReason": reason}
            for credential_id, reason in revoked
        ],
    }


def encode_base64url(data: bytes) -> str:
    """Multibase base64url without padding: ``u`` + base64url(data), used by status lists."""
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(value: str) -> bytes:
    """Decode a ``u``-prefixed multibase value; raises ValidationFailed(code="bad_multibase")."""
    if not isinstance(value, str) or not value.startswith(MULTIBASE_BASE64URL):
        raise ValidationFailed("expected a multibase base64url value ('u…')", code="bad_multibase")
    body = value[1:]
    if "=" in body or "+" in body or "/" in body:
        raise ValidationFailed("not unpadded base64url", code="bad_multibase")
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationFailed("not unpadded base64url", code="bad_multibase") from error
