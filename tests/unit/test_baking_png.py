"""PNG baking (OB 2.0 and OB 3.0 baking specs): one uncompressed iTXt chunk, spliced, never
re-encoded; unbaking is strict about structure, CRCs and sizes."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from issuer.baking import Keyword, bake_png, unbake_png
from issuer.baking.limits import MAX_PAYLOAD_BYTES, MAX_PNG_CHUNKS, MAX_TEXT_CHUNK_BYTES
from issuer.errors import UnsafeInput, ValidationFailed

IMAGES = Path(__file__).parents[1] / "fixtures" / "images"
URL = "https://badges.test/ob2/assertions/7"
JWS = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6Imh0dHBzOi8vYmFkZ2VzLnRlc3QifQ.c2lnbmF0dXJlLWJ5dGVz"
ASSERTION = json.dumps({"id": URL, "type": "Assertion", "narrative": "Évaluation réussie ✓"})
CREDENTIAL = json.dumps({"type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "PL"})


def read(name: str) -> bytes:
    return (IMAGES / name).read_bytes()


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, whole chunk bytes) in order: an independent reader for assertions."""
    found, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        found.append((data[pos + 4 : pos + 8], data[pos : pos + 12 + length]))
        pos += 12 + length
    return found


def chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def with_chunks_after_ihdr(data: bytes, *extra: bytes) -> bytes:
    return data[:33] + b"".join(extra) + data[33:]


@pytest.mark.parametrize(
    ("keyword", "payload"),
    [
        (Keyword.OB2, URL),
        (Keyword.OB2, JWS),
        (Keyword.OB2, ASSERTION),
        (Keyword.OB3, CREDENTIAL),
        (Keyword.OB3, JWS),
    ],
)
def test_baked_png_unbakes_to_the_same_payload(keyword: Keyword, payload: str) -> None:
    assert unbake_png(bake_png(read("badge.png"), payload, keyword=keyword)) == {keyword: payload}


# interlaced.png is hand-encoded and interlaced, which no re-encode by Pillow would reproduce
@pytest.mark.parametrize("name", ["badge.png", "interlaced.png"])
def test_baked_png_keeps_idat_bytes(name: str) -> None:
    original = read(name)
    idat = [whole for ctype, whole in chunks(original) if ctype == b"IDAT"]
    baked_idat = [whole for ctype, whole in chunks(bake_png(original, JWS)) if ctype == b"IDAT"]
    assert baked_idat == idat


def test_baked_png_is_the_original_with_one_chunk_inserted_after_ihdr() -> None:
    original = read("badge.png")
    baked = bake_png(original, URL)
    inserted = chunks(baked)[1][1]
    assert [ctype for ctype, _ in chunks(baked)] == [b"IHDR", b"iTXt", b"pHYs", b"IDAT", b"IEND"]
    assert baked == original[:33] + inserted + original[33:]


def test_baked_itxt_chunk_is_uncompressed_without_language_tag_or_translation() -> None:
    inserted = chunks(bake_png(read("badge.png"), ASSERTION))[1][1]
    assert inserted[8:-4] == b"openbadges\x00\x00\x00\x00\x00" + ASSERTION.encode()


def test_pillow_accepts_the_baked_chunk_and_its_crc() -> None:
    baked = bake_png(read("badge.png"), URL, keyword=Keyword.OB3)
    with Image.open(io.BytesIO(baked)) as image:
        image.verify()  # walks every chunk and checks its CRC
    with Image.open(io.BytesIO(baked)) as image:
        assert image.info["openbadgecredential"] == URL


def test_rebaking_replaces_the_chunk_with_the_same_keyword() -> None:
    baked = bake_png(bake_png(read("badge.png"), URL), JWS)
    assert [ctype for ctype, _ in chunks(baked)].count(b"iTXt") == 1
    assert unbake_png(baked) == {Keyword.OB2: JWS}


def test_rebaking_drops_a_legacy_text_chunk_with_the_same_keyword() -> None:
    legacy = with_chunks_after_ihdr(
        read("badge.png"), chunk(b"tEXt", b"openbadges\x00" + URL.encode())
    )
    baked = bake_png(legacy, JWS)
    assert b"tEXt" not in [ctype for ctype, _ in chunks(baked)]


def test_ob2_and_ob3_payloads_live_side_by_side() -> None:
    baked = bake_png(bake_png(read("badge.png"), JWS), CREDENTIAL, keyword=Keyword.OB3)
    assert unbake_png(baked) == {Keyword.OB2: JWS, Keyword.OB3: CREDENTIAL}


def test_other_text_chunks_are_kept_and_ignored() -> None:
    comment = chunk(b"iTXt", b"Comment\x00\x00\x00\x00\x00made by hand")
    baked = bake_png(with_chunks_after_ihdr(read("badge.png"), comment), URL)
    assert comment in baked
    assert unbake_png(baked) == {Keyword.OB2: URL}


def test_unbaking_an_unbaked_png_finds_nothing() -> None:
    assert unbake_png(read("badge.png")) == {}


def test_baking_stops_at_iend() -> None:
    baked = bake_png(read("badge.png") + b"hidden trailer", URL)
    assert baked.endswith(chunk(b"IEND", b""))


@pytest.mark.parametrize(
    "name", ["bad-crc.png", "truncated.png", "not-an-image.txt", "duplicate-keyword.png"]
)
def test_unbaking_a_malformed_png_is_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        unbake_png(read(name))
    assert caught.value.code == "invalid_image"


def test_unbaking_a_compressed_openbadges_chunk_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="compressed") as caught:
        unbake_png(read("compressed-itxt.png"))
    assert caught.value.code == "invalid_image"


@pytest.mark.parametrize("name", ["truncated.png", "not-an-image.txt"])
def test_baking_a_malformed_png_is_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        bake_png(read(name), URL)
    assert caught.value.code == "invalid_image"


def test_chunk_length_running_past_the_end_is_refused() -> None:
    data = bytearray(read("badge.png"))
    pos = data.index(b"IDAT") - 4
    data[pos : pos + 4] = struct.pack(">I", 2**31 - 1)
    with pytest.raises(ValidationFailed, match="runs past the end"):
        unbake_png(bytes(data))
    with pytest.raises(ValidationFailed, match="runs past the end"):
        bake_png(bytes(data), URL)


def test_oversized_text_chunk_is_refused() -> None:
    big = chunk(b"zTXt", b"Comment\x00\x00" + bytes(MAX_TEXT_CHUNK_BYTES))
    with pytest.raises(UnsafeInput) as caught:
        unbake_png(with_chunks_after_ihdr(read("badge.png"), big))
    assert caught.value.code == "chunk_too_large"


def test_unbaked_payload_over_the_cap_is_refused() -> None:
    text = b"openbadges\x00\x00\x00\x00\x00" + b"a" * (MAX_PAYLOAD_BYTES + 1)
    with pytest.raises(UnsafeInput) as caught:
        unbake_png(with_chunks_after_ihdr(read("badge.png"), chunk(b"iTXt", text)))
    assert caught.value.code == "baked_payload_too_large"


def test_png_with_too_many_chunks_is_refused() -> None:
    padding = chunk(b"teSt", b"") * MAX_PNG_CHUNKS
    with pytest.raises(UnsafeInput) as caught:
        bake_png(with_chunks_after_ihdr(read("badge.png"), padding), URL)
    assert caught.value.code == "too_many_chunks"


def test_oversized_png_is_refused_before_parsing() -> None:
    with pytest.raises(UnsafeInput) as caught:
        unbake_png(read("badge.png") + bytes(10 * 1024 * 1024))
    assert caught.value.code == "image_too_large"


@pytest.mark.parametrize("payload", ["", "x" * (MAX_PAYLOAD_BYTES + 1), "\ud800"])
def test_payload_that_cannot_be_baked_is_refused(payload: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        bake_png(read("badge.png"), payload)
    assert caught.value.code == "invalid_payload"
