"""Completion (one award per enrollment, idempotent), reading and revoking awards."""

from __future__ import annotations

from typing import Any

from flask import request

from issuer.api.bodies import json_body
from issuer.api.context import read, write
from issuer.api.routing import QueryParam, area
from issuer.workflow import present
from issuer.workflow.awards import awards, bulk_completion, completions, wallet_offers

api = area("awards", "Awards")

IDEMPOTENCY_HEADER = QueryParam(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255},
    "Any unique string per intended completion; a replay returns the same award.",
    required=True,
)


@api.route(
    "/enrollments/<int:enrollment_id>/complete",
    "POST",
    "Confirm a passed enrollment; issues exactly one award",
    status=201,
    extra_statuses=(200,),
    headers=(IDEMPOTENCY_HEADER,),
    errors=(401, 403, 404, 409, 422),
)
def complete(enrollment_id: int) -> tuple[dict[str, Any], int]:
    json_body("empty", optional=True)
    key = request.headers.get("Idempotency-Key", "")

    def run(ctx: Any) -> tuple[dict[str, Any], bool]:
        result = completions.complete(ctx, enrollment_id, key)
        return present.award(ctx, result.award), result.created

    body, created = write(run)
    return body, 201 if created else 200


@api.route(
    "/awards/<uuid:award_id>", "GET", "Read an award with its artifact URLs", errors=(401, 403, 404)
)
def get_award(award_id: Any) -> dict[str, Any]:
    return read(lambda ctx: present.award_with_copies(ctx, awards.get_award(ctx, str(award_id))))


@api.route(
    "/awards/<uuid:award_id>/revoke",
    "POST",
    "Revoke an award with a reason",
    body="revoke",
    errors=(401, 403, 404, 409, 422),
)
def revoke(award_id: Any) -> dict[str, Any]:
    reason = json_body("revoke")["reason"]
    return write(lambda ctx: present.award(ctx, awards.revoke(ctx, str(award_id), reason)))


@api.route(
    "/issuers/<int:issuer_id>/completions",
    "POST",
    "Confirm passed enrollments in bulk: one award each, idempotent, reported per enrollment",
    body="bulk_completion",
    errors=(401, 403, 404, 422),
)
def confirm_completions(issuer_id: int) -> dict[str, Any]:
    body = json_body("bulk_completion")
    result = bulk_completion.confirm_passed(
        write,
        issuer_id,
        body.get("enrollment_ids"),
        all_passed=body.get("all_passed", False),
    )
    return present.bulk_completion(result)


@api.route(
    "/awards/<uuid:award_id>/wallet-offers",
    "POST",
    "Offer an award to a wallet (OpenID4VCI pre-authorized code; single use, 10 minutes)",
    status=201,
    errors=(401, 403, 404),
)
def create_wallet_offer(award_id: Any) -> tuple[dict[str, Any], int]:
    json_body("empty", optional=True)
    offer = write(
        lambda ctx: present.wallet_offer(ctx, wallet_offers.create_offer(ctx, str(award_id)))
    )
    return offer, 201
