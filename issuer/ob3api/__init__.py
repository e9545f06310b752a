"""The 1EdTech Open Badges 3.0 API as a resource server, under ``/ims/ob/v3p0``.

``getServiceDescription`` is public; the other operations need an OAuth 2.0 access token
(``issuer.oauth``) with the operation's scope and act for the earner who granted it. Errors are
``imsx_StatusInfo`` payloads. Credentials are served and stored exactly as they are: ours as
published, pushed ones as received after the project's verifier accepted them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from issuer import errors as e
from issuer.api.context import read, write
from issuer.api.verify import run_verification
from issuer.domain.oauth_urls import API_PREFIX, OAuthUrls
from issuer.oauth.protect import Grant, require
from issuer.oauth.scopes import CREDENTIAL_READ, CREDENTIAL_UPSERT, PROFILE_READ, PROFILE_UPDATE
from issuer.ob3api import errors as imsx
from issuer.ob3api.discovery import service_description
from issuer.ob3api.paging import BadQuery, link_header, paging_from
from issuer.runtime import Services
from issuer.verify import VerifyInput
from issuer.workflow.integrations import backpack

blueprint = Blueprint("ob3api", __name__, url_prefix=API_PREFIX)

JSON_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json")
COMPACT_JWS = re.compile(r"^[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]+$")
ALLOWED = {"/credentials": ["GET", "POST"], "/profile": ["GET", "PUT"], "/discovery": ["GET"]}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


def _act_as(grant: Grant) -> None:
    """The earner who granted the token acts (``api.context.read``/``write`` use ``g.actor``)."""
    g.actor = grant.actor


@blueprint.get("/discovery")
def get_service_description() -> Response:
    """The Service Description Document: public, and the entry point of every backpack."""
    settings = _services().settings
    response = jsonify(service_description(settings.base_url, f"{settings.ptsb_name} badges"))
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.get("/credentials")
def get_credentials() -> Response:
    """The earner's credentials, paged with ``limit``/``offset``, filtered by ``since``."""
    _act_as(require(CREDENTIAL_READ))
    try:
        paging = paging_from(request.args)
    except BadQuery as error:
        return imsx.invalid_query(str(error))
    page = read(
        lambda ctx: backpack.credentials_page(
            ctx, limit=paging.limit, offset=paging.offset, since=paging.since
        )
    )
    response = jsonify(
        {
            "credential": [c.document for c in page.items if c.document is not None],
            "compactJwsString": [c.token for c in page.items if c.token is not None],
        }
    )
    response.headers["X-Total-Count"] = str(page.total)
    response.headers["Link"] = link_header(
        OAuthUrls(_services().settings.base_url).credentials, paging, page.total
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/credentials")
def upsert_credential() -> Response:
    """Store a credential the earner received elsewhere, once our verifier accepts it."""
    grant = require(CREDENTIAL_UPSERT)
    _act_as(grant)
    value, raw, media_type = _credential_body()
    report = run_verification(
        _services(), VerifyInput.from_credential(value, recipient_email=grant.actor.email)
    )
    created = write(
        lambda ctx: backpack.receive_credential(ctx, report, raw, media_type, grant.client_pk)
    )
    response = Response(raw, status=201 if created else 200, mimetype=media_type)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/profile")
def get_profile() -> Response:
    """The earner's Profile."""
    _act_as(require(PROFILE_READ))
    return _no_store(jsonify(read(backpack.profile)))


@blueprint.put("/profile")
def put_profile() -> Response:
    """Update the earner's Profile: the name may change; id and email may not."""
    _act_as(require(PROFILE_UPDATE))
    body = _json_object()
    current = read(backpack.profile)
    name = _checked_profile(body, current)
    if name is None:
        return _no_store(jsonify(current))
    return _no_store(jsonify(write(lambda ctx: backpack.update_profile(ctx, name))))


def _credential_body() -> tuple[dict[str, Any] | str, bytes, str]:
    """The pushed credential: JSON (object) or a compact JWS as text/plain; raw bytes kept."""
    mimetype = request.mimetype
    raw = _raw_body()
    if mimetype in JSON_TYPES:
        return _json_of(raw), raw, mimetype
    if mimetype == backpack.JWT_MEDIA_TYPE:
        token = raw.decode("ascii", errors="replace").strip()
        if not COMPACT_JWS.match(token):
            raise e.BadRequest("A text/plain body must be a compact JWS (VC-JWT).")
        return token, token.encode(), mimetype
    raise e.UnsupportedMediaType("Send application/json or, for a VC-JWT, text/plain.")


def _raw_body() -> bytes:
    limit = current_app.config["MAX_JSON_BYTES"]
    if (request.content_length or 0) > limit:
        raise e.PayloadTooLarge(f"Bodies are limited to {limit} bytes.")
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise e.PayloadTooLarge(f"Bodies are limited to {limit} bytes.")
    if not data.strip():
        raise e.BadRequest("The body is empty.")
    return data


def _json_of(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise e.BadRequest("The body is not valid JSON.", code="malformed_json") from None
    if not isinstance(value, dict):
        raise e.BadRequest("The body must be a JSON object.")
    return value


def _json_object() -> dict[str, Any]:
    if request.mimetype not in JSON_TYPES:
        raise e.UnsupportedMediaType("Send the profile as application/json.")
    return _json_of(_raw_body())


def _checked_profile(body: dict[str, Any], current: dict[str, Any]) -> str | None:
    """The new name, after checking the rest of the Profile leaves what we keep unchanged."""
    types = body.get("type")
    if "Profile" not in (types if isinstance(types, list) else [types]):
        raise e.BadRequest("The body must be a Profile (type includes Profile).")
    for fixed in ("id", "email"):
        if fixed in body and body[fixed] != current[fixed]:
            raise e.BadRequest(f"The profile's {fixed} cannot be changed here.")
    name = body.get("name")
    if name is not None and not isinstance(name, str):
        raise e.BadRequest("name must be a string.")
    return name if name is not None and name != current["name"] else None


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


imsx.answer_in_status_info(blueprint, ALLOWED, METHODS, "Open Badges 3.0 API")


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
