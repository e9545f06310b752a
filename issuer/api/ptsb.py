"""PTSB's inbox of completion notices, and the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request

from issuer.api.bodies import json_body
from issuer.api.context import read, write
from issuer.api.query import MAX_LIMIT, page_args
from issuer.api.routing import QueryParam, area
from issuer.domain.states import Role
from issuer.errors import ValidationFailed
from issuer.workflow import audit, present
from issuer.workflow.integrations import notices

api = area("ptsb", "PTSB")


@api.route(
    "/ptsb/notices",
    "GET",
    "Completion notices, oldest first, each with its educator, program and issuer; filtered "
    "by status and by the educator's name or license number (PTSB)",
    query=(
        QueryParam("status", {"type": "string", "enum": ["pending", "acknowledged"]}),
        QueryParam(
            "q",
            {"type": "string", "maxLength": 200},
            "The educator's name or license number (part of it, any case).",
        ),
        QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
        QueryParam("offset", {"type": "integer", "minimum": 0}),
    ),
    errors=(401, 403, 422),
)
def list_notices() -> dict[str, Any]:
    status = request.args.get("status") or None
    q = request.args.get("q")
    limit, offset = page_args()

    def run(ctx: Any) -> dict[str, Any]:
        shown, total = notices.notice_page(ctx, status, q, limit=limit, offset=offset)
        states = notices.delivery_states(ctx, [n.award_id for n in shown])
        return {
            "items": [present.listed_notice(ctx, n, states.get(n.award_id)) for n in shown],
            "total": total,
        }

    return read(run)


@api.route(
    "/ptsb/notices/<int:notice_id>/acknowledge",
    "POST",
    "Record the award on the educator's license (PTSB)",
    body="acknowledge",
    errors=(401, 403, 404, 409, 422),
)
def acknowledge(notice_id: int) -> dict[str, Any]:
    body = json_body("acknowledge")
    on = _date(body.get("date"))

    def run(ctx: Any) -> dict[str, Any]:
        notice = notices.acknowledge(
            ctx,
            notice_id,
            license_number=body["license_number"],
            certificate_reference=body["certificate_reference"],
            on=on,
        )
        states = notices.delivery_states(ctx, [notice.award_id])
        return present.notice(notice, states.get(notice.award_id))

    return write(run)


@api.route(
    "/audit",
    "GET",
    "The audit log, newest first (PTSB)",
    query=(
        QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
        QueryParam("offset", {"type": "integer", "minimum": 0}),
    ),
    errors=(401, 403),
)
def audit_log() -> dict[str, Any]:
    limit = min(max(request.args.get("limit", 100, type=int), 1), 500)
    offset = max(request.args.get("offset", 0, type=int), 0)

    def run(ctx: Any) -> dict[str, Any]:
        ctx.actor.require_role(Role.PTSB)
        return {
            "items": [
                {
                    "id": e.id,
                    "at": present.when(e.at),
                    "actor_id": e.actor_id,
                    "actor_role": e.actor_role,
                    "action": e.action,
                    "subject_type": e.subject_type,
                    "subject_id": e.subject_id,
                    "detail": e.detail,
                }
                for e in audit.entries(ctx, limit, offset)
            ]
        }

    return read(run)


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(fields={"date": "must be a date YYYY-MM-DD"}) from None
