"""What an evidence file is, read from its bytes and structure, never from its name.

The content decides the family (a PDF, a PNG, an ISO media file, an Office Open XML document...);
the name's extension must be one that family is known by, and picks the media type where a
family has several (an ISO media file is ``.mp4``, ``.m4a`` or ``.mov``). Executables, scripts,
HTML and SVG (which can carry script), plain ZIP archives and anything unknown are refused.
ZIP containers are judged by their central directory only: nothing is extracted.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from issuer.errors import ValidationFailed

HEAD_BYTES = 4096
MAX_ZIP_ENTRIES = 10_000

_OOXML = {
    "word/document.xml": {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    },
    "xl/workbook.xml": {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    },
    "ppt/presentation.xml": {
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    },
}
_ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
# Legacy Office files are OLE2 compound files; the stream each application writes names it.
_CFB_STREAMS = {
    "WordDocument": {"doc": "application/msword"},
    "Workbook": {"xls": "application/vnd.ms-excel"},
    "Book": {"xls": "application/vnd.ms-excel"},
    "PowerPoint Document": {"ppt": "application/vnd.ms-powerpoint"},
}
_ISO_MEDIA = {
    "mp4": "video/mp4",
    "m4v": "video/mp4",
    "m4a": "audio/mp4",
    "mov": "video/quicktime",
}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"heif"}
_EXECUTABLE_MAGIC = (
    b"\x7fELF",  # Linux
    b"MZ",  # Windows PE / DOS
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts
    b"\x00asm",  # WebAssembly
)
_MARKUP = re.compile(rb"^\s*<(?:!doctype\s+html|html|head|body|script|svg|\?xml|iframe)", re.I)


@dataclass(frozen=True)
class Detected:
    """The media type found in the content, and the extension the file is stored under."""

    media_type: str
    extension: str


class FileTypeRefused(ValidationFailed):
    """An evidence file whose content is not an accepted type, or disagrees with its name."""

    code = "file_type_refused"

    def __init__(self, filename: str, why: str) -> None:
        super().__init__(f"{filename}: {why}", fields={"files": f"{filename}: {why}"})
        self.filename = filename


def extension_of(filename: str) -> str:
    _, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and _ else ""


def detect(filename: str, file: BinaryIO) -> Detected:
    """The accepted type of ``file`` (seekable, at any position), agreeing with ``filename``'s
    extension; otherwise ``FileTypeRefused`` saying what the content is."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    ext = extension_of(filename)
    if not head:
        raise FileTypeRefused(filename, "the file is empty.")
    if head.startswith(_EXECUTABLE_MAGIC):
        raise FileTypeRefused(filename, "the content is an executable program or script.")
    if _MARKUP.match(head.lstrip(b"\xef\xbb\xbf")):
        raise FileTypeRefused(filename, "the content is HTML, SVG or XML, which can carry script.")
    candidates, what = _family(head, file)
    if not candidates:
        found = "this type of file" if what == "unknown" else f"the content is {what}, which"
        raise FileTypeRefused(
            filename,
            f"{found} is not accepted (PDF, Office and OpenDocument files, images, audio and "
            "video are).",
        )
    if ext not in candidates:
        named = f"named .{ext}" if ext else "named without an extension"
        wanted = " or ".join(f".{e}" for e in sorted(candidates))
        raise FileTypeRefused(
            filename, f"the content is {what} but the file is {named} ({wanted})."
        )
    return Detected(media_type=candidates[ext], extension=ext)


Family = tuple[dict[str, str], str]


def _family(head: bytes, file: BinaryIO) -> Family:
    for test in _TESTS:
        found = test(head, file)
        if found is not None:
            return found
    return {}, "unknown"


def _simple(head: bytes, _file: BinaryIO) -> Family | None:
    if head.startswith(b"%PDF-"):
        return {"pdf": "application/pdf"}, "a PDF document"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return {"png": "image/png"}, "a PNG image"
    if head.startswith(b"\xff\xd8\xff"):
        return {"jpg": "image/jpeg", "jpeg": "image/jpeg"}, "a JPEG image"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return {"gif": "image/gif"}, "a GIF image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return {"webp": "image/webp"}, "a WebP image"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return {"wav": "audio/wav"}, "a WAV recording"
    if head.startswith(b"OggS"):
        ogg = {"ogg": "audio/ogg", "oga": "audio/ogg", "opus": "audio/ogg", "ogv": "video/ogg"}
        return ogg, "an Ogg recording"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return {"webm": "video/webm"}, "a WebM video"
    return None


def _mpeg_audio(head: bytes, _file: BinaryIO) -> Family | None:
    if head.startswith(b"ID3"):
        return {"mp3": "audio/mpeg"}, "an MP3 recording"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0x3
        if layer == 0:  # ADTS: AAC in an MPEG stream
            return {"aac": "audio/aac"}, "an AAC recording"
        return {"mp3": "audio/mpeg"}, "an MP3 recording"
    return None


def _iso_media(head: bytes, _file: BinaryIO) -> Family | None:
    if head[4:8] != b"ftyp":
        return None
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(len(head), 64), 4)}
    if brands & _HEIF_BRANDS:
        return {"heic": "image/heic", "heif": "image/heic"}, "a HEIC image"
    return dict(_ISO_MEDIA), "an MP4/QuickTime media file"


def _zip(head: bytes, file: BinaryIO) -> Family | None:
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                return {}, "a ZIP archive with too many entries"
            names = {entry.filename for entry in entries}
            odf = _odf_type(archive, entries)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return {}, "a damaged ZIP archive"
    finally:
        file.seek(0)
    if odf is not None:
        return {_ODF[odf]: odf}, "an OpenDocument file"
    if "[Content_Types].xml" in names:
        for part, types in _OOXML.items():
            if part in names:
                return types, "an Office Open XML document"
    return {}, "a ZIP archive"


def _odf_type(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> str | None:
    """OpenDocument's first entry is ``mimetype``, stored, naming the document type."""
    first = entries[0] if entries else None
    if first is None or first.filename != "mimetype" or first.file_size > 100:
        return None
    value = archive.read(first).decode("ascii", "replace").strip()
    return value if value in _ODF else None


def _compound_file(head: bytes, file: BinaryIO) -> Family | None:
    if not head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return None
    types: dict[str, str] = {}
    for stream, found in _CFB_STREAMS.items():
        if _contains(file, stream.encode("utf-16-le")):
            types.update(found)
    return types, "a legacy Office file" if types else "an OLE2 compound file (not Office)"


def _contains(file: BinaryIO, needle: bytes, chunk: int = 1 << 20) -> bool:
    """Whether ``needle`` occurs in the file, read a chunk at a time (directory entries of a
    compound file may be anywhere in it)."""
    file.seek(0)
    tail = b""
    try:
        while block := file.read(chunk):
            if needle in tail + block:
                return True
            tail = block[-len(needle) :]
        return False
    finally:
        file.seek(0)


def _plain_text(head: bytes, _file: BinaryIO) -> Family | None:
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the head
            return None
    return {"txt": "text/plain; charset=utf-8"}, "plain text"


_TESTS: tuple[Callable[[bytes, BinaryIO], Family | None], ...] = (
    _simple,
    _iso_media,
    _zip,
    _compound_file,
    _mpeg_audio,
    _plain_text,
)
