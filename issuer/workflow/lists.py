"""The list calls behind the pages (SPEC §8 "List calls"): earners, enrollments and submissions,
each cut to what the actor may read and paginated as ``{items, total}``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from sqlalchemy import Select, String, cast, func, or_, select

from issuer.domain import rubric
from issuer.domain.search import search_words
from issuer.domain.states import EnrollmentStatus, Role
from issuer.errors import Forbidden, ValidationFailed
from issuer.models import (
    Account,
    AuditEntry,
    Earner,
    Enrollment,
    PriorTraining,
    Program,
    Submission,
)
from issuer.workflow.context import Context
from issuer.workflow.learning import review_cycles, reviews
from issuer.workflow.learning.earners import find_by_email

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and how many rows match in all."""

    items: list[T]
    total: int


class SubmissionStatus(StrEnum):
    """Where a submission stands with its reviewers."""

    AWAITING_REVIEW = "awaiting_review"  # fewer than three reviews
    PASSED = "passed"  # three reviews, score of record 3 or more
    NEEDS_REVISION = "needs_revision"  # three reviews, score of record under 3


def list_earners(ctx: Context, q: str | None, *, limit: int, offset: int) -> Page[Earner]:
    """Search by name, email or license number: PTSB every educator, an issuer's admin the
    educators of their issuer (``earners.is_issuer_earner``); nobody else."""
    actor = ctx.actor
    actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    query = select(Earner)
    words = _checked_query(q)
    if words:
        pattern = func.lower
        query = query.where(
            or_(
                pattern(Earner.name).contains(words, autoescape=True),
                pattern(Earner.email).contains(words, autoescape=True),
                pattern(func.coalesce(Earner.license_number, "")).contains(words, autoescape=True),
            )
        )
    if actor.role is Role.ISSUER_ADMIN:
        query = query.where(cast(Earner.id, String).in_(_issuer_earner_ids(actor.issuer_id)))
    return _page(ctx, query.order_by(Earner.name, Earner.id), limit, offset)


def list_enrollments(
    ctx: Context,
    *,
    status: EnrollmentStatus | None,
    program_id: int | None,
    earner_id: int | None,
    issuer_id: int | None,
    limit: int,
    offset: int,
) -> Page[Enrollment]:
    """Enrollments, oldest first: an earner their own, an issuer's staff their issuer's, PTSB all."""
    query = select(Enrollment).join(Program, Program.id == Enrollment.program_id)
    query = _visible(ctx, query)
    if status is not None:
        query = query.where(Enrollment.status == status.value)
    if program_id is not None:
        query = query.where(Enrollment.program_id == program_id)
    if earner_id is not None:
        query = query.where(Enrollment.earner_id == earner_id)
    if issuer_id is not None:
        query = query.where(Program.issuer_id == issuer_id)
    return _page(ctx, query.order_by(Enrollment.id), limit, offset)


def list_submissions(
    ctx: Context,
    *,
    status: SubmissionStatus | None,
    cycle_id: int | None,
    limit: int,
    offset: int,
) -> Page[Submission]:
    """Submissions, oldest first, to the same readers as their enrollments; ``cycle_id`` keeps
    those assigned in that review cycle (an unknown cycle answers 422)."""
    query = (
        select(Submission)
        .join(Enrollment, Enrollment.id == Submission.enrollment_id)
        .join(Program, Program.id == Enrollment.program_id)
    )
    if cycle_id is not None:
        if review_cycles.known_cycle(ctx, cycle_id) is None:
            raise ValidationFailed(fields={"cycle_id": "no review cycle has this id"})
        query = query.where(Submission.id.in_(review_cycles.submissions_in(cycle_id)))
    rows = list(ctx.session.scalars(_visible(ctx, query).order_by(Submission.id)))
    if status is not None:
        rows = [s for s in rows if submission_status(ctx, s) is status]
    return Page(rows[offset : offset + limit], len(rows))


def submission_status(ctx: Context, submission: Submission) -> SubmissionStatus:
    scores = reviews.scores_for(ctx, submission.id)
    if len(scores) < rubric.REVIEWS_REQUIRED:
        return SubmissionStatus.AWAITING_REVIEW
    passed = rubric.score_of_record(scores) >= rubric.PASSING_SCORE
    return SubmissionStatus.PASSED if passed else SubmissionStatus.NEEDS_REVISION


def _visible(ctx: Context, query: Select[tuple[T]]) -> Select[tuple[T]]:
    """Cut a query joined to Enrollment and Program to what the actor may read."""
    actor = ctx.actor
    if actor.role is Role.PTSB:
        return query
    if actor.role is Role.EARNER:
        own = find_by_email(ctx, actor.email)
        return query.where(Enrollment.earner_id == (own.id if own else -1))
    if actor.role in (Role.ISSUER_ADMIN, Role.REVIEWER) and actor.issuer_id is not None:
        return query.where(Program.issuer_id == actor.issuer_id)
    raise Forbidden("This list is not for your role.", code="wrong_role")


def _issuer_earner_ids(issuer_id: int | None) -> Select[tuple[str]]:
    """The educators of an issuer, as ``earners.is_issuer_earner`` counts them: enrolled in one
    of its programs, prior training recorded by it, or registered by one of its admins. Ids as
    text: the audit log keeps its subjects' ids as text."""
    enrolled = (
        select(cast(Enrollment.earner_id, String))
        .join(Program, Program.id == Enrollment.program_id)
        .where(Program.issuer_id == issuer_id)
    )
    trained = select(cast(PriorTraining.earner_id, String)).where(
        PriorTraining.issuer_id == issuer_id
    )
    registered = (
        select(AuditEntry.subject_id)
        .join(Account, Account.id == AuditEntry.actor_id)
        .where(
            AuditEntry.action.in_(("earner.registered", "earner.registered_again")),
            AuditEntry.subject_type == "earner",
            Account.issuer_id == issuer_id,
        )
    )
    return enrolled.union(trained, registered)  # type: ignore[return-value]


def _checked_query(q: str | None) -> str | None:
    words = search_words(q)
    return None if words is None else words.lower()


def _page(ctx: Context, query: Select[tuple[T]], limit: int, offset: int) -> Page[T]:
    total = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return Page(list(ctx.session.scalars(query.limit(limit).offset(offset))), int(total))
