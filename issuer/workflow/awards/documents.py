"""Published documents: stored once as exact bytes at their public path, served as stored.

Both Open Badges versions store through here: a badge's artwork, an issuer's image, and every
format of an award (the documents and the badge images baked with them) by one routine each.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Select, bindparam, select

from issuer.baking import Keyword, bake_png, bake_svg
from issuer.models import Issuer, PublishedDocument
from issuer.openbadges.artwork import BadgeArtwork
from issuer.workflow.context import Context

JSON_LD = "application/ld+json"
PNG, SVG = "image/png", "image/svg+xml"


def json_bytes(document: dict[str, Any]) -> bytes:
    """The one serialisation of a JSON document we publish (and sign, where it is signed).

    UTF-8, two-space indent: byte for byte what ``json.dumps(ensure_ascii=False, indent=2)``
    writes (tests/unit/test_published_json.py), except small floats' exponents (``1e-7``, not
    ``1e-07``), made by orjson in C: Python's indenting encoder is pure Python and was a sixth of
    an award's issuance. Integers beyond 64 bits, which orjson refuses, go through ``json``."""
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:
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
    row = None if fresh else ctx.session.get(PublishedDocument, path)
    if row is None:
        row = PublishedDocument(path=path, award_id=award_id)
        ctx.session.add(row)
    row.media_type, row.body, row.etag, row.updated_at = media_type, body, etag, ctx.now
    if fresh:
        return row
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


def prefetch(ctx: Context, urls: Iterable[str]) -> None:
    """Read the documents at ``urls`` in one query and hold them for this unit of work: a later
    ``load`` of one of them is answered from the session (a missing one is still looked up)."""
    paths = sorted({ctx.urls.path(url) for url in urls})
    if paths:
        ctx.hold(list(ctx.session.scalars(_at_paths(), {"paths": paths})))


@cache
def _at_paths() -> Select[tuple[PublishedDocument]]:
    """The documents at a list of paths (``paths``): built once, as every award reads some."""
    return select(PublishedDocument).where(
        PublishedDocument.path.in_(bindparam("paths", expanding=True))
    )


def load(ctx: Context, url: str) -> PublishedDocument | None:
    return ctx.session.get(PublishedDocument, ctx.urls.path(url))


def load_json(ctx: Context, url: str) -> dict[str, Any] | None:
    row = load(ctx, url)
    return None if row is None else json.loads(row.body)


def store_issuer_image(ctx: Context, url: str, issuer: Issuer) -> None:
    """The issuer's uploaded image at ``url``, as uploaded (PNG unless said otherwise)."""
    if issuer.image is not None:
        store(ctx, url, issuer.image, issuer.image_type or PNG)


def store_artwork(ctx: Context, badge_url: str, art: BadgeArtwork) -> None:
    """A badge's PNG and SVG beside its BadgeClass or Achievement."""
    store(ctx, ctx.urls.badge_image(badge_url, "png"), art.png, PNG)
    store(ctx, ctx.urls.badge_image(badge_url, "svg"), art.svg, SVG)


def stored_artwork(ctx: Context, badge_url: str, make: Callable[[], BadgeArtwork]) -> BadgeArtwork:
    """The badge's artwork as published with it (made again by ``make`` only if missing)."""
    png = load(ctx, ctx.urls.badge_image(badge_url, "png"))
    svg = load(ctx, ctx.urls.badge_image(badge_url, "svg"))
    if png is None or svg is None:
        return make()
    return BadgeArtwork(png=png.body, svg=svg.body)


def store_award_formats(
    ctx: Context,
    award_id: str,
    url: str,
    forms: Mapping[str, tuple[bytes, str]],
    baked: Mapping[str, str],
    art: BadgeArtwork,
    keyword: Keyword,
) -> None:
    """Every format of a just-issued award under ``url``: each of ``forms`` (suffix -> body and
    media type) as given, and each of ``baked`` (suffix -> text) baked into the badge's PNG and
    SVG at suffix + ``.png`` / ``.svg``."""
    published = dict(forms)
    for suffix, text in baked.items():
        published[suffix + ".png"] = (bake_png(art.png, text, keyword=keyword), PNG)
        published[suffix + ".svg"] = (bake_svg(art.svg, text, keyword=keyword), SVG)
    for suffix, (body, media_type) in published.items():
        store(ctx, url + suffix, body, media_type, award_id=award_id, fresh=True)
