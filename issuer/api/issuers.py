"""Issuers: PTSB registers them; their admins keep the profile current and rotate keys."""

from __future__ import annotations

from typing import Any

from issuer.api.bodies import json_body
from issuer.api.context import read, write
from issuer.api.routing import area
from issuer.workflow import present
from issuer.workflow.awards import keys
from issuer.workflow.programs import issuers
from issuer.workflow.programs.images import image_from_data_url

api = area("issuers", "Issuers")


def _with_image(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("image"):
        body = {**body, "image": image_from_data_url(body["image"])}
    return body


@api.route(
    "/issuers",
    "POST",
    "Register an issuer (PTSB)",
    body="issuer_create",
    status=201,
    errors=(401, 403, 422),
)
def create_issuer() -> tuple[dict[str, Any], int]:
    body = _with_image(json_body("issuer_create"))
    result = write(lambda ctx: present.issuer(ctx, issuers.create_issuer(ctx, **body)))
    return result, 201


@api.route("/issuers", "GET", "List issuers", errors=(401,))
def list_issuers() -> dict[str, Any]:
    return read(lambda ctx: {"items": [present.issuer(ctx, i) for i in issuers.list_issuers(ctx)]})


@api.route("/issuers/<int:issuer_id>", "GET", "Read an issuer", errors=(401, 404))
def get_issuer(issuer_id: int) -> dict[str, Any]:
    return read(lambda ctx: present.issuer(ctx, ctx.get(issuers.Issuer, issuer_id)))


@api.route(
    "/issuers/<int:issuer_id>",
    "PATCH",
    "Edit an issuer profile",
    body="issuer_update",
    errors=(401, 403, 404, 422),
)
def update_issuer(issuer_id: int) -> dict[str, Any]:
    body = _with_image(json_body("issuer_update"))
    return write(lambda ctx: present.issuer(ctx, issuers.update_issuer(ctx, issuer_id, body)))


@api.route(
    "/issuers/<int:issuer_id>/keys/rotate",
    "POST",
    "Rotate the issuer's signing keys; old keys stay published",
    status=201,
    errors=(401, 403, 404),
)
def rotate_keys(issuer_id: int) -> tuple[dict[str, Any], int]:
    result = write(
        lambda ctx: {
            "keys": [
                {"id": k.id, "algorithm": k.algorithm} for k in keys.rotate_keys(ctx, issuer_id)
            ]
        }
    )
    return result, 201
