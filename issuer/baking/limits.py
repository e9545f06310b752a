"""Limits and strict readers for untrusted badge images, in one place.

Every image is hostile until checked: its size is capped before anything is parsed, PNG chunks
are walked by their lengths without decoding pixels, pixel data is inflated in bounded steps only
to count it, and XML is parsed by defusedxml with DTDs and entities forbidden; an uploaded SVG must then pass the
allow-list of ``svg_policy``. ``png.py`` and
``svg.py`` build baking on these readers; ``validate_badge_image`` checks uploaded program images.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from issuer.baking.svg_policy import check_svg_allowed
from issuer.errors import IssuerError, UnsafeInput, ValidationFailed

MAX_IMAGE_BYTES = 2 * 1024 * 1024
"""An uploaded program image (PNG or SVG)."""
MAX_BAKED_IMAGE_BYTES = 10 * 1024 * 1024
"""An image to bake or unbake: the API's upload cap, so the verifier can read any upload."""
MAX_DIMENSION = 4096
"""Width and height of an uploaded image, each."""
MAX_DECODED_BYTES = MAX_DIMENSION * MAX_DIMENSION * 4
"""Decoded pixels of an uploaded PNG: 8-bit RGBA at the dimension cap."""
MAX_PNG_CHUNKS = 10_000
"""Chunks walked in one PNG; real encoders write a few dozen."""
MAX_TEXT_CHUNK_BYTES = 1024 * 1024
"""Any tEXt, zTXt or iTXt chunk in a PNG we read."""
MAX_PAYLOAD_BYTES = 512 * 1024
"""A baked payload (URL, JWS, JSON), UTF-8 encoded; the largest signed credential is far smaller."""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
TEXT_CHUNK_TYPES = frozenset({b"tEXt", b"zTXt", b"iTXt"})

_CHUNK_HEAD = struct.Struct(">I4s")
_CRC = struct.Struct(">I")
_IHDR = struct.Struct(">IIBBBBB")
_IHDR_HEAD = b"\x00\x00\x00\x0dIHDR"
_MAX_CHUNK_LENGTH = 2**31 - 1  # PNG spec: a chunk length is at most 2^31 - 1
_INFLATE_STEP = 1024 * 1024
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_BIT_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_ADAM7 = (  # (first column, first row, column step, row step) of each interlace pass
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
_ENCODING_DECLARATION = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)"""
)
_UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_LENGTH = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?)\s*(?:px)?\s*")


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What an accepted image is: its media type and size (``None`` when an SVG does not say)."""

    mime: str
    width: int | None
    height: int | None


ChunkSpan = tuple[bytes, int, int]
"""A PNG chunk located in the bytes: (type, offset of its length field, offset after its CRC)."""


@dataclass(frozen=True, slots=True)
class PngHeader:
    """The IHDR fields that decide how many bytes the pixels decode to."""

    width: int
    height: int
    bit_depth: int
    color_type: int
    interlaced: bool


def invalid_image(why: str) -> ValidationFailed:
    """The error for an image that is not what it claims to be."""
    return ValidationFailed(why, code="invalid_image")


def check_size(data: bytes, limit: int) -> None:
    """Refuse input over ``limit`` bytes before parsing it (``UnsafeInput`` image_too_large)."""
    if len(data) > limit:
        raise UnsafeInput(
            f"The image is {len(data)} bytes; at most {limit} are accepted.", code="image_too_large"
        )


def check_payload(payload: str) -> bytes:
    """Return a non-empty payload as UTF-8, refusing one over the cap (``ValidationFailed``)."""
    try:
        encoded = payload.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationFailed(
            "A baked payload must be valid Unicode.", code="invalid_payload"
        ) from exc
    if not encoded or len(encoded) > MAX_PAYLOAD_BYTES:
        raise ValidationFailed(
            f"A baked payload must have 1 to {MAX_PAYLOAD_BYTES} bytes.", code="invalid_payload"
        )
    return encoded


def check_unbaked_payload(payload: str) -> str:
    """Refuse a payload read from an image when it is over the cap (``UnsafeInput``)."""
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise UnsafeInput(
            f"The baked payload is larger than {MAX_PAYLOAD_BYTES} bytes.",
            code="baked_payload_too_large",
        )
    return payload


def png_chunks(data: bytes) -> list[ChunkSpan]:
    """Locate every chunk up to IEND by its length, strictly, without decoding or checksumming.

    Unbaking and upload validation use it (with ``check_png_crcs``); one cheap test per chunk,
    and ``_chunk_error`` sorts out the rare failures.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise invalid_image("The data does not start with the PNG signature.")
    if not data.startswith(_IHDR_HEAD, len(PNG_SIGNATURE)):
        raise invalid_image("The PNG must start with one 13-byte IHDR chunk.")
    chunks: list[ChunkSpan] = []
    append, unpack = chunks.append, _CHUNK_HEAD.unpack_from
    pos, size = len(PNG_SIGNATURE), len(data)
    for _ in range(MAX_PNG_CHUNKS):
        if pos + 12 > size:
            raise invalid_image("The PNG is truncated: it ends before its IEND chunk.")
        length, ctype = unpack(data, pos)
        end = pos + 12 + length
        if (
            end > size
            or length > _MAX_CHUNK_LENGTH
            or not ctype.isalpha()
            or (length > MAX_TEXT_CHUNK_BYTES and ctype in TEXT_CHUNK_TYPES)
            or (ctype == b"IHDR" and chunks)
        ):
            raise _chunk_error(ctype, length, end > size)
        append((ctype, pos, end))
        if ctype == b"IEND":
            return chunks
        pos = end
    raise UnsafeInput(f"The PNG has more than {MAX_PNG_CHUNKS} chunks.", code="too_many_chunks")


def _chunk_error(ctype: bytes, length: int, past_end: bool) -> IssuerError:
    """Say what is wrong with a chunk ``png_chunks`` refused."""
    name = ctype.decode("latin-1")
    if past_end or length > _MAX_CHUNK_LENGTH:
        return invalid_image(f"The PNG's {name!r} chunk runs past the end of the data.")
    if not ctype.isalpha():
        return invalid_image(f"The PNG has a chunk with an invalid type {name!r}.")
    if ctype == b"IHDR":
        return invalid_image("The PNG has more than one IHDR chunk.")
    return UnsafeInput(
        f"The PNG has a {name} chunk over {MAX_TEXT_CHUNK_BYTES} bytes.", code="chunk_too_large"
    )


def check_png_crcs(data: bytes, chunks: list[ChunkSpan]) -> None:
    """Compare each chunk's CRC (over its type and data) with the stored one."""
    view = memoryview(data)
    for ctype, start, end in chunks:
        (stored,) = _CRC.unpack_from(view, end - 4)
        if zlib.crc32(view[start + 4 : end - 4]) != stored:
            raise invalid_image(f"The PNG's {ctype.decode()} chunk has a bad CRC.")


def read_png_header(data: bytes) -> PngHeader:
    """Read and check IHDR, which ``png_chunks`` guarantees is first and 13 bytes long."""
    width, height, depth, color, compression, filtering, interlace = _IHDR.unpack_from(data, 16)
    if not (0 < width <= _MAX_CHUNK_LENGTH and 0 < height <= _MAX_CHUNK_LENGTH):
        raise invalid_image("The PNG declares a zero or out-of-range width or height.")
    if depth not in _BIT_DEPTHS.get(color, ()):
        raise invalid_image(f"The PNG has an invalid colour type {color} / bit depth {depth}.")
    if compression or filtering or interlace > 1:
        raise invalid_image("The PNG declares an unknown compression, filter or interlace method.")
    return PngHeader(width, height, depth, color, interlace == 1)


class OffsetTreeBuilder(TreeBuilder):
    """A TreeBuilder that can tell the byte offset of the current event, so SVG can be spliced."""

    parser: DefusedXMLParser | None = None

    def offset(self) -> int:
        """Byte offset of the tag being reported (expat's ``CurrentByteIndex``)."""
        if self.parser is None:
            raise RuntimeError("offset() is only meaningful while parse_svg is feeding the parser")
        index: int = self.parser.parser.CurrentByteIndex
        return index


def parse_svg(data: bytes, builder: OffsetTreeBuilder | None = None) -> Element:
    """Parse a UTF-8 SVG safely (no DTD, no entities) and check its root is ``<svg>``."""
    _require_utf8(data)
    builder = builder or OffsetTreeBuilder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.parser = parser
    try:
        parser.feed(data)
        root: Element = parser.close()
    except DefusedXmlException as exc:
        raise UnsafeInput(
            "SVG images may not contain a DOCTYPE, entity declarations or external references.",
            code="svg_entities",
        ) from exc
    except ParseError as exc:
        raise invalid_image(f"The SVG is not well-formed XML ({exc}).") from exc
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise invalid_image("The root element must be <svg> in the SVG namespace.")
    return root


def _require_utf8(data: bytes) -> None:
    """Refuse XML in encodings other than UTF-8, so byte offsets and splices stay exact."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise invalid_image("The SVG must be UTF-8 encoded (UTF-16 was found).")
    match = _ENCODING_DECLARATION.match(data)
    if match and match.group(1).decode("ascii", "replace").lower() not in _UTF8_NAMES:
        raise invalid_image("The SVG must be UTF-8 encoded.")


def validate_badge_image(data: bytes) -> ImageInfo:
    """Accept a program image only if it is a real, bounded PNG or a script-free SVG."""
    check_size(data, MAX_IMAGE_BYTES)
    if data.startswith(PNG_SIGNATURE):
        return _validate_png(data)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _validate_svg(data)
    raise invalid_image("Only PNG and SVG images are accepted.")


def _validate_png(data: bytes) -> ImageInfo:
    """Walk every chunk (CRCs included), bound the header, then count the pixel bytes."""
    chunks = png_chunks(data)
    check_png_crcs(data, chunks)
    header = read_png_header(data)
    _check_dimensions(header.width, header.height)
    _check_decoded_size(header)
    idat = _image_data_chunks(chunks, needs_palette=header.color_type == 3)
    _check_pixel_stream(memoryview(data), idat, _inflated_size(header))
    return ImageInfo("image/png", header.width, header.height)


def _check_dimensions(width: int, height: int) -> None:
    """Refuse images wider or taller than ``MAX_DIMENSION``."""
    if width > MAX_DIMENSION or height > MAX_DIMENSION:
        raise UnsafeInput(
            f"The image is {width}x{height}; at most {MAX_DIMENSION}x{MAX_DIMENSION} is accepted.",
            code="image_too_large",
        )


def _check_decoded_size(header: PngHeader) -> None:
    """Refuse pixels that would decode to more than ``MAX_DECODED_BYTES`` (deep colour at size)."""
    decoded = header.width * header.height * _bits_per_pixel(header) // 8
    if decoded > MAX_DECODED_BYTES:
        raise UnsafeInput(
            f"The PNG's pixels would decode to {decoded} bytes; the cap is {MAX_DECODED_BYTES}.",
            code="image_too_large",
        )


def _bits_per_pixel(header: PngHeader) -> int:
    return _CHANNELS[header.color_type] * header.bit_depth


def _inflated_size(header: PngHeader) -> int:
    """Bytes the zlib stream must inflate to: filter byte plus packed pixels, per row, per pass."""
    bits = _bits_per_pixel(header)
    passes = _ADAM7 if header.interlaced else ((0, 0, 1, 1),)
    total = 0
    for x0, y0, dx, dy in passes:
        columns = -(-(header.width - x0) // dx) if header.width > x0 else 0
        rows = -(-(header.height - y0) // dy) if header.height > y0 else 0
        if columns and rows:
            total += rows * (1 + -(-(columns * bits) // 8))
    return total


def _image_data_chunks(chunks: list[ChunkSpan], *, needs_palette: bool) -> list[ChunkSpan]:
    """Return the IDAT chunks, checking they are consecutive and a palette precedes them."""
    kinds = [ctype for ctype, _, _ in chunks]
    idat = [chunk for chunk in chunks if chunk[0] == b"IDAT"]
    if not idat:
        raise invalid_image("The PNG has no IDAT chunk.")
    first = kinds.index(b"IDAT")
    if kinds[first : first + len(idat)] != [b"IDAT"] * len(idat):
        raise invalid_image("The PNG's IDAT chunks are not consecutive.")
    if needs_palette and b"PLTE" not in kinds[:first]:
        raise invalid_image("The palette PNG has no PLTE chunk before its pixels.")
    return idat


def _check_pixel_stream(view: memoryview, idat: list[ChunkSpan], expected: int) -> None:
    """Inflate the pixel data in bounded steps, discarding it, and compare its size with IHDR's."""
    inflater = zlib.decompressobj()
    produced = 0
    try:
        for _, start, end in idat:
            pending: bytes | memoryview = view[start + 8 : end - 4]
            while pending and not inflater.eof:
                step = min(_INFLATE_STEP, expected - produced + 1)  # one byte over is enough
                produced += len(inflater.decompress(pending, step))
                _refuse_expansion(produced, expected)
                pending = inflater.unconsumed_tail
        produced += len(inflater.flush())
    except zlib.error as exc:
        raise invalid_image(f"The PNG's pixel data is not a valid zlib stream ({exc}).") from exc
    _refuse_expansion(produced, expected)
    if not inflater.eof or produced != expected:
        raise invalid_image("The PNG's pixel data is truncated or shorter than its size.")


def _refuse_expansion(produced: int, expected: int) -> None:
    """A stream inflating past the size IHDR implies is a decompression bomb."""
    if produced > expected:
        raise UnsafeInput(
            "The PNG's pixel data inflates beyond its declared size.", code="image_bomb"
        )


def _validate_svg(data: bytes) -> ImageInfo:
    """Parse safely, accept only the allow-listed drawing vocabulary, and read the canvas size."""
    builder = _InstructionRecorder()
    root = parse_svg(data, builder)
    check_svg_allowed(root, builder.instructions)
    width, height = _svg_size(root)
    _check_dimensions(width or 0, height or 0)
    return ImageInfo("image/svg+xml", width, height)


class _InstructionRecorder(OffsetTreeBuilder):
    """Notes every processing instruction, which the tree leaves out (``xml-stylesheet`` loads)."""

    def __init__(self) -> None:
        super().__init__()
        self.instructions: list[str] = []

    def pi(self, target: str, text: str | None = None) -> Element:
        self.instructions.append(target)
        return super().pi(target, text)


def _svg_size(root: Element) -> tuple[int | None, int | None]:
    """Width and height in pixels from the attributes, else from ``viewBox``, else unknown."""
    width, height = _svg_length(root.get("width")), _svg_length(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4:
        box_width, box_height = (_svg_length(value) for value in box[2:])
        width = box_width if width is None else width
        height = box_height if height is None else height
    return width, height


def _svg_length(value: str | None) -> int | None:
    """A plain or ``px`` length as whole pixels; relative units say nothing about pixels."""
    match = _LENGTH.fullmatch(value or "")
    return round(float(match.group(1))) if match else None
