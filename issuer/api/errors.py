"""One mapping from our errors to HTTP statuses: JSON error bodies for the API and machine clients,
a page in words (templates/error.html, never a stack trace) for people in a browser."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from issuer import errors as e
from issuer.domain.oauth_urls import (
    API_PREFIX,
    CLR_API_PREFIX,
    REGISTER_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
)

log = logging.getLogger(__name__)

STATUS: dict[type[e.IssuerError], int] = {
    e.BadRequest: 400,
    e.Unauthenticated: 401,
    e.Forbidden: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.PayloadTooLarge: 413,
    e.UnsupportedMediaType: 415,
    e.ValidationFailed: 422,
    e.RateLimited: 429,
    e.UnsafeInput: 422,
    e.SigningError: 500,
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid_fields",
    429: "too_many_requests",
    431: "request_header_fields_too_large",
}


def status_for(error: e.IssuerError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_response(code: str, message: str, status: int, **extra: object) -> Response:
    response = jsonify({"error": code, "message": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def render_issuer_error(error: e.IssuerError) -> Response:
    if not wants_json():
        return render_html_error(status_for(error), error.message)
    extra: dict[str, object] = {}
    if isinstance(error, e.ValidationFailed) and error.fields:
        extra["fields"] = error.fields
    if isinstance(error, e.RowsRejected):
        extra["problems"] = error.problems
    return error_response(error.code, error.message, status_for(error), **extra)


def render_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = HTTP_CODES.get(status, "http_error")
    response = error_response(code, error.description or code, status)
    _allow(response, error)
    return response


def _allow(response: Response, error: HTTPException) -> None:
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]


def render_html_error(status: int, message: str | None = None, **extra: object) -> Response:
    """The error page: its words come from the template, per status; ``message`` (a specific
    reason meant for people) goes first when there is one."""
    html = render_template("error.html", status=status, message=message, **extra)
    return Response(html, status=status, mimetype="text/html")


def render_http_page(error: HTTPException) -> Response:
    """A browser's page for an HTTP error: werkzeug's stock descriptions are for developers, so
    only a description a view gave on purpose (``abort(403, "...")``) is shown."""
    stock = type(error).description
    specific = error.description if error.description and error.description != stock else None
    response = render_html_error(error.code or 500, specific)
    _allow(response, error)
    return response


def render_unexpected(error: Exception) -> Response:
    request_id = uuid.uuid4().hex[:12]
    log.exception(
        "unhandled error (request %s %s, id %s)", request.method, request.path, request_id
    )
    if not wants_json():
        try:
            return render_html_error(500, None, reference=request_id)
        except Exception:  # noqa: BLE001 - the page itself failed (its database?): plain words
            log.exception("the error page failed too (id %s)", request_id)
            return Response(FALLBACK_PAGE.format(reference=request_id), 500, mimetype="text/html")
    return error_response(
        "internal_error", f"An unexpected error occurred (request id {request_id}).", 500
    )


FALLBACK_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong</title>'
    "</head><body><main><h1>Something went wrong on our side</h1><p>Try again in a few minutes "
    "(reference {reference}).</p></main></body></html>"
)

# Machine endpoints whose errors are JSON whatever the client accepts.
JSON_PATHS = (
    "/api/",
    "/.well-known/",
    "/oid4vci/",
    f"{API_PREFIX}/",
    f"{CLR_API_PREFIX}/",
    TOKEN_PATH,
    REGISTER_PATH,
    REVOKE_PATH,
)
# Published JSON-LD documents: a page only for a client that prefers HTML to JSON (a browser),
# as the documents themselves negotiate (issuer/public); `*/*` keeps getting JSON.
DOCUMENT_PATHS = ("/ob2/", "/ob3/")


def wants_json() -> bool:
    """API routes and machine clients get JSON errors; browsers get pages."""
    path = request.path
    if path.startswith(JSON_PATHS):
        return True
    accept = request.accept_mimetypes
    if path.startswith(DOCUMENT_PATHS):
        return accept["text/html"] <= max(accept["application/ld+json"], accept["application/json"])
    return accept.best_match(["text/html", "application/json"]) != "text/html"


def init_app(app: Flask) -> None:
    app.register_error_handler(e.IssuerError, render_issuer_error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        if wants_json():
            return render_http_error(error)
        return render_http_page(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        return render_unexpected(error)
