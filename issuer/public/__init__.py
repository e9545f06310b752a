"""Public, unauthenticated reads of published documents: stored bytes, content negotiation,
ETag and Cache-Control. Nothing is built or signed per request."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request

from issuer.certificates import qr_data_url
from issuer.domain.actors import SYSTEM
from issuer.runtime import Services
from issuer.workflow.awards.award_page import award_page
from issuer.workflow.awards.public_reads import StoredDocument, stored_document

blueprint = Blueprint("public", __name__)

JSON_TYPES = ("application/ld+json", "application/json")
MUTABLE_SECONDS = 300  # assertions, credentials, profiles, revocation and status lists can change
IMMUTABLE_SECONDS = 86400  # baked images, signed tokens, keys and artwork never change at a path
SVG = "image/svg+xml"
SVG_HEADERS = {
    # SPEC §12: a stored SVG opened on its own can run nothing and load nothing (``sandbox`` also
    # gives it an opaque origin); this is what protects SVGs published before uploads were
    # allow-listed, whose stored bytes keep answering unchanged.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
    "X-Content-Type-Options": "nosniff",
}


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


def _load(path: str) -> StoredDocument:
    session = _services().db.session()
    try:
        document = stored_document(session, path)
    finally:
        session.close()
    if document is None:
        abort(404)
    return document


def _cache_seconds(document: StoredDocument) -> int:
    if document.media_type in JSON_TYPES:
        return MUTABLE_SECONDS
    if document.path.endswith("/image") or document.path.startswith(("/ob2/keys/", "/ob3/keys/")):
        return IMMUTABLE_SECONDS
    return IMMUTABLE_SECONDS if document.award_id else MUTABLE_SECONDS


def _wants_html(document: StoredDocument) -> bool:
    if document.media_type not in JSON_TYPES:
        return False
    accept = request.accept_mimetypes
    return accept["text/html"] > max(accept["application/ld+json"], accept["application/json"])


def _json_media_type() -> str:
    accept = request.accept_mimetypes
    return (
        "application/json"
        if accept["application/json"] > accept["application/ld+json"]
        else "application/ld+json"
    )


def serve(path: str) -> Response:
    document = _load(path)
    if _wants_html(document):
        return _html_page(document)
    media_type = _json_media_type() if document.media_type in JSON_TYPES else document.media_type
    response = Response(document.body, mimetype=media_type)
    if document.media_type in JSON_TYPES:
        response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    response.set_etag(document.etag.strip('"'))
    response.headers["Cache-Control"] = f"public, max-age={_cache_seconds(document)}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    if document.media_type == SVG:
        response.headers.update(SVG_HEADERS)
    return response.make_conditional(request)


def _html_page(document: StoredDocument) -> Response:
    if document.award_id is not None:
        html = _award_html(document.award_id)
    else:
        data: dict[str, Any] = json.loads(document.body)
        html = render_template("document.html", doc=data, path=document.path)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept")
    return response


def _award_html(award_id: str) -> str:
    """The human verification page of an award (what a browser sees at its assertion URL)."""
    svc = _services()
    session = svc.db.session()
    try:
        page = award_page(svc.context(session, SYSTEM), award_id)
        return render_template("award.html", page=page, qr=qr_data_url(page.verify_url))
    finally:
        session.close()


@blueprint.get("/ob2/<path:rest>")
def ob2_document(rest: str) -> Response:
    return serve(f"/ob2/{rest}")


@blueprint.get("/ob3/<path:rest>")
def ob3_document(rest: str) -> Response:
    return serve(f"/ob3/{rest}")


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
