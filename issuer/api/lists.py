"""The list calls of SPEC §8 behind the pages: earners, enrollments and submissions, filtered and
paginated (``{items, total}``; ``limit`` ≤ 200; an unknown filter value answers 422)."""

from __future__ import annotations

from typing import Any

from flask import request

from issuer.api.context import read
from issuer.api.query import MAX_LIMIT, choice_arg, id_arg, page_args
from issuer.api.routing import QueryParam, area
from issuer.domain.states import EnrollmentStatus
from issuer.workflow import lists, present
from issuer.workflow.context import Context

api = area("lists", "Lists")
PAGE = (
    QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
    QueryParam("offset", {"type": "integer", "minimum": 0}),
)
ID = {"type": "integer", "minimum": 1}


@api.route(
    "/earners",
    "GET",
    "Search educators by name, email or license number (ptsb; issuer_admin: their issuer's)",
    query=(QueryParam("q", {"type": "string", "maxLength": 200}), *PAGE),
    errors=(401, 403, 422),
)
def list_earners() -> dict[str, Any]:
    q = request.args.get("q")
    limit, offset = page_args()

    def listed(ctx: Context) -> dict[str, Any]:
        page = lists.list_earners(ctx, q, limit=limit, offset=offset)
        return {"items": [present.earner(e) for e in page.items], "total": page.total}

    return read(listed)


@api.route(
    "/enrollments",
    "GET",
    "Enrollments you may read (earner: own; issuer staff: their issuer's; ptsb: all)",
    query=(
        QueryParam("status", {"type": "string", "enum": [s.value for s in EnrollmentStatus]}),
        QueryParam("program_id", ID),
        QueryParam("earner_id", ID),
        QueryParam("issuer_id", ID),
        *PAGE,
    ),
    errors=(401, 403, 422),
)
def list_enrollments() -> dict[str, Any]:
    status = choice_arg("status", EnrollmentStatus)
    program_id = id_arg("program_id", "a program id")
    earner_id = id_arg("earner_id", "an earner id")
    issuer_id = id_arg("issuer_id", "an issuer id")
    limit, offset = page_args()

    def listed(ctx: Context) -> dict[str, Any]:
        page = lists.list_enrollments(
            ctx,
            status=status,
            program_id=program_id,
            earner_id=earner_id,
            issuer_id=issuer_id,
            limit=limit,
            offset=offset,
        )
        return {"items": [present.enrollment(ctx, e) for e in page.items], "total": page.total}

    return read(listed)


@api.route(
    "/submissions",
    "GET",
    "Submissions you may read; cycle_id keeps those assigned in a review cycle",
    query=(
        QueryParam("status", {"type": "string", "enum": [s.value for s in lists.SubmissionStatus]}),
        QueryParam("cycle_id", ID, "a review cycle (an unknown one answers 422)"),
        *PAGE,
    ),
    errors=(401, 403, 422),
)
def list_submissions() -> dict[str, Any]:
    status = choice_arg("status", lists.SubmissionStatus)
    cycle_id = id_arg("cycle_id", "a review cycle id")
    limit, offset = page_args()

    def listed(ctx: Context) -> dict[str, Any]:
        page = lists.list_submissions(
            ctx, status=status, cycle_id=cycle_id, limit=limit, offset=offset
        )
        return {
            "items": [present.listed_submission(ctx, s) for s in page.items],
            "total": page.total,
        }

    return read(listed)
