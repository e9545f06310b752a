"""Seeding for the issuance benchmarks: one issuer with an approved program through the real API,
then as many passed enrollments (or issued awards) as a run needs, inserted directly in bulk.

A passed enrollment is cloned from one made through the API (earner, enrollment, its submission
and the three reviews), so the completion call sees exactly what the workflow would have left.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

BATCH = 2000


def passed_template(api: Any, admin: str, issuer_id: int, program_id: int) -> int:
    """One passed enrollment made through the API: what the clones copy."""
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    return enrollment_id


def clone_passed_enrollments(db: Any, template_id: int, count: int) -> list[int]:
    """``count`` new earners, each with a passed enrollment like ``template_id`` (submission and
    reviews included); returns the enrollment ids."""
    from issuer.models import Earner, Enrollment, Review, Submission

    now = datetime.now(UTC)
    ids: list[int] = []
    with db.transaction() as session:
        enrollment = session.get(Enrollment, template_id)
        submission = session.scalar(
            select(Submission).where(Submission.enrollment_id == template_id)
        )
        reviews = list(session.scalars(select(Review).where(Review.submission_id == submission.id)))
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            tag = uuid.uuid4().hex[:10]
            earner_ids = _insert(
                session,
                Earner,
                [
                    {"name": f"Bench Teacher {n}", "email": f"t{n}-{tag}@bench.example"}
                    | {"created_at": now}
                    for n in range(size)
                ],
            )
            enrollment_ids = _insert(
                session,
                Enrollment,
                [
                    {
                        "earner_id": earner_id,
                        "program_id": enrollment.program_id,
                        "program_version_id": enrollment.program_version_id,
                        "learning_method": enrollment.learning_method,
                        "status": "passed",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for earner_id in earner_ids
                ],
            )
            submission_ids = _insert(
                session,
                Submission,
                [
                    {
                        "enrollment_id": enrollment_id,
                        "attempt": 1,
                        "narrative": submission.narrative,
                        "evidence_urls": list(submission.evidence_urls),
                        "created_at": now,
                    }
                    for enrollment_id in enrollment_ids
                ],
            )
            _insert(
                session,
                Review,
                [
                    {
                        "submission_id": submission_id,
                        "reviewer_id": review.reviewer_id,
                        "score": review.score,
                        "feedback": review.feedback,
                        "created_at": now,
                    }
                    for submission_id in submission_ids
                    for review in reviews
                ],
                want_ids=False,
            )
            ids.extend(enrollment_ids)
    return ids


def fill_awards(db: Any, template: dict[str, Any], count: int) -> None:
    """``count`` issued awards of ``template``'s issuer with their documents and notices, inserted
    directly (the database size a timing runs at)."""
    from issuer.models import Award, Notice, PublishedDocument

    now = datetime.now(UTC)
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        award_ids = [str(uuid.uuid4()) for _ in range(size)]
        with db.transaction() as session:
            session.execute(
                insert(Award),
                [
                    {"id": award_id, **template, "issued_at": now, "status": "active"}
                    | {"recipient_salt": "s", "earner_name": "Filler"}
                    for award_id in award_ids
                ],
            )
            session.execute(
                insert(PublishedDocument),
                [
                    {
                        "path": f"/ob2/assertions/{award_id}{suffix}",
                        "media_type": "x",
                        "body": body,
                        "etag": "e",
                        "award_id": award_id,
                        "updated_at": now,
                    }
                    for award_id in award_ids
                    for suffix, body in (
                        ("", b"{}" * 200),
                        (".png", b"\x89PNG" * 200),
                        (".jws", b"x" * 600),
                    )
                ],
            )
            session.execute(
                insert(Notice),
                [
                    {
                        "award_id": award_id,
                        "earner_id": template["earner_id"],
                        "credit_hours": template.get("credit_hours", Decimal("0.5")),
                        "status": "pending",
                        "created_at": now,
                    }
                    for award_id in award_ids
                ],
            )


def _insert(
    session: Any, model: Any, rows: list[dict[str, Any]], want_ids: bool = True
) -> list[int]:
    if not rows:
        return []
    if not want_ids:
        session.execute(insert(model), rows)
        return []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))
