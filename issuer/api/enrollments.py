"""Enrollments, evidence submissions and reviews."""

from __future__ import annotations

from typing import Any

from issuer.api import uploads
from issuer.api.bodies import json_body
from issuer.api.context import read, services, write
from issuer.api.routing import area
from issuer.workflow import present
from issuer.workflow.learning import enrollments, evidence, reviews

api = area("enrollments", "Enrollments")


@api.route(
    "/programs/<int:program_id>/enrollments",
    "POST",
    "Enrol an earner (or yourself) in the approved version",
    body="enrollment_create",
    status=201,
    errors=(401, 403, 404, 409, 422),
)
def enrol(program_id: int) -> tuple[dict[str, Any], int]:
    body = json_body("enrollment_create")
    result = write(
        lambda ctx: present.enrollment(
            ctx, enrollments.enrol(ctx, program_id, body["learning_method"], body.get("earner_id"))
        )
    )
    return result, 201


@api.route(
    "/enrollments/<int:enrollment_id>",
    "GET",
    "Read an enrollment and its status",
    errors=(401, 403, 404),
)
def get_enrollment(enrollment_id: int) -> dict[str, Any]:
    return read(lambda ctx: present.enrollment(ctx, enrollments.get_enrollment(ctx, enrollment_id)))


@api.route(
    "/enrollments/<int:enrollment_id>",
    "PATCH",
    "Switch the learning method",
    body="enrollment_update",
    errors=(401, 403, 404, 409, 422),
)
def switch_method(enrollment_id: int) -> dict[str, Any]:
    method = json_body("enrollment_update")["learning_method"]
    return write(
        lambda ctx: present.enrollment(ctx, enrollments.switch_method(ctx, enrollment_id, method))
    )


@api.route(
    "/enrollments/<int:enrollment_id>/withdraw",
    "POST",
    "Withdraw from the program",
    errors=(401, 403, 404, 409),
)
def withdraw(enrollment_id: int) -> dict[str, Any]:
    return write(lambda ctx: present.enrollment(ctx, enrollments.withdraw(ctx, enrollment_id)))


@api.route(
    "/enrollments/<int:enrollment_id>/submissions",
    "POST",
    "Submit the performance task (resubmission after revision), as JSON or with files",
    body="submission_create",
    multipart_body="submission_multipart",
    status=201,
    errors=(401, 403, 404, 409, 413, 422),
)
def submit_evidence(enrollment_id: int) -> tuple[dict[str, Any], int]:
    uploads.admit_submission_body()
    if uploads.is_multipart():
        form = uploads.submission_form()
        svc = services()
        with evidence.received(svc.db, svc.uploads, form.files) as stored:
            result = write(
                lambda ctx: present.submission(
                    reviews.submit_evidence(
                        ctx, enrollment_id, form.narrative, form.evidence_urls, stored
                    ),
                    ctx,
                )
            )
        return result, 201
    body = json_body("submission_create")
    result = write(
        lambda ctx: present.submission(
            reviews.submit_evidence(
                ctx, enrollment_id, body["narrative"], body.get("evidence_urls", [])
            ),
            ctx,
        )
    )
    return result, 201


@api.route("/submissions/<int:submission_id>", "GET", "Read a submission", errors=(401, 403, 404))
def get_submission(submission_id: int) -> dict[str, Any]:
    return read(lambda ctx: present.submission(reviews.get_submission(ctx, submission_id), ctx))


@api.route(
    "/submissions/<int:submission_id>/reviews",
    "POST",
    "Score the latest submission (reviewer)",
    body="review_create",
    status=201,
    errors=(401, 403, 404, 409, 422),
)
def add_review(submission_id: int) -> tuple[dict[str, Any], int]:
    body = json_body("review_create")
    result = write(
        lambda ctx: present.review(
            ctx, reviews.add_review(ctx, submission_id, body["score"], body["feedback"])
        )
    )
    return result, 201
