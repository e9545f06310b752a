"""Errors of the Open Badges 3.0 API as its ``imsx_StatusInfo`` payload (1EdTech's format)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from issuer import errors as e
from issuer.api.errors import status_for
from issuer.oauth.protect import OAuthRefused

log = logging.getLogger(__name__)
FIELD_NAME = "TargetEndSystem"
CODE_MINOR_VALUES = (
    "forbidden",
    "fullsuccess",
    "internal_server_error",
    "invalid_data",
    "invalid_query_parameter",
    "misdirected_request",
    "not_acceptable",
    "not_allowed",
    "not_found",
    "not_modified",
    "server_busy",
    "unauthorizedrequest",
    "unknown",
)
"""The ``imsx_codeMinorFieldValue`` vocabulary of the OB 3.0 API."""
CODE_MINOR = {
    400: "invalid_data",
    401: "unauthorizedrequest",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    406: "not_acceptable",
    409: "invalid_data",
    413: "invalid_data",
    415: "invalid_data",
    422: "invalid_data",
    429: "server_busy",
    500: "internal_server_error",
}


def status_info(status: int, description: str, code_minor: str | None = None) -> Response:
    """An ``imsx_StatusInfo`` response: failure/error, with one code minor for the status."""
    minor = code_minor or CODE_MINOR.get(status, "unknown")
    response = jsonify(
        {
            "imsx_codeMajor": "failure",
            "imsx_severity": "error",
            "imsx_description": description,
            "imsx_codeMinor": {
                "imsx_codeMinorField": [
                    {"imsx_codeMinorFieldName": FIELD_NAME, "imsx_codeMinorFieldValue": minor}
                ]
            },
        }
    )
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def invalid_query(description: str) -> Response:
    """400 for a bad ``limit``, ``offset`` or ``since``."""
    return status_info(400, description, "invalid_query_parameter")


def from_refusal(refusal: OAuthRefused) -> Response:
    """401 or 403 from the token check, with its ``WWW-Authenticate`` header (RFC 6750)."""
    response = status_info(refusal.status, refusal.description)
    for name, value in refusal.headers:
        response.headers[name] = value
    return response


def from_issuer_error(error: e.IssuerError) -> Response:
    """Our errors keep their status; invalid input is 400 here, as the OB 3.0 API lists it."""
    status = status_for(error)
    if status == 422:
        status = 400
    description = error.message
    if isinstance(error, e.ValidationFailed) and error.fields:
        description = "; ".join(f"{k}: {v}" for k, v in sorted(error.fields.items()))
    return status_info(status, description)


def from_http_error(error: HTTPException) -> Response:
    """Werkzeug's errors (404, 405, 413, CSRF...) in the same payload."""
    response = status_info(error.code or 500, error.description or "The request failed.")
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def from_unexpected(error: Exception) -> Response:
    """Log with a request id; never show a stack trace."""
    request_id = uuid.uuid4().hex[:12]
    log.exception("unhandled error (%s %s, id %s)", request.method, request.path, request_id)
    return status_info(500, f"An unexpected error occurred (request id {request_id}).")


def answer_in_status_info(
    blueprint: Blueprint, allowed: Mapping[str, Sequence[str]], methods: Sequence[str], api: str
) -> None:
    """Every answer of a 1EdTech API blueprint that is not a success is ``imsx_StatusInfo``:
    the methods ``allowed`` does not list for a path (405 with ``Allow``), paths it does not
    have (404, naming the ``api``), our errors, OAuth refusals and anything unexpected. Call it
    after the blueprint's own routes."""
    for path, valid in allowed.items():
        blueprint.add_url_rule(
            path,
            f"not_allowed_{path.strip('/')}",
            _refuse_other_methods(list(valid)),
            methods=[m for m in methods if m not in valid],
        )

    def unknown(rest: str) -> Response:
        raise NotFound(f"The {api} has no such endpoint.")

    blueprint.add_url_rule("/<path:rest>", "unknown", unknown, methods=list(methods))
    blueprint.register_error_handler(OAuthRefused, from_refusal)
    blueprint.register_error_handler(e.IssuerError, from_issuer_error)
    blueprint.register_error_handler(HTTPException, from_http_error)
    blueprint.register_error_handler(Exception, from_unexpected)


def _refuse_other_methods(valid: list[str]) -> Callable[[], Response]:
    def refuse() -> Response:
        raise MethodNotAllowed(valid_methods=valid)

    return refuse
