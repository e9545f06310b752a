"""Completion: the issuer confirms a passed enrollment and exactly one award results.

Retries with the same ``Idempotency-Key`` get the same award; concurrent confirmations are
serialised by a row lock on the enrollment (PostgreSQL) or SQLite's write lock, and the unique
constraint on ``awards.enrollment_id`` is the last line of defence.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased

from issuer.domain import rubric
from issuer.domain.credentials import expiry, stack_progress
from issuer.domain.states import AwardKind, AwardStatus, EnrollmentStatus, Role
from issuer.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from issuer.models import (
    Award,
    Earner,
    Enrollment,
    Issuer,
    MailSuppression,
    Program,
    ProgramVersion,
    Review,
    Stack,
    StackProgram,
    Submission,
    WebhookSubscription,
)
from issuer.openbadges.identity import new_salt
from issuer.workflow import audit
from issuer.workflow.awards import publishing
from issuer.workflow.context import Context
from issuer.workflow.integrations import events, mail_messages, mail_outbox, notices
from issuer.workflow.learning.enrollments import earned_program_ids, set_status
from issuer.workflow.programs import issuers, stacks

MAX_IDEMPOTENCY_KEY = 255
# PTSB's issuer row, read with the enrollment (one alias, so the statement's cache key is stable).
BOARD = aliased(Issuer)
# An enrollment's attempts, counted in a subquery beside the latest attempt's own row.
ATTEMPTS = aliased(Submission)
# Memo key: whether any stack contains a program (read with the enrollment).
IN_A_STACK = "program_in_a_stack"


@dataclass(frozen=True)
class Completion:
    award: Award
    created: bool


def complete(ctx: Context, enrollment_id: int, idempotency_key: str) -> Completion:
    """Confirm a passed enrollment; replaying the same key returns the award already made."""
    key = _checked_key(idempotency_key)
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    found = _locked_enrollment(ctx, enrollment_id)
    enrollment = found.enrollment
    ctx.actor.require_issuer(ctx.get(Program, enrollment.program_id).issuer_id)
    existing = found.award
    if existing is None and enrollment.status != EnrollmentStatus.PASSED.value:
        # Read again in a statement of its own: a completion that committed while this one
        # waited for the row lock is seen here, not in the lock's join (READ COMMITTED).
        existing = ctx.session.scalar(select(Award).where(Award.enrollment_id == enrollment_id))
    if existing is not None:
        if existing.idempotency_key == key:
            return Completion(existing, created=False)
        raise Conflict("This enrollment already has its award.", code="already_completed")
    if enrollment.status != EnrollmentStatus.PASSED.value:
        raise InvalidTransition(
            f"Only a passed enrollment can be completed; this one is {enrollment.status!r}.",
            code="not_passed",
        )
    award = _program_award(ctx, found, key)
    set_status(ctx, enrollment, EnrollmentStatus.COMPLETED)
    _award_stacks(ctx, award)
    return Completion(award, created=True)


@dataclass(frozen=True)
class _LockedEnrollment:
    enrollment: Enrollment
    award: Award | None  # its award, as the lock's statement saw it
    submission: Submission | None  # the latest attempt
    scores: list[int]  # that attempt's review scores, in review order


def _locked_enrollment(ctx: Context, enrollment_id: int) -> _LockedEnrollment:
    """The enrollment, row-locked (PostgreSQL; only its row: ``FOR UPDATE OF enrollments``),
    read in one statement with what its award needs: program, program version, earner, issuer,
    PTSB's issuer row, whether a stack contains the program, its award if any, the latest
    submission with its review scores (one row per review), whether the earner's address is
    suppressed and whether any webhook subscription could want the event. The rows are held for
    the unit of work and the facts remembered, so none of them is read again."""
    rows = ctx.session.execute(_locked_enrollment_query(), {"enrollment_id": enrollment_id}).all()
    if not rows:
        raise NotFound(f"No enrollment with id {enrollment_id}.", code="enrollment_not_found")
    first = rows[0]
    enrollment, earner, award, submission = first[0], first[3], first[7], first[8]
    ctx.hold([entity for entity in (*first[:6], award, submission) if entity is not None])
    if first[5] is not None:
        issuers.remember_board(ctx, first[5])
    ctx.memo[(IN_A_STACK, enrollment.program_id)] = bool(first[6])
    ctx.memo[("latest_submission", enrollment.id)] = submission  # the award's documents cite it
    mail_outbox.remember_suppressed(ctx, earner.email, bool(first[10]))
    if not first[11]:
        events.remember_no_subscribers(ctx, first[1].issuer_id)
    scores = [row[9] for row in rows if row[9] is not None]
    return _LockedEnrollment(enrollment, award, submission, scores)


@cache
def _locked_enrollment_query() -> Select[Any]:
    """Built once: a statement object keeps its cache key, so each completion skips building
    the statement and computing its key (about 0.8 ms of CPU for one this size)."""
    board = BOARD
    in_a_stack = exists().where(StackProgram.program_id == Enrollment.program_id)
    latest_attempt = (
        select(func.max(ATTEMPTS.attempt))
        .where(ATTEMPTS.enrollment_id == Enrollment.id)
        .correlate(Enrollment)
        .scalar_subquery()
    )
    suppressed = exists().where(MailSuppression.address == Earner.email)
    subscribed = exists().where(
        WebhookSubscription.deleted_at.is_(None),
        or_(
            WebhookSubscription.issuer_id == Program.issuer_id,
            WebhookSubscription.issuer_id.is_(None),
        ),
    )
    return (
        select(
            Enrollment,
            Program,
            ProgramVersion,
            Earner,
            Issuer,
            board,
            in_a_stack,
            Award,
            Submission,
            Review.score,
            suppressed,
            subscribed,
        )
        .join(Program, Program.id == Enrollment.program_id)
        .join(ProgramVersion, ProgramVersion.id == Enrollment.program_version_id)
        .join(Earner, Earner.id == Enrollment.earner_id)
        .join(Issuer, Issuer.id == Program.issuer_id)
        .outerjoin(board, board.is_board.is_(True))
        .outerjoin(Award, Award.enrollment_id == Enrollment.id)
        .outerjoin(
            Submission,
            and_(Submission.enrollment_id == Enrollment.id, Submission.attempt == latest_attempt),
        )
        .outerjoin(Review, Review.submission_id == Submission.id)
        .where(Enrollment.id == bindparam("enrollment_id"))
        .order_by(Review.id)
        .with_for_update(of=Enrollment)
    )


def _program_award(ctx: Context, found: _LockedEnrollment, key: str) -> Award:
    enrollment = found.enrollment
    version = ctx.get(ProgramVersion, enrollment.program_version_id)
    score = rubric.score_of_record(found.scores) if found.submission else None
    return _new_award(
        ctx,
        kind=AwardKind.PROGRAM,
        earner_id=enrollment.earner_id,
        issuer_id=ctx.get(Program, enrollment.program_id).issuer_id,
        name=version.name,
        credit_hours=version.credit_hours,
        validity_days=version.validity_days,
        enrollment_id=enrollment.id,
        program_id=enrollment.program_id,
        program_version_id=version.id,
        score=score,
        idempotency_key=key,
    )


def _award_stacks(ctx: Context, award: Award) -> None:
    """Award every stack this completion finishes (once per earner and stack)."""
    assert award.program_id is not None  # noqa: S101 - program awards always have one
    if ctx.memo.get((IN_A_STACK, award.program_id)) is False:
        return  # read with the enrollment: no stack contains the program
    containing = stacks.stacks_containing(ctx, {award.program_id})
    if not containing:
        return
    earned = earned_program_ids(ctx, award.earner_id)
    for stack in containing:
        progress = stack_progress(stacks.program_ids(stack), stack.required, earned)
        if progress.earned and not _has_stack_award(ctx, stack.id, award.earner_id):
            _stack_award(ctx, stack, award.earner_id)


def _stack_award(ctx: Context, stack: Stack, earner_id: int) -> Award:
    return _new_award(
        ctx,
        kind=AwardKind.STACK,
        earner_id=earner_id,
        issuer_id=stack.issuer_id,
        name=stack.name,
        credit_hours=stack.credit_hours,
        validity_days=None,
        stack_id=stack.id,
    )


def _new_award(
    ctx: Context, *, kind: AwardKind, earner_id: int, validity_days: int | None, **fields: object
) -> Award:
    """Insert the award with its PTSB notice, ``award.issued`` event and audit entry, then publish
    it: all in the same transaction, so a failure anywhere leaves none of them. The earner's name
    is kept on the award as issued (the signed documents carry it; a later rename must not
    rewrite the page or certificate)."""
    award = Award(
        id=str(uuid.uuid4()),
        kind=kind.value,
        issued_at=ctx.now,
        expires_at=expiry(ctx.now, validity_days),
        status=AwardStatus.ACTIVE.value,
        recipient_salt=new_salt(),
        earner_id=earner_id,
        earner_name=ctx.get(Earner, earner_id).name,
        **fields,
    )
    publishing.prepare_award(ctx, award)
    ctx.session.add(award)  # inserted with its notice (the notice's id is needed next)
    events.award_issued(ctx, award, notices.create_notice(ctx, award))
    # The reads publishing and mail make (published artwork, keys, a mail suppression) need none
    # of the rows added from here on: without autoflush those rows wait for one flush (the next
    # query that needs them, or the commit) instead of a flush before each read.
    with ctx.session.no_autoflush:
        publishing.publish_award(ctx, award)
        audit.record(
            ctx, "award.issued", "award", award.id, kind=kind.value, earner_id=award.earner_id
        )
        mail_messages.award_issued(ctx, award)
    return award


def _has_stack_award(ctx: Context, stack_id: int, earner_id: int) -> bool:
    query = select(Award.id).where(Award.stack_id == stack_id, Award.earner_id == earner_id)
    return ctx.session.scalar(query) is not None


def _checked_key(value: str | None) -> str:
    key = (value or "").strip()
    if not key:
        raise ValidationFailed(
            "The Idempotency-Key header is required.",
            fields={"Idempotency-Key": "required header"},
            code="idempotency_key_required",
        )
    if len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise ValidationFailed(fields={"Idempotency-Key": "must be 1-255 printable characters"})
    return key
