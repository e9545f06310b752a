"""One mapping from our errors to HTTP statuses, and JSON error bodies for everything under /api/."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from issuer import errors as e

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


def render_issuer_error(error: e.IssuerError) -> Response | tuple[str, int]:
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
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def render_html_error(status: int, message: str) -> tuple[str, int]:
    title = HTTP_CODES.get(status, "error").replace("_", " ").capitalize()
    return render_template("error.html", status=status, title=title, message=message), status


def render_unexpected(error: Exception) -> Response:
    request_id = uuid.uuid4().hex[:12]
    log.exception(
        "unhandled error (request %s %s, id %s)", request.method, request.path, request_id
    )
    return error_response(
        "internal_error", f"An unexpected error occurred (request id {request_id}).", 500
    )


def wants_json() -> bool:
    """API routes and machine clients get JSON errors; browsers on HTML pages get pages."""
    if request.path.startswith(("/api/", "/ob2/", "/ob3/", "/.well-known/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best != "text/html"


def init_app(app: Flask) -> None:
    app.register_error_handler(e.IssuerError, render_issuer_error)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response | tuple[str, int]:
        if wants_json():
            return render_http_error(error)
        return render_html_error(error.code or 500, error.description or "")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        return render_unexpected(error)
