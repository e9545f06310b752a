"""Evidence bytes on disk: under ``UPLOADS_DIR`` (outside the web root), one file per upload at a
random key in sharded folders, mode 0600, its sha256 and size counted while it streams in."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from issuer.errors import NotFound, PayloadTooLarge, ValidationFailed
from issuer.evidence.types import detect

CHUNK = 1 << 16
MiB = 1024 * 1024
_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}")


@dataclass(frozen=True)
class UploadLimits:
    """Per file, per submission (all its files together) and how many files."""

    max_file_bytes: int = 25 * MiB
    max_submission_bytes: int = 100 * MiB
    max_files: int = 20

    @property
    def max_request_bytes(self) -> int:
        """What a multipart request may carry: the files plus room for the form's other fields."""
        return self.max_submission_bytes + 2 * MiB


@dataclass(frozen=True)
class Upload:
    """One file as received: the name the person gave it and its bytes."""

    filename: str
    stream: BinaryIO


@dataclass(frozen=True)
class StoredFile:
    """An upload written to the store and checked: what its row records."""

    filename: str
    media_type: str
    size: int
    sha256: str
    storage_key: str


def size_text(size: int) -> str:
    """'25 MiB', '512 KiB', '300 bytes': limits as people read them."""
    if size >= MiB and size % MiB == 0:
        return f"{size // MiB} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"


def clean_filename(name: str) -> str:
    """The name as shown and offered on download: no folders, no control characters, at most
    255 characters (keeping the extension)."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = stem[: 254 - len(ext)] + dot + ext if dot and len(ext) < 16 else name[:255]
    return name


class EvidenceStore:
    """The uploads folder; keys it hands out are the only paths it opens."""

    def __init__(self, root: Path, limits: UploadLimits | None = None) -> None:
        self.root = Path(root)
        self.limits = limits or UploadLimits()

    def save_all(self, uploads: list[Upload]) -> list[StoredFile]:
        """Write and check every upload of one submission; if one is refused, none is kept."""
        if len(uploads) > self.limits.max_files:
            raise ValidationFailed(
                f"A submission takes at most {self.limits.max_files} files.",
                fields={"files": f"at most {self.limits.max_files} files"},
                code="too_many_files",
            )
        stored: list[StoredFile] = []
        total = 0
        try:
            for upload in uploads:
                budget = self.limits.max_submission_bytes - total
                item = self.save(upload, budget)
                total += item.size
                stored.append(item)
        except BaseException:
            self.discard(stored)
            raise
        return stored

    def save(self, upload: Upload, budget: int | None = None) -> StoredFile:
        """Stream one upload in (refused over the file limit, or past ``budget``, what is left of
        the submission's), then check its type by content; a refused file leaves nothing."""
        filename = clean_filename(upload.filename)
        if not filename:
            raise ValidationFailed(
                "Every file needs a name.", fields={"files": "a file has no name"}
            )
        key = f"{secrets.token_hex(1)}/{secrets.token_hex(1)}/{secrets.token_hex(16)}"
        path = self._path(key)
        self._make_dirs(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w+b") as out:
                size, digest = self._copy(upload, filename, out, budget)
                detected = detect(filename, out)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StoredFile(filename, detected.media_type, size, digest, key)

    def _copy(
        self, upload: Upload, filename: str, out: BinaryIO, budget: int | None
    ) -> tuple[int, str]:
        digest = hashlib.sha256()
        size = 0
        limit = self.limits.max_file_bytes
        while chunk := upload.stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(
                    f"{filename} is larger than the limit of {size_text(limit)} for one file.",
                    code="file_too_large",
                )
            if budget is not None and size > budget:
                raise PayloadTooLarge(
                    f"With {filename} the files pass the limit of "
                    f"{size_text(self.limits.max_submission_bytes)} for one submission.",
                    code="submission_too_large",
                )
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
        return size, digest.hexdigest()

    def open(self, key: str) -> BinaryIO:
        """The stored bytes, for reading."""
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise NotFound(
                "The file's bytes are missing.", code="evidence_file_not_found"
            ) from None

    def discard(self, files: list[StoredFile]) -> None:
        """Remove stored files whose rows were never committed."""
        for item in files:
            self._path(item.storage_key).unlink(missing_ok=True)

    def keys_older_than(self, cutoff: float) -> list[str]:
        """Keys of stored files last written before ``cutoff`` (a POSIX time)."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.glob("*/*/*"):
            key = path.relative_to(self.root).as_posix()
            if _KEY.fullmatch(key) and path.is_file() and path.stat().st_mtime < cutoff:
                found.append(key)
        return found

    def remove(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise NotFound("No such stored file.", code="evidence_file_not_found")
        return self.root / key

    def _make_dirs(self, folder: Path) -> None:
        for each in (self.root, folder.parent, folder):
            each.mkdir(mode=0o700, exist_ok=True, parents=each is self.root)
