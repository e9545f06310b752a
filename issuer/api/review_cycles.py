"""Review cycles (SPEC §8): open, read, assign, reassign; the reviewer's queue."""

from __future__ import annotations

from datetime import date
from typing import Any

from issuer.api.bodies import json_body
from issuer.api.context import read, write
from issuer.api.query import MAX_LIMIT, page_args
from issuer.api.routing import QueryParam, area
from issuer.errors import ValidationFailed
from issuer.workflow.context import Context
from issuer.workflow.learning import review_cycles

api = area("review_cycles", "Review cycles")
PAGE = (
    QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
    QueryParam("offset", {"type": "integer", "minimum": 0}),
)


@api.route(
    "/issuers/<int:issuer_id>/review-cycles",
    "POST",
    "Open a review cycle closing on a date (default: the end of this month) (issuer_admin)",
    body="review_cycle_create",
    body_optional=True,
    status=201,
    errors=(401, 403, 404, 409, 422),
)
def open_cycle(issuer_id: int) -> tuple[dict[str, Any], int]:
    body = json_body("review_cycle_create", optional=True)
    closes_on = _date(body.get("closes_on"))

    def opened(ctx: Context) -> dict[str, Any]:
        cycle = review_cycles.open_cycle(ctx, issuer_id, closes_on)
        return review_cycles.cycle_json(review_cycles.get_cycle(ctx, cycle.id))

    return write(opened), 201


@api.route(
    "/issuers/<int:issuer_id>/review-cycles",
    "GET",
    "The issuer's review cycles with their progress, latest first (issuer_admin, ptsb)",
    query=PAGE,
    errors=(401, 403, 404, 422),
)
def list_cycles(issuer_id: int) -> dict[str, Any]:
    limit, offset = page_args()

    def listed(ctx: Context) -> dict[str, Any]:
        views, total = review_cycles.list_cycles(ctx, issuer_id, limit=limit, offset=offset)
        items = [review_cycles.cycle_json(v, with_submissions=False) for v in views]
        return {"items": items, "total": total}

    return read(listed)


@api.route(
    "/review-cycles/<int:cycle_id>",
    "GET",
    "A review cycle with its progress per submission (issuer_admin, ptsb)",
    errors=(401, 403, 404),
)
def get_cycle(cycle_id: int) -> dict[str, Any]:
    return read(lambda ctx: review_cycles.cycle_json(review_cycles.get_cycle(ctx, cycle_id)))


@api.route(
    "/review-cycles/<int:cycle_id>/assign",
    "POST",
    "Give each waiting submission three reviewers; again assigns only new ones (issuer_admin)",
    status=200,
    errors=(401, 403, 404, 409),
)
def assign(cycle_id: int) -> dict[str, Any]:
    def assigned(ctx: Context) -> dict[str, Any]:
        run = review_cycles.assign(ctx, cycle_id)
        return {**review_cycles.cycle_json(run.cycle), "assigned": run.assigned}

    return write(assigned)


@api.route(
    "/submissions/<int:submission_id>/reviewers",
    "PUT",
    "Set an assigned submission's three reviewers (reassign) (issuer_admin)",
    body="submission_reviewers",
    errors=(401, 403, 404, 409, 422),
)
def set_reviewers(submission_id: int) -> dict[str, Any]:
    ids = json_body("submission_reviewers")["reviewer_ids"]
    return write(
        lambda ctx: review_cycles.cycle_json(review_cycles.set_reviewers(ctx, submission_id, ids))
    )


@api.route(
    "/reviews/queue",
    "GET",
    "The calling reviewer's unscored assignments in open cycles, oldest first (reviewer)",
    errors=(401, 403),
)
def my_queue() -> dict[str, Any]:
    return read(lambda ctx: review_cycles.queue_json(review_cycles.my_queue(ctx)))


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(fields={"closes_on": "must be a date, YYYY-MM-DD"}) from None
