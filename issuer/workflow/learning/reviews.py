"""Evidence submissions and the three rubric reviews that decide pass or revise."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from issuer.domain import rubric
from issuer.domain.states import EnrollmentStatus, Role, can_accept_submission
from issuer.errors import Conflict, InvalidTransition
from issuer.evidence import StoredFile
from issuer.models import Enrollment, Program, Review, Submission
from issuer.workflow import audit
from issuer.workflow.context import Context
from issuer.workflow.integrations import mail_messages
from issuer.workflow.learning import evidence, review_cycles
from issuer.workflow.learning.enrollments import acting_on, get_enrollment, set_status


def submit_evidence(
    ctx: Context,
    enrollment_id: int,
    narrative: str,
    evidence_urls: list[str],
    files: Sequence[StoredFile] = (),
) -> Submission:
    """Record the performance task (by the earner, or imported by their issuer's admin), with its
    evidence files already stored (``evidence.received``); each attempt keeps its own files."""
    enrollment = acting_on(ctx, enrollment_id, lock=True)
    if not can_accept_submission(EnrollmentStatus(enrollment.status)):
        raise InvalidTransition(
            f"An enrollment in status {enrollment.status!r} does not take a submission.",
            code="submission_not_expected",
        )
    attempt = _attempts(ctx, enrollment_id) + 1
    submission = Submission(
        enrollment_id=enrollment_id,
        attempt=attempt,
        narrative=narrative,
        evidence_urls=list(evidence_urls),
        created_at=ctx.now,
    )
    ctx.session.add(submission)
    set_status(ctx, enrollment, EnrollmentStatus.SUBMITTED)
    ctx.session.flush()
    evidence.attach(ctx, submission, files)
    counted = {"files": len(files)} if files else {}
    audit.record(ctx, "submission.created", "submission", submission.id, attempt=attempt, **counted)
    issuer_id = ctx.get(Program, enrollment.program_id).issuer_id
    cycle = review_cycles.cycle_for_submission(ctx, issuer_id, submission)
    mail_messages.submission_received(
        ctx, enrollment, submission, cycle.closes_on if cycle is not None else None
    )
    return submission


def add_review(ctx: Context, submission_id: int, score: int, feedback: str) -> Review:
    """One reviewer's score; after the third the median decides ``passed`` or ``needs_revision``.
    Once the submission has assigned reviewers (a review cycle), only they may score it."""
    ctx.actor.require_role(Role.REVIEWER)
    rubric.check_score(score)
    submission = ctx.get(Submission, submission_id)
    enrollment = ctx.get(Enrollment, submission.enrollment_id, lock=True)
    ctx.actor.require_issuer(ctx.get(Program, enrollment.program_id).issuer_id)
    review_cycles.check_may_score(ctx, submission, enrollment)
    _check_reviewable(ctx, enrollment, submission)
    scores = scores_for(ctx, submission_id)
    if len(scores) >= rubric.REVIEWS_REQUIRED:
        raise Conflict("This submission already has its three reviews.", code="reviews_complete")
    review = Review(
        submission_id=submission_id,
        reviewer_id=ctx.actor.account_id,
        score=score,
        feedback=feedback,
        created_at=ctx.now,
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(review)
            ctx.session.flush()
    except IntegrityError:
        raise Conflict(
            "You have already scored this submission.", code="already_reviewed"
        ) from None
    result = rubric.outcome([*scores, score])
    set_status(ctx, enrollment, result.status)
    audit.record(
        ctx, "review.created", "submission", submission_id, score=score, outcome=result.status.value
    )
    if result.score is not None:  # the third review decided
        passed = result.status is EnrollmentStatus.PASSED
        mail_messages.review_outcome(ctx, enrollment, submission, passed, result.score)
    return review


def scores_for(ctx: Context, submission_id: int) -> list[int]:
    query = select(Review.score).where(Review.submission_id == submission_id).order_by(Review.id)
    return list(ctx.session.scalars(query))


def reviews_for(ctx: Context, submission_id: int) -> list[Review]:
    query = select(Review).where(Review.submission_id == submission_id).order_by(Review.id)
    return list(ctx.session.scalars(query))


def submissions_of(ctx: Context, enrollment_id: int) -> list[Submission]:
    """Every attempt, first to last."""
    query = select(Submission).where(Submission.enrollment_id == enrollment_id)
    return list(ctx.session.scalars(query.order_by(Submission.attempt)))


def latest_submission(ctx: Context, enrollment_id: int) -> Submission | None:
    query = (
        select(Submission)
        .where(Submission.enrollment_id == enrollment_id)
        .order_by(Submission.attempt.desc())
        .limit(1)
    )
    return ctx.session.scalar(query)


def get_submission(ctx: Context, submission_id: int) -> Submission:
    """Reviewers and admins of the program's issuer, PTSB, and the earner may read a submission."""
    submission = ctx.get(Submission, submission_id)
    get_enrollment(ctx, submission.enrollment_id)
    return submission


def _attempts(ctx: Context, enrollment_id: int) -> int:
    query = (
        select(func.count())
        .select_from(Submission)
        .where(Submission.enrollment_id == enrollment_id)
    )
    return int(ctx.session.scalar(query) or 0)


def _check_reviewable(ctx: Context, enrollment: Enrollment, submission: Submission) -> None:
    latest = latest_submission(ctx, enrollment.id)
    if latest is None or latest.id != submission.id:
        raise Conflict("Only the latest submission is reviewed.", code="stale_submission")
    if enrollment.status not in (
        EnrollmentStatus.SUBMITTED.value,
        EnrollmentStatus.IN_REVIEW.value,
    ):
        if len(scores_for(ctx, submission.id)) >= rubric.REVIEWS_REQUIRED:
            raise Conflict(
                "This submission already has its three reviews.", code="reviews_complete"
            )
        raise InvalidTransition(
            f"An enrollment in status {enrollment.status!r} is not under review.",
            code="not_under_review",
        )
