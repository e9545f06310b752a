"""Earners (educators): registered once per email, readable by themselves, issuers and PTSB."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from issuer.api.bodies import json_body
from issuer.api.context import read, write
from issuer.api.routing import QueryParam, area
from issuer.errors import ValidationFailed
from issuer.workflow import present
from issuer.workflow.awards import awards, learner_record, wallet_offers
from issuer.workflow.learning import earners

api = area("earners", "Earners")


@api.route(
    "/earners",
    "POST",
    "Register an earner; an existing email answers 200 with the record",
    body="earner_create",
    status=201,
    extra_statuses=(200,),
    errors=(401, 403, 422),
)
def register_earner() -> tuple[dict[str, Any], int]:
    body = json_body("earner_create")

    def run(ctx: Any) -> tuple[dict[str, Any], bool]:
        earner, created = earners.register_earner(ctx, **body)
        return present.earner(earner), created

    result, created = write(run)
    return result, 201 if created else 200


@api.route(
    "/earners/<int:earner_id>",
    "GET",
    "Read an earner (issuer admins: educators of their issuer only)",
    errors=(401, 403, 404),
)
def get_earner(earner_id: int) -> dict[str, Any]:
    return read(lambda ctx: present.earner(earners.readable_earner(ctx, earner_id)))


@api.route(
    "/earners/<int:earner_id>",
    "PATCH",
    "Change an educator's name or license number (PTSB, or the educator themself)",
    body="earner_update",
    errors=(401, 403, 404, 422),
)
def update_earner(earner_id: int) -> dict[str, Any]:
    changes = json_body("earner_update")
    return write(lambda ctx: present.earner(earners.update_earner(ctx, earner_id, changes)))


@api.route(
    "/earners/<int:earner_id>/awards",
    "GET",
    "An earner's awards, credit-hour total and stack progress (issuer admins: their issuer's)",
    errors=(401, 403, 404),
)
def earner_awards(earner_id: int) -> dict[str, Any]:
    return read(lambda ctx: present.portfolio(ctx, awards.portfolio(ctx, earner_id)))


RECORD_FORMAT = QueryParam(
    "format",
    {"type": "string", "enum": ["json", "jwt"]},
    "jwt: the record as a VC-JWT (as does Accept: application/vc+jwt); default JSON-LD with an "
    "embedded Data Integrity proof.",
)


@api.route(
    "/earners/<int:earner_id>/clr",
    "GET",
    "The educator's Comprehensive Learner Record (CLR 2.0), signed by PTSB (the educator, PTSB)",
    query=(RECORD_FORMAT,),
    errors=(401, 403, 404, 409, 422),
    produces=("application/ld+json", learner_record.VC_JWT),
)
def educator_record(earner_id: int) -> Response:
    as_jwt = _record_format() == "jwt"
    record = write(lambda ctx: learner_record.educator_record(ctx, earner_id))
    if as_jwt:
        response = Response(record.jwt, mimetype=learner_record.VC_JWT)
    else:
        response = Response(record.credential, mimetype="application/ld+json")
    response.headers["Content-Location"] = record.url + (".jwt" if as_jwt else "")
    response.headers["Cache-Control"] = "no-store"
    return response


@api.route(
    "/earners/<int:earner_id>/clr/wallet-offers",
    "POST",
    "Offer the educator's learner record (CLR 2.0) to a wallet (single use, 10 minutes; the "
    "educator, PTSB)",
    status=201,
    errors=(401, 403, 404, 409),
)
def create_record_wallet_offer(earner_id: int) -> tuple[dict[str, Any], int]:
    json_body("empty", optional=True)
    offer = write(
        lambda ctx: present.wallet_offer(ctx, wallet_offers.create_record_offer(ctx, earner_id))
    )
    return offer, 201


def _record_format() -> str:
    """``?format=`` when given, else the Accept header (a VC-JWT only when asked for)."""
    given = request.args.get("format")
    if given is not None:
        if given not in ("json", "jwt"):
            raise ValidationFailed(fields={"format": "json or jwt"})
        return given
    accept = request.accept_mimetypes
    jwt_quality = accept[learner_record.VC_JWT]
    return "jwt" if jwt_quality and jwt_quality > accept["application/ld+json"] else "json"


@api.route(
    "/earners/<int:earner_id>/prior-training",
    "POST",
    "Record verified prior training (opens the prior-training path)",
    body="prior_training",
    status=201,
    errors=(401, 403, 404, 422),
)
def record_prior_training(earner_id: int) -> tuple[dict[str, Any], int]:
    body = json_body("prior_training")
    result = write(
        lambda ctx: present.prior_training(
            earners.record_prior_training(ctx, earner_id, body["description"])
        )
    )
    return result, 201
