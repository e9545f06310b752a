"""Published documents: stored once as exact bytes at their public path, served as stored."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from issuer.models import PublishedDocument
from issuer.workflow.context import Context

JSON_LD = "application/ld+json"


def json_bytes(document: dict[str, Any]) -> bytes:
    """The one serialisation of a JSON document we publish (and sign, where it is signed)."""
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def store(
    ctx: Context,
    url: str,
    body: bytes,
    media_type: str,
    *,
    award_id: str | None = None,
    fresh: bool = False,
) -> PublishedDocument:
    """Insert or replace the document at ``url``'s path, in the current transaction.

    ``fresh`` says the path is new (a just-issued award's documents): no lookup, and the insert
    waits for the transaction's next flush; a clash with an existing path still fails the commit.
    """
    path = ctx.urls.path(url)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if fresh:
        row = PublishedDocument(
            path=path,
            media_type=media_type,
            body=body,
            etag=etag,
            award_id=award_id,
            updated_at=ctx.now,
        )
        ctx.session.add(row)
        return row
    row = ctx.session.get(PublishedDocument, path)
    if row is None:
        row = PublishedDocument(
            path=path,
            media_type=media_type,
            body=body,
            etag=etag,
            award_id=award_id,
            updated_at=ctx.now,
        )
        ctx.session.add(row)
    else:
        row.media_type, row.body, row.etag, row.updated_at = media_type, body, etag, ctx.now
    ctx.session.flush()
    return row


def store_json(
    ctx: Context,
    url: str,
    document: dict[str, Any],
    *,
    award_id: str | None = None,
    fresh: bool = False,
) -> None:
    store(ctx, url, json_bytes(document), JSON_LD, award_id=award_id, fresh=fresh)


def load(ctx: Context, url: str) -> PublishedDocument | None:
    return ctx.session.get(PublishedDocument, ctx.urls.path(url))


def load_json(ctx: Context, url: str) -> dict[str, Any] | None:
    row = load(ctx, url)
    return None if row is None else json.loads(row.body)
