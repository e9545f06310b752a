"""Credential status for OB 3.0: Bitstring Status List (and its predecessor StatusList2021) and the
1EdTech Revocation List, decoded with limits.

A Bitstring Status List's ``encodedList`` is multibase base64url (``u`` prefix; StatusList2021
used plain base64url) of a GZIP stream of the bits, bit 0 being the most significant bit of the
first byte. It is inflated in one bounded step: a list that inflates beyond
``MAX_STATUS_LIST_BYTES`` (a decompression bomb) is refused, as is a compressed value over
``MAX_ENCODED_CHARS``. The list credential itself is verified by a callback the caller passes in
(its proof and its issuer), so this module needs no signature code.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from issuer.errors import UnsafeInput, ValidationFailed
from issuer.openbadges.v3.status import decode_base64url
from issuer.verify.checks import fetch_json, is_url, parse_datetime, short
from issuer.verify.fetch import Fetcher
from issuer.verify.inputs import COMPACT_JWS, as_list, decode_unverified, strings
from issuer.verify.report import Check, CheckResult, failed, passed

MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024
"""Inflated size of a status list: 134 million entries, far above any real issuer's."""
MAX_ENCODED_CHARS = 4 * 1024 * 1024
MIN_STATUS_LIST_BITS = 131_072
BITSTRING_ENTRY = "BitstringStatusListEntry"
STATUS_LIST_2021_ENTRY = "StatusList2021Entry"
REVOCATION_LIST_1EDTECH = "1EdTechRevocationList"
_VALIDITY_PURPOSES = frozenset({"revocation", "suspension"})
_GZIP = 16 + zlib.MAX_WBITS

ListVerifier = Callable[[dict[str, Any], str | None], CheckResult]
"""Verifies a status list credential (its proof, that its issuer is the badge's): passed/failed.

Called with the list document and, when it arrived as a VC-JWT, the compact token."""


@dataclass(frozen=True)
class StatusAnswer:
    """The revocation check's result and what the report says about status."""

    result: CheckResult
    status: str
    reason: str | None = None


def decode_status_list(encoded: Any, *, max_bytes: int = MAX_STATUS_LIST_BYTES) -> bytes:
    """The bits of an ``encodedList``; ValidationFailed or UnsafeInput when it cannot be read."""
    if not isinstance(encoded, str) or not encoded:
        raise ValidationFailed("The status list has no encodedList.", code="bad_status_list")
    if len(encoded) > MAX_ENCODED_CHARS:
        raise UnsafeInput("The encoded status list is too long.", code="status_list_too_large")
    compressed = _base64url(encoded)
    inflater = zlib.decompressobj(wbits=_GZIP)
    try:
        bits = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as error:
        raise ValidationFailed(
            "The status list is not GZIP-compressed.", code="bad_status_list"
        ) from error
    if len(bits) > max_bytes or inflater.unconsumed_tail:
        raise UnsafeInput(
            f"The status list inflates beyond {max_bytes} bytes.", code="status_list_too_large"
        )
    if not inflater.eof:
        raise ValidationFailed("The status list is truncated.", code="bad_status_list")
    return bits


def status_value(bits: bytes, index: int, size: int = 1) -> int:
    """The ``size``-bit status at ``index`` (bit 0 = most significant bit of byte 0)."""
    if index < 0 or size < 1 or (index + 1) * size > len(bits) * 8:
        raise ValidationFailed(
            f"Status index {index} is outside the list of {len(bits) * 8 // max(size, 1)} entries.",
            code="status_index_out_of_range",
        )
    value = 0
    for position in range(index * size, (index + 1) * size):
        bit = (bits[position // 8] >> (7 - position % 8)) & 1
        value = (value << 1) | bit
    return value


def check_credential_status(
    credential: dict[str, Any],
    fetch: Fetcher,
    now: datetime,
    verify_list: ListVerifier,
) -> StatusAnswer:
    """Check every ``credentialStatus`` entry; revoked or suspended (or unknown) is not valid."""
    entries = as_list(credential.get("credentialStatus"))
    if not entries:
        return StatusAnswer(
            passed(Check.REVOCATION, "The credential carries no status; it cannot be revoked."),
            "active",
        )
    answers = [_check_entry(entry, credential, fetch, now, verify_list) for entry in entries]
    for wanted in ("revoked", "suspended", "unknown"):
        for answer in answers:
            if answer.status == wanted:
                return answer
    return answers[0]


def _check_entry(
    entry: Any,
    credential: dict[str, Any],
    fetch: Fetcher,
    now: datetime,
    verify_list: ListVerifier,
) -> StatusAnswer:
    """One status entry, by its type."""
    if not isinstance(entry, dict):
        return _unknown("A credentialStatus entry is not an object.", "bad_status_entry")
    kind = entry.get("type")
    kinds = set(strings(kind))
    if kinds & {BITSTRING_ENTRY, STATUS_LIST_2021_ENTRY}:
        return _bitstring_entry(entry, credential, fetch, now, verify_list)
    if REVOCATION_LIST_1EDTECH in kinds:
        return _revocation_list_entry(entry, credential, fetch, verify_list)
    return _unknown(f"The status method {short(kind)} is not supported.", "unsupported_status")


def _bitstring_entry(
    entry: dict[str, Any],
    credential: dict[str, Any],
    fetch: Fetcher,
    now: datetime,
    verify_list: ListVerifier,
) -> StatusAnswer:
    """A Bitstring Status List entry: fetch and verify the list, read the bit(s)."""
    purpose = entry.get("statusPurpose")
    index = _integer(entry.get("statusListIndex"), "statusListIndex")
    size = _integer(entry.get("statusSize", 1), "statusSize")
    url = entry.get("statusListCredential")
    if not is_url(url):
        return _unknown("statusListCredential is not a URL.", "bad_status_entry")
    document, token = _status_document(fetch, url)
    verified = verify_list(document, token)
    if verified.failed:
        return StatusAnswer(verified, "unknown")
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        return _unknown("The status list credential has no credentialSubject.", "bad_status_list")
    listed = strings(subject.get("statusPurpose"))
    if listed and purpose not in listed:
        return _unknown(f"The status list is not for {short(purpose)}.", "status_purpose_mismatch")
    ends = parse_datetime(document.get("validUntil") or document.get("expirationDate"))
    if ends is not None and ends <= now:
        return _unknown("The status list credential has expired.", "status_list_expired")
    value = status_value(decode_status_list(subject.get("encodedList")), index, size)
    return _purpose_answer(purpose, value, index)


def _purpose_answer(purpose: Any, value: int, index: int) -> StatusAnswer:
    """What a status value means for validity, by purpose."""
    if not isinstance(purpose, str) or purpose not in _VALIDITY_PURPOSES:
        return StatusAnswer(
            passed(Check.REVOCATION, f"Status entry {short(purpose)} does not affect validity."),
            "active",
        )
    if value == 0:
        return StatusAnswer(
            passed(Check.REVOCATION, f"Not set in the {purpose} status list (index {index})."),
            "active",
        )
    state = "revoked" if purpose == "revocation" else "suspended"
    reason = f"The issuer has {state} this credential (status list index {index})."
    return StatusAnswer(failed(Check.REVOCATION, reason, state), state, reason)


def _revocation_list_entry(
    entry: dict[str, Any],
    credential: dict[str, Any],
    fetch: Fetcher,
    verify_list: ListVerifier,
) -> StatusAnswer:
    """A 1EdTech Revocation List: the list at ``id`` names revoked credential ids with reasons."""
    url = entry.get("id")
    if not is_url(url):
        return _unknown("The 1EdTechRevocationList entry has no URL id.", "bad_status_entry")
    document = fetch_json(fetch, url, "revocation list")
    if "proof" in document:
        verified = verify_list(document, None)
        if verified.failed:
            return StatusAnswer(verified, "unknown")
    issuer = _issuer_id(credential.get("issuer"))
    if "issuer" in document and _issuer_id(document.get("issuer")) != issuer:
        return _unknown("The revocation list belongs to another issuer.", "status_list_issuer")
    subject = document.get("credentialSubject")
    holder = subject if isinstance(subject, dict) and "revokedCredentials" in subject else document
    credential_id = credential.get("id")
    for item in as_list(holder.get("revokedCredentials")):
        revoked_id = item.get("id") if isinstance(item, dict) else item
        if credential_id is not None and revoked_id == credential_id:
            why = item.get("revocationReason") if isinstance(item, dict) else None
            reason = str(why) if why else "The issuer has revoked this credential."
            return StatusAnswer(failed(Check.REVOCATION, reason, "revoked"), "revoked", reason)
    return StatusAnswer(
        passed(Check.REVOCATION, "The credential is not on the issuer's revocation list."),
        "active",
    )


def _status_document(fetch: Fetcher, url: str) -> tuple[dict[str, Any], str | None]:
    """The status list credential as JSON, or decoded from a VC-JWT (token kept for checking)."""
    answer = fetch(url)
    text = answer.body.strip()
    if answer.ok and COMPACT_JWS.fullmatch(text.decode("ascii", "replace")):
        token = text.decode("ascii")
        _, claims = decode_unverified(token)
        vc = claims.get("vc")
        return (vc if isinstance(vc, dict) else claims), token
    return fetch_json(fetch, url, "status list credential"), None


def _issuer_id(issuer: Any) -> Any:
    """The id of an issuer given as an id or an object."""
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _integer(value: Any, name: str) -> int:
    """A non-negative integer given as a string of digits (or an integer)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 12:
        return int(value)
    raise ValidationFailed(
        f"{name} {short(value)} is not a non-negative integer.", code="bad_status_entry"
    )


def _base64url(encoded: str) -> bytes:
    """Multibase base64url (``u``), else plain unpadded base64url (StatusList2021)."""
    if encoded.startswith("u"):
        return decode_base64url(encoded)
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationFailed("encodedList is not base64url.", code="bad_status_list") from error


def _unknown(reason: str, code: str) -> StatusAnswer:
    """A status that could not be established: the badge cannot be shown as valid."""
    return StatusAnswer(failed(Check.REVOCATION, reason, code), "unknown")
