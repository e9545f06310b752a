"""Reads behind the public URLs: stored documents by path, and what a human page shows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from issuer.models import PublishedDocument


@dataclass(frozen=True)
class StoredDocument:
    path: str
    media_type: str
    body: bytes
    etag: str
    award_id: str | None


def stored_document(session: Session, path: str) -> StoredDocument | None:
    """The published bytes at ``path`` (None when nothing is published there)."""
    row = session.get(PublishedDocument, path)
    if row is None:
        return None
    return StoredDocument(row.path, row.media_type, row.body, row.etag, row.award_id)
