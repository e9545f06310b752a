"""The facilitator's dashboard (SPEC §8, Facilitator): the queues of one issuer's work, read in
one go for its admin: passed enrollments awaiting confirmation, work that needs revision, work
awaiting review grouped by the review cycle that reviews it, and program versions awaiting PTSB."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from issuer.domain.states import EnrollmentStatus, ProgramStatus, Role
from issuer.models import Earner, Enrollment, Program, ProgramVersion, ReviewCycle, Submission
from issuer.workflow.context import Context
from issuer.workflow.learning import review_cycles
from issuer.workflow.learning.enrollments import award_id_of
from issuer.workflow.learning.my_learning import STATUS_WORDS, long_date

S = EnrollmentStatus


@dataclass(frozen=True)
class QueueLine:
    """One enrollment in a queue: who, which program, and since when it waits."""

    enrollment_id: int
    earner_id: int
    earner_name: str
    program_id: int
    program_name: str
    status: str
    status_words: str
    since: str  # passed on / revision asked on / submitted on, in words


@dataclass(frozen=True)
class ProgramLine:
    """A program version submitted for approval and waiting for PTSB."""

    program_id: int
    name: str
    version: int
    submitted_on: str


@dataclass(frozen=True)
class ReviewGroup:
    """The work awaiting review in one review cycle (``cycle_id`` None: in none yet)."""

    cycle_id: int | None
    closes_on: str | None  # the cycle's closing date, in words
    open: bool
    lines: list[QueueLine]


@dataclass(frozen=True)
class Dashboard:
    passed: list[QueueLine]
    needs_revision: list[QueueLine]
    awaiting_review: list[QueueLine]
    awaiting_ptsb: list[ProgramLine]
    # awaiting_review again, per cycle: cycles by closing date, then the work in no cycle yet
    review_groups: list[ReviewGroup]


def dashboard(ctx: Context) -> Dashboard:
    """The queues of the signed-in admin's issuer, oldest first."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    issuer_id = ctx.actor.issuer_id
    assert issuer_id is not None  # noqa: S101 - issuer admins always have an issuer
    awaiting_review = _awaiting_review(ctx, issuer_id)
    return Dashboard(
        passed=_enrollments(ctx, issuer_id, [S.PASSED]),
        needs_revision=_enrollments(ctx, issuer_id, [S.NEEDS_REVISION]),
        awaiting_review=awaiting_review,
        awaiting_ptsb=_awaiting_ptsb(ctx, issuer_id),
        review_groups=_by_cycle(ctx, issuer_id, awaiting_review),
    )


def confirmed_lines(ctx: Context, enrollment_ids: list[int]) -> list[tuple[QueueLine, str | None]]:
    """The given enrollments of the admin's issuer with their award (None before it is issued):
    what the dashboard shows after a confirmation."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    if not enrollment_ids:
        return []
    query = _query(ctx.actor.issuer_id).where(Enrollment.id.in_(enrollment_ids))
    rows = ctx.session.execute(query.order_by(Enrollment.id)).all()
    return [
        (_line(row, row.Enrollment.updated_at), award_id_of(ctx, row.Enrollment.id)) for row in rows
    ]


def _query(issuer_id: int | None):  # type: ignore[no-untyped-def]
    return (
        select(Enrollment, Earner.name.label("earner_name"), ProgramVersion.name.label("program"))
        .join(Program, Program.id == Enrollment.program_id)
        .join(Earner, Earner.id == Enrollment.earner_id)
        .join(ProgramVersion, ProgramVersion.id == Enrollment.program_version_id)
        .where(Program.issuer_id == issuer_id)
    )


def _line(row, since: datetime) -> QueueLine:  # type: ignore[no-untyped-def]
    enrollment: Enrollment = row.Enrollment
    return QueueLine(
        enrollment_id=enrollment.id,
        earner_id=enrollment.earner_id,
        earner_name=row.earner_name,
        program_id=enrollment.program_id,
        program_name=row.program,
        status=enrollment.status,
        status_words=STATUS_WORDS.get(enrollment.status, enrollment.status),
        since=long_date(since),
    )


def _enrollments(ctx: Context, issuer_id: int, statuses: list[EnrollmentStatus]) -> list[QueueLine]:
    query = _query(issuer_id).where(Enrollment.status.in_([s.value for s in statuses]))
    rows = ctx.session.execute(query.order_by(Enrollment.updated_at, Enrollment.id)).all()
    return [_line(row, row.Enrollment.updated_at) for row in rows]


def _awaiting_review(ctx: Context, issuer_id: int) -> list[QueueLine]:
    """Submitted or in review, with the date of the latest submission, oldest first."""
    latest = (
        select(Submission.enrollment_id, func.max(Submission.created_at).label("submitted_at"))
        .group_by(Submission.enrollment_id)
        .subquery()
    )
    query = (
        _query(issuer_id)
        .add_columns(latest.c.submitted_at)
        .outerjoin(latest, latest.c.enrollment_id == Enrollment.id)
        .where(Enrollment.status.in_([S.SUBMITTED.value, S.IN_REVIEW.value]))
        .order_by(latest.c.submitted_at, Enrollment.id)
    )
    return [
        _line(row, row.submitted_at or row.Enrollment.updated_at)
        for row in ctx.session.execute(query).all()
    ]


def _by_cycle(ctx: Context, issuer_id: int, lines: list[QueueLine]) -> list[ReviewGroup]:
    """Each line under the cycle that reviews its latest submission (``cycle_for_submission``),
    cycles by closing date, oldest work first within each; lines in no cycle last."""
    cycles: dict[int, ReviewCycle] = {}
    grouped: dict[int | None, list[QueueLine]] = {}
    for line in lines:
        submission = ctx.session.scalar(
            select(Submission)
            .where(Submission.enrollment_id == line.enrollment_id)
            .order_by(Submission.created_at.desc(), Submission.id.desc())
            .limit(1)
        )
        cycle = (
            None
            if submission is None
            else review_cycles.cycle_for_submission(ctx, issuer_id, submission)
        )
        if cycle is not None:
            cycles[cycle.id] = cycle
        grouped.setdefault(None if cycle is None else cycle.id, []).append(line)
    order = sorted(cycles.values(), key=lambda c: (c.closes_on, c.id))
    groups = [
        ReviewGroup(c.id, long_date(c.closes_on), c.status == review_cycles.OPEN, grouped[c.id])
        for c in order
    ]
    if None in grouped:
        groups.append(ReviewGroup(None, None, False, grouped[None]))
    return groups


def _awaiting_ptsb(ctx: Context, issuer_id: int) -> list[ProgramLine]:
    query = (
        select(ProgramVersion)
        .join(Program, Program.id == ProgramVersion.program_id)
        .where(
            Program.issuer_id == issuer_id,
            ProgramVersion.status == ProgramStatus.SUBMITTED.value,
        )
        .order_by(ProgramVersion.submitted_at, ProgramVersion.id)
    )
    return [
        ProgramLine(
            program_id=v.program_id,
            name=v.name,
            version=v.version,
            submitted_on=long_date(v.submitted_at or v.created_at),
        )
        for v in ctx.session.scalars(query)
    ]
