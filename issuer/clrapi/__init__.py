"""The 1EdTech Comprehensive Learner Record 2.0 API as a resource server, under ``/ims/clr/v2p0``.

The educator's apps (backpacks) read the educator's learner record here: the ``ClrCredential``
PTSB signs (``issuer.workflow.awards.learner_record``), in both proof formats. It mirrors the
Open Badges 3.0 API (``issuer.ob3api``): ``getServiceDescription`` is public; ``getCredentials``
and ``getProfile`` need an access token from our authorization server (``issuer.oauth``) with the
CLR scope of the operation, and act for the educator who granted it. Errors are
``imsx_StatusInfo`` payloads. We are the issuing side, so the write operations a backpack offers
(``upsertCredential``, ``putProfile``) are not served here: they answer 405.
"""

from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from issuer.api.context import read, write
from issuer.clrapi.discovery import service_description
from issuer.domain.oauth_urls import CLR_API_PREFIX, OAuthUrls
from issuer.oauth.protect import require
from issuer.oauth.scopes import CLR_CREDENTIAL_READ, CLR_PROFILE_READ
from issuer.ob3api import errors as imsx
from issuer.ob3api.paging import BadQuery, link_header, paging_from
from issuer.runtime import Services
from issuer.workflow.awards import learner_record
from issuer.workflow.integrations import backpack

blueprint = Blueprint("clrapi", __name__, url_prefix=CLR_API_PREFIX)

REALM = "clr"
ALLOWED = {"/credentials": ["GET"], "/profile": ["GET"], "/discovery": ["GET"]}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


def _act_for(scope: str) -> None:
    """The educator who granted the token acts (``api.context.read``/``write`` use ``g.actor``)."""
    g.actor = require(scope, realm=REALM).actor


@blueprint.get("/discovery")
def get_service_description() -> Response:
    """The Service Description Document: public, and the entry point of every backpack."""
    settings = _services().settings
    document = service_description(settings.base_url, f"{settings.ptsb_name} learner records")
    response = jsonify(document)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.get("/credentials")
def get_credentials() -> Response:
    """The educator's current learner record, both as JSON-LD (Data Integrity proof) in
    ``credential`` and as a VC-JWT in ``compactJwsString`` (same index), paged like OB 3.0."""
    _act_for(CLR_CREDENTIAL_READ)
    try:
        paging = paging_from(request.args)
    except BadQuery as error:
        return imsx.invalid_query(str(error))
    page = write(  # the record is made and stored on request, as the earner API does
        lambda ctx: learner_record.records_for_app(
            ctx, limit=paging.limit, offset=paging.offset, since=paging.since
        )
    )
    response = jsonify(
        {
            "credential": [json.loads(r.credential) for r in page.items],
            "compactJwsString": [r.jwt for r in page.items],
        }
    )
    base = OAuthUrls(_services().settings.base_url).clr_credentials
    response.headers["X-Total-Count"] = str(page.total)
    response.headers["Link"] = link_header(base, paging, page.total)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/profile")
def get_profile() -> Response:
    """The educator's Profile (name and email), as the OB 3.0 API gives it."""
    _act_for(CLR_PROFILE_READ)
    response = jsonify(read(backpack.profile))
    response.headers["Cache-Control"] = "no-store"
    return response


imsx.answer_in_status_info(blueprint, ALLOWED, METHODS, "Comprehensive Learner Record 2.0 API")


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
