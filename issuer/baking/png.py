"""PNG baking: one uncompressed iTXt chunk per Open Badges version, spliced into the bytes.

Baking never decodes or re-encodes pixels: the chunk goes right after IHDR and every other chunk
is copied byte for byte. OB 2.0 uses the keyword ``openbadges`` (assertion URL, JSON or compact
JWS); OB 3.0 uses ``openbadgecredential`` (credential JSON or VC-JWT).
"""

from __future__ import annotations

import struct
import zlib
from enum import StrEnum

from issuer.baking.limits import (
    MAX_BAKED_IMAGE_BYTES,
    MAX_PNG_CHUNKS,
    PNG_SIGNATURE,
    TEXT_CHUNK_TYPES,
    check_payload,
    check_png_crcs,
    check_size,
    check_unbaked_payload,
    invalid_image,
    png_chunks,
)
from issuer.errors import UnsafeInput


class Keyword(StrEnum):
    """Where a payload is baked: the iTXt keyword, which also picks the SVG element."""

    OB2 = "openbadges"
    OB3 = "openbadgecredential"


_LENGTH = struct.Struct(">I")
_IHDR_END = 33  # signature (8) + IHDR (4 length + 4 type + 13 data + 4 CRC)
_ITXT_FLAGS = b"\x00\x00"  # compression flag 0 (uncompressed), compression method 0
_KEYWORDS = {keyword.value.encode("latin-1"): keyword for keyword in Keyword}
# type + keyword + NUL + flags + empty language tag and translated keyword, each NUL-terminated
_ITXT_HEADS = {
    k: b"iTXt" + name + b"\x00" + _ITXT_FLAGS + b"\x00\x00" for name, k in _KEYWORDS.items()
}
_ITXT_HEAD_CRCS = {keyword: zlib.crc32(head) for keyword, head in _ITXT_HEADS.items()}
_PREFIXES = {k: name + b"\x00" for name, k in _KEYWORDS.items()}  # keyword as a text chunk starts
_CHUNK_HEAD = struct.Struct(">I4s")
_PNG_HEAD = PNG_SIGNATURE + b"\x00\x00\x00\x0dIHDR"


def bake_png(data: bytes, payload: str, *, keyword: Keyword = Keyword.OB2) -> bytes:
    """Return the PNG with ``payload`` in an iTXt chunk after IHDR, replacing any earlier one.

    Stops at IEND, dropping anything after it. Raises ``ValidationFailed`` for a malformed PNG
    or payload and ``UnsafeInput`` for an oversized one.
    """
    check_size(data, MAX_BAKED_IMAGE_BYTES)
    chunk = _itxt_parts(keyword, check_payload(payload))
    view = memoryview(data)
    rest = _rest_after_header(data, view, _PREFIXES[keyword])
    return b"".join([view[:_IHDR_END], *chunk, *rest])


def itxt_chunk(keyword: Keyword, payload: str) -> bytes:
    """Build a complete uncompressed iTXt chunk (length, type, data, CRC) without language tags."""
    return b"".join(_itxt_parts(keyword, check_payload(payload)))


def _itxt_parts(keyword: Keyword, text: bytes) -> list[bytes]:
    """The chunk as parts to join; its CRC continues from the precomputed one of the header."""
    head = _ITXT_HEADS[keyword]
    crc = zlib.crc32(text, _ITXT_HEAD_CRCS[keyword])
    return [_LENGTH.pack(len(head) - 4 + len(text)), head, text, _LENGTH.pack(crc)]


def _rest_after_header(data: bytes, view: memoryview, prefix: bytes) -> list[memoryview]:
    """The bytes from IHDR's end to IEND's, minus text chunks whose keyword is ``prefix``.

    Its own lean walk rather than ``png_chunks``: baking runs on every award, on images that
    ``validate_badge_image`` fully checked at upload, so this checks only what the splice needs
    (signature, IHDR first, lengths within the data, IEND present, the chunk cap).
    """
    if not data.startswith(_PNG_HEAD):
        raise invalid_image("The data is not a PNG starting with its IHDR chunk.")
    kept: list[memoryview] = []
    start = pos = _IHDR_END
    size, unpack = len(data), _CHUNK_HEAD.unpack_from
    for _ in range(MAX_PNG_CHUNKS):
        if pos + 12 > size:
            raise invalid_image("The PNG is truncated: it ends before its IEND chunk.")
        length, ctype = unpack(data, pos)
        end = pos + 12 + length
        if end > size:
            raise invalid_image(f"The PNG's {ctype!r} chunk runs past the end of the data.")
        if ctype in TEXT_CHUNK_TYPES and data.startswith(prefix, pos + 8):
            kept.append(view[start:pos])
            start = end
        if ctype == b"IEND":
            kept.append(view[start:end])
            return kept
        pos = end
    raise UnsafeInput(f"The PNG has more than {MAX_PNG_CHUNKS} chunks.", code="too_many_chunks")


def unbake_png(data: bytes) -> dict[Keyword, str]:
    """Return the baked payloads by keyword (empty if none); every chunk and CRC is checked.

    Raises ``ValidationFailed`` (invalid_image) for a malformed PNG, a compressed or repeated
    Open Badges chunk, and ``UnsafeInput`` for oversized input.
    """
    check_size(data, MAX_BAKED_IMAGE_BYTES)
    chunks = png_chunks(data)
    check_png_crcs(data, chunks)
    found: dict[Keyword, str] = {}
    for ctype, start, end in chunks:
        if ctype == b"iTXt":
            _collect(found, *_read_itxt(data[start + 8 : end - 4]))
    return found


def _collect(found: dict[Keyword, str], keyword: Keyword | None, payload: str) -> None:
    """Keep one payload per keyword; the specs forbid a second chunk with the same keyword."""
    if keyword is None:
        return
    if keyword in found:
        raise invalid_image(f"The PNG has more than one iTXt chunk with keyword {keyword.value!r}.")
    found[keyword] = payload


def _read_itxt(body: bytes) -> tuple[Keyword | None, str]:
    """Split an iTXt chunk's data; return ``(None, "")`` for keywords that are not Open Badges'."""
    name, _, rest = body.partition(b"\x00")
    keyword = _KEYWORDS.get(name)
    if keyword is None:
        return None, ""
    if rest[:2] != _ITXT_FLAGS:
        raise invalid_image(f"The {keyword.value!r} iTXt chunk is compressed or malformed.")
    _language, _, rest = rest[2:].partition(b"\x00")
    _translated, found, text = rest.partition(b"\x00")
    if not found or not text:
        raise invalid_image(f"The {keyword.value!r} iTXt chunk is malformed or empty.")
    try:
        payload = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid_image(f"The {keyword.value!r} iTXt chunk is not UTF-8.") from exc
    return keyword, check_unbaked_payload(payload)
