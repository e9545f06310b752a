"""Evidence files of submissions: what a file is (by content) and where its bytes live. No Flask,
no SQL: workflow/learning/evidence.py records the rows, the adapters parse requests and serve bytes."""

from issuer.evidence.store import (
    EvidenceStore,
    StoredFile,
    Upload,
    UploadLimits,
    clean_filename,
    size_text,
)
from issuer.evidence.types import Detected, FileTypeRefused, detect

__all__ = [
    "Detected",
    "EvidenceStore",
    "FileTypeRefused",
    "StoredFile",
    "Upload",
    "UploadLimits",
    "clean_filename",
    "detect",
    "size_text",
]
