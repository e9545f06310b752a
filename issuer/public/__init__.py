"""Public, unauthenticated reads of published documents: stored bytes, content negotiation,
ETag and Cache-Control. Nothing is built or signed per request; each worker keeps what it read
for at most ``PUBLIC_CACHE_SECONDS`` (``issuer/workflow/awards/public_reads.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, quote_etag
from werkzeug.utils import get_content_type

from issuer.certificates import qr_data_url
from issuer.domain.actors import SYSTEM
from issuer.domain.caching import IMMUTABLE_MAX_AGE, MUTABLE_MAX_AGE
from issuer.ops.telemetry import note
from issuer.runtime import Services
from issuer.web.transport import security_headers
from issuer.workflow.awards.award_page import award_page
from issuer.workflow.awards.public_reads import PublicReads, StoredDocument

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

blueprint = Blueprint("public", __name__)

JSON_TYPES = ("application/ld+json", "application/json")
MUTABLE_SECONDS = MUTABLE_MAX_AGE  # assertions, credentials, profiles, revocation and status lists
IMMUTABLE_SECONDS = IMMUTABLE_MAX_AGE  # baked images, signed tokens, keys and artwork never change
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
    document = _services().reads.document(path)
    if document is None:
        abort(404)
    return document


def _cache_seconds(document: StoredDocument) -> int:
    if document.media_type in JSON_TYPES:
        return MUTABLE_SECONDS
    if document.path.endswith("/image") or document.path.startswith(("/ob2/keys/", "/ob3/keys/")):
        return IMMUTABLE_SECONDS
    return IMMUTABLE_SECONDS if document.award_id else MUTABLE_SECONDS


HTML = "text/html"
# Headers whose presence makes a read conditional (the rest answer 200 without the check).
CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


@lru_cache(maxsize=256)
def negotiate(accept: str | None) -> str:
    """What a JSON document is answered as for this Accept header: the human page (``text/html``)
    when HTML is preferred to both JSON types, else ``application/json`` when preferred to
    ``application/ld+json``, else ``application/ld+json``. Verifiers send a handful of distinct
    headers, so the answer is kept per header value."""
    offered = parse_accept_header(accept, MIMEAccept)
    ld, plain = offered["application/ld+json"], offered["application/json"]
    if offered[HTML] > max(ld, plain):
        return HTML
    return "application/json" if plain > ld else "application/ld+json"


def document_headers(document: StoredDocument, media_type: str) -> list[tuple[str, str]]:
    """The headers of a stored document answered as ``media_type`` (its own, or the JSON type
    negotiated), whether Flask or ``CachedReads`` answers."""
    if document.media_type in JSON_TYPES:
        content_type = f"{media_type}; charset=utf-8"
    else:
        content_type = get_content_type(document.media_type, "utf-8")
    headers = [
        ("Content-Type", content_type),
        ("ETag", quote_etag(document.etag.strip('"'))),
        ("Cache-Control", f"public, max-age={_cache_seconds(document)}"),
        ("Access-Control-Allow-Origin", "*"),
        ("Vary", "Accept"),
    ]
    if document.media_type == SVG:
        headers.extend(SVG_HEADERS.items())
    return headers


# The human page's own headers: revalidated each time (its status can change), and different for
# a signed-in person (their name and navigation).
PAGE_HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Cache-Control", "no-cache"),
    ("Vary", "Accept, Cookie"),
)


def serve(path: str) -> Response:
    document = _load(path)
    media_type = document.media_type
    if media_type in JSON_TYPES:
        media_type = negotiate(request.headers.get("Accept"))
        if media_type == HTML:
            return _html_page(document)
    response = Response(document.body, headers=document_headers(document, media_type))
    environ = request.environ
    if any(name in environ for name in CONDITIONAL):
        return response.make_conditional(request)
    return response


def _html_page(document: StoredDocument) -> Response:
    if document.award_id is not None:
        html = _award_html(document.award_id)
    else:
        data: dict[str, Any] = json.loads(document.body)
        html = render_template("document.html", doc=data, path=document.path)
    return Response(html, headers=PAGE_HEADERS)


class CachedReads:
    """WSGI middleware in front of Flask: a GET of a public document (or of an award's anonymous
    verification page) that this worker holds fresh is answered here, with the same headers,
    without the framework's per-request work. Anything else -- a miss, a conditional request, a
    request with a cookie for the page -- goes on to Flask, which reads and keeps it.

    Only ``/ob2/…`` and ``/ob3/…`` paths qualify, and no other route lives under them; a path is
    answered only when a document is held at exactly that path, which Flask served before."""

    def __init__(self, app: WSGIApplication, reads: PublicReads, *, https: bool) -> None:
        self.app = app
        self.reads = reads
        self.https = https

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET":
            path = environ.get("PATH_INFO", "")
            route = ROUTES.get(path[:5])
            if route is not None and not any(name in environ for name in CONDITIONAL):
                answer = self._answer(environ, path)
                if answer is not None:
                    note(environ)["route"] = route
                    headers, body = answer
                    start_response("200 OK", headers)
                    return [body]
        return self.app(environ, start_response)

    def _answer(
        self, environ: WSGIEnvironment, path: str
    ) -> tuple[list[tuple[str, str]], bytes] | None:
        document: StoredDocument | None = self.reads.documents.get(path)
        if document is None:
            return None
        media_type = document.media_type
        if media_type in JSON_TYPES:
            media_type = negotiate(environ.get("HTTP_ACCEPT"))
            if media_type == HTML:
                return self._page(environ, document)
        headers = document_headers(document, media_type)
        return self._finish(headers, document.body, document.media_type)

    def _page(
        self, environ: WSGIEnvironment, document: StoredDocument
    ) -> tuple[list[tuple[str, str]], bytes] | None:
        if document.award_id is None or "HTTP_COOKIE" in environ:
            return None
        html: str | None = self.reads.pages.get(document.award_id)
        if html is None:
            return None
        return self._finish(list(PAGE_HEADERS), html.encode(), HTML)

    def _finish(
        self, headers: list[tuple[str, str]], body: bytes, media_type: str
    ) -> tuple[list[tuple[str, str]], bytes]:
        headers.append(("Content-Length", str(len(body))))
        headers.extend(security_headers((k for k, _ in headers), media_type, https=self.https))
        return headers, body


def _award_html(award_id: str) -> str:
    """The human verification page of an award (what a browser sees at its assertion URL).

    A visitor without a session cookie (an employer following a link) gets the page every such
    visitor gets, kept in this process for the public cache's bound; a signed-in person's page
    names them, so it is rendered for them."""
    if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
        return _render_award_html(award_id)
    return _services().reads.page(award_id, lambda: _render_award_html(award_id))


def _render_award_html(award_id: str) -> str:
    svc = _services()
    session = svc.db.session()
    try:
        page = award_page(svc.context(session, SYSTEM), award_id)
        return render_template("award.html", page=page, qr=qr_data_url(page.verify_url))
    finally:
        session.close()


ROUTES = {"/ob2/": "/ob2/<path:rest>", "/ob3/": "/ob3/<path:rest>"}


@blueprint.get("/ob2/<path:rest>")
def ob2_document(rest: str) -> Response:
    return serve(f"/ob2/{rest}")


@blueprint.get("/ob3/<path:rest>")
def ob3_document(rest: str) -> Response:
    return serve(f"/ob3/{rest}")


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)


def install_cached_reads(app: Flask, *, https: bool) -> None:
    """Put ``CachedReads`` in front of the app (inside the transport and telemetry layers)."""
    app.wsgi_app = CachedReads(  # type: ignore[method-assign]
        app.wsgi_app, _services_of(app).reads, https=https
    )


def _services_of(app: Flask) -> Services:
    return app.extensions["issuer.services"]  # type: ignore[no-any-return]
