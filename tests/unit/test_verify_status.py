"""Status list decoding: bit order, status sizes, both encodings, and the limits against bombs."""

from __future__ import annotations

import base64
import gzip
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest

from issuer.errors import UnsafeInput, ValidationFailed
from issuer.verify.fetch import Fetched
from issuer.verify.report import passed
from issuer.verify.status import (
    MIN_STATUS_LIST_BITS,
    check_credential_status,
    decode_status_list,
    status_value,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ISSUER = "https://issuer.example.org/issuers/1"
LIST_URL = "https://issuer.example.org/status/1"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode(*set_bits: int, length: int = MIN_STATUS_LIST_BITS, multibase: bool = True) -> str:
    """Reference encoding written from the spec text: bit 0 is the MSB of byte 0, GZIP, base64url."""
    bits = bytearray(length // 8)
    for index in set_bits:
        bits[index // 8] |= 0x80 >> (index % 8)
    text = _b64url(gzip.compress(bytes(bits), mtime=0))
    return "u" + text if multibase else text


def test_bit_zero_is_the_most_significant_bit_of_the_first_byte() -> None:
    bits = decode_status_list(encode(0, 9))
    assert bits[0] == 0x80 and bits[1] == 0x40
    assert [status_value(bits, i) for i in (0, 1, 8, 9, 10)] == [1, 0, 0, 1, 0]


def test_last_entry_of_a_minimum_size_list() -> None:
    bits = decode_status_list(encode(MIN_STATUS_LIST_BITS - 1))
    assert status_value(bits, MIN_STATUS_LIST_BITS - 1) == 1
    assert status_value(bits, MIN_STATUS_LIST_BITS - 2) == 0


def test_plain_base64url_of_status_list_2021_is_read_too() -> None:
    assert status_value(decode_status_list(encode(5, multibase=False)), 5) == 1


def test_multi_bit_status_entries() -> None:
    bits = decode_status_list(encode(2, 3, 5))  # statusSize 2: entries 00 00 01 11 ...
    assert bits[0] == 0b0011_0100
    assert [status_value(bits, i, size=2) for i in range(4)] == [0, 3, 1, 0]


@pytest.mark.parametrize("index", [-1, MIN_STATUS_LIST_BITS, 10**9])
def test_index_outside_the_list_is_refused(index: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        status_value(decode_status_list(encode()), index)
    assert caught.value.code == "status_index_out_of_range"


def test_decompression_bomb_is_refused() -> None:
    bomb = "u" + _b64url(gzip.compress(bytes(20 * 1024 * 1024), mtime=0))
    assert len(bomb) < 40_000  # twenty mebibytes of zeros compress to almost nothing
    with pytest.raises(UnsafeInput) as caught:
        decode_status_list(bomb)
    assert caught.value.code == "status_list_too_large"


def test_limit_is_configurable() -> None:
    with pytest.raises(UnsafeInput):
        decode_status_list(encode(), max_bytes=1024)


@pytest.mark.parametrize(
    ("encoded", "code"),
    [
        ("", "bad_status_list"),
        (None, "bad_status_list"),
        ("u" + _b64url(b"not gzip at all"), "bad_status_list"),
        ("u" + _b64url(zlib.compress(bytes(16))), "bad_status_list"),  # zlib, not gzip
        ("u" + _b64url(gzip.compress(bytes(64), mtime=0)[:-12]), "bad_status_list"),  # truncated
        ("u!!!not-base64", "bad_multibase"),
        ("H4sI$$$", "bad_status_list"),
    ],
)
def test_malformed_lists_are_refused(encoded: Any, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        decode_status_list(encoded)
    assert caught.value.code == code


def test_oversized_encoded_value_is_refused_before_decoding() -> None:
    with pytest.raises(UnsafeInput):
        decode_status_list("u" + "A" * (5 * 1024 * 1024))


# --- status entries against a list document ---------------------------------------------------


def _credential(**status: Any) -> dict[str, Any]:
    entry = {
        "id": f"{LIST_URL}#3",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "3",
        "statusListCredential": LIST_URL,
        **status,
    }
    return {"id": "urn:uuid:1", "issuer": {"id": ISSUER}, "credentialStatus": entry}


def _list_document(encoded: str, purpose: str = "revocation", **extra: Any) -> dict[str, Any]:
    return {
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER,
        "credentialSubject": {
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
        **extra,
    }


def _fetcher(documents: dict[str, dict[str, Any]]) -> Any:
    import json

    def fetch(url: str) -> Fetched:
        if url not in documents:
            return Fetched(url, 404, "", b"")
        return Fetched(url, 200, "application/json", json.dumps(documents[url]).encode())

    return fetch


def _accept(document: dict[str, Any], token: str | None) -> Any:
    return passed("revocation", "accepted")  # type: ignore[arg-type]


def _status(credential: dict[str, Any], documents: dict[str, dict[str, Any]]) -> Any:
    return check_credential_status(credential, _fetcher(documents), NOW, _accept)


def test_set_revocation_bit_means_revoked() -> None:
    answer = _status(_credential(), {LIST_URL: _list_document(encode(3))})
    assert (answer.status, answer.result.failed, answer.result.code) == ("revoked", True, "revoked")


def test_clear_bit_means_active() -> None:
    answer = _status(_credential(), {LIST_URL: _list_document(encode(2, 4))})
    assert (answer.status, answer.result.failed) == ("active", False)


def test_suspension_bit_means_suspended() -> None:
    documents = {LIST_URL: _list_document(encode(3), purpose="suspension")}
    answer = _status(_credential(statusPurpose="suspension"), documents)
    assert answer.status == "suspended" and answer.result.failed


def test_list_for_another_purpose_is_not_trusted() -> None:
    documents = {LIST_URL: _list_document(encode(), purpose="suspension")}
    answer = _status(_credential(), documents)
    assert answer.status == "unknown" and answer.result.code == "status_purpose_mismatch"


def test_expired_status_list_is_not_trusted() -> None:
    documents = {LIST_URL: _list_document(encode(), validUntil="2025-01-01T00:00:00Z")}
    assert _status(_credential(), documents).result.code == "status_list_expired"


def test_unsupported_status_method_cannot_be_shown_valid() -> None:
    credential = _credential(type="RevocationList2020Status")
    answer = _status(credential, {})
    assert answer.status == "unknown" and answer.result.code == "unsupported_status"


def test_no_status_means_active() -> None:
    answer = _status({"id": "urn:uuid:1", "issuer": ISSUER}, {})
    assert answer.status == "active" and not answer.result.failed


def test_1edtech_revocation_list_names_revoked_credentials_with_reasons() -> None:
    url = "https://issuer.example.org/revocations"
    documents = {
        url: {
            "id": url,
            "issuer": ISSUER,
            "revokedCredentials": [{"id": "urn:uuid:1", "revocationReason": "Plagiarised"}],
        }
    }
    credential = {
        "id": "urn:uuid:1",
        "issuer": ISSUER,
        "credentialStatus": {"id": url, "type": "1EdTechRevocationList"},
    }
    answer = _status(credential, documents)
    assert (answer.status, answer.reason) == ("revoked", "Plagiarised")
    other = _status({**credential, "id": "urn:uuid:2"}, documents)
    assert other.status == "active"
