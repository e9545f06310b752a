"""One small function per message of SPEC §9 that a use case sends: each gathers the facts its
recipient may see (their own name, the program's, the issuer's; never another person's) and queues
it with ``queue_mail`` in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from issuer.domain.mail import METHOD_WORDS, MailKind
from issuer.domain.states import AwardKind, ProgramStatus, Role
from issuer.models import (
    Account,
    Award,
    Earner,
    Enrollment,
    Issuer,
    Program,
    ProgramVersion,
    Review,
    Stack,
    Submission,
)
from issuer.workflow.accounts import signin
from issuer.workflow.accounts.invitations import password_link
from issuer.workflow.context import Context
from issuer.workflow.integrations.mail_outbox import queue_mail


def password_reset(ctx: Context, account: Account) -> None:
    """The person asked for a new password: their own one-time link, nothing else."""
    queue_mail(
        ctx,
        MailKind.PASSWORD_RESET,
        account.email,
        {
            "password_link": password_link(ctx, account),
            "expires_on": ctx.now + signin.LINK_LIFETIME,
            "sign_in_url": ctx.urls.sign_in(),
        },
        issuer_id=account.issuer_id,
    )


def enrollment_confirmed(ctx: Context, enrollment: Enrollment) -> None:
    """Sent on enrolment (not when the method is switched later): the issuer's next steps for the
    chosen learning method and the program's spec sheet."""
    earner = ctx.get(Earner, enrollment.earner_id)
    version = ctx.get(ProgramVersion, enrollment.program_version_id)
    program = ctx.get(Program, enrollment.program_id)
    queue_mail(
        ctx,
        MailKind.ENROLLMENT_CONFIRMED,
        earner.email,
        {
            "earner_name": earner.name,
            "program_name": version.name,
            "method_words": METHOD_WORDS.get(enrollment.learning_method, "your chosen way"),
            "next_steps": (version.next_steps or {}).get(enrollment.learning_method),
            "estimated_hours": hours(version.estimated_hours),
            "spec_sheet_url": ctx.urls.spec_sheet(program.id),
        },
        issuer_id=program.issuer_id,
    )


def submission_received(
    ctx: Context,
    enrollment: Enrollment,
    submission: Submission,
    closes_on: date | None = None,
) -> None:
    """The performance task arrived; three reviewers will score it, in the review cycle closing
    on ``closes_on`` when an open cycle of the issuer will review it."""
    earner = ctx.get(Earner, enrollment.earner_id)
    version = ctx.get(ProgramVersion, enrollment.program_version_id)
    queue_mail(
        ctx,
        MailKind.SUBMISSION_RECEIVED,
        earner.email,
        {
            "earner_name": earner.name,
            "program_name": version.name,
            "attempt": submission.attempt,
            "received_on": submission.created_at,
            "closes_on": closes_on,
        },
        issuer_id=ctx.get(Program, enrollment.program_id).issuer_id,
    )


def reviewer_assignments(
    ctx: Context, reviewer: Account, due_on: date, given: Sequence[tuple[str, int]]
) -> None:
    """To a reviewer, once per assignment run: what they were given (program and attempt; never
    the educator), when the cycle closes, and their queue."""
    queue_mail(
        ctx,
        MailKind.REVIEWER_ASSIGNED,
        reviewer.email,
        {
            "given": [{"program_name": name, "attempt": attempt} for name, attempt in given],
            "due_on": due_on,
            "queue_url": ctx.urls.review_queue(),
        },
        issuer_id=reviewer.issuer_id,
    )


def review_outcome(
    ctx: Context, enrollment: Enrollment, submission: Submission, passed: bool, score: int
) -> None:
    """After the third review: passed (the issuer confirms next) or needs revision, with the three
    feedbacks as Reviewer 1, 2 and 3 (never their names) and where to resubmit."""
    earner = ctx.get(Earner, enrollment.earner_id)
    version = ctx.get(ProgramVersion, enrollment.program_version_id)
    program = ctx.get(Program, enrollment.program_id)
    reviews = ctx.session.scalars(
        select(Review).where(Review.submission_id == submission.id).order_by(Review.id)
    )
    queue_mail(
        ctx,
        MailKind.REVIEW_OUTCOME,
        earner.email,
        {
            "earner_name": earner.name,
            "program_name": version.name,
            "issuer_name": ctx.get(Issuer, program.issuer_id).name,
            "passed": passed,
            "score": score,
            "feedbacks": [review.feedback for review in reviews],
            "enrollment_url": ctx.urls.enrollment_page(enrollment.id),
        },
        issuer_id=program.issuer_id,
    )


def award_issued(ctx: Context, award: Award) -> None:
    """One message per award: ``award_issued`` for a program, ``stack_earned`` for a stack."""
    earner = ctx.get(Earner, award.earner_id)
    links = ctx.urls.award_artifacts(award.id)
    badge_url = (
        ctx.urls.ob2_stack_badge(award.stack_id)
        if award.kind == AwardKind.STACK.value and award.stack_id is not None
        else ctx.urls.ob2_program_badge(
            award.program_id or 0, ctx.get(ProgramVersion, award.program_version_id).version
        )
    )
    is_stack = award.kind == AwardKind.STACK.value
    context = {
        "earner_name": earner.name,
        "badge_name": award.name,
        "credit_hours": hours(award.credit_hours),
        "issued_on": award.issued_at,
        "expires_on": award.expires_at,
        "verify_url": links["verify_url"],
        "portfolio_url": ctx.urls.portfolio(),
        "wallet_url": ctx.urls.portfolio_wallet(award.id),
        "certificate_url": links["certificate_pdf"],
        "badge_image_url": ctx.urls.badge_image(badge_url, "png"),
        "downloads": links,
        "stack_description": ctx.get(Stack, award.stack_id).description
        if is_stack and award.stack_id is not None
        else None,
    }
    kind = MailKind.STACK_EARNED if is_stack else MailKind.AWARD_ISSUED
    queue_mail(ctx, kind, earner.email, context, issuer_id=award.issuer_id)


def award_revoked(ctx: Context, award: Award) -> None:
    """The issuer revoked the award: the educator reads why."""
    earner = ctx.get(Earner, award.earner_id)
    queue_mail(
        ctx,
        MailKind.AWARD_REVOKED,
        earner.email,
        {
            "earner_name": earner.name,
            "badge_name": award.name,
            "issued_on": award.issued_at,
            "revoked_on": award.revoked_at or ctx.now,
            "reason": award.revocation_reason or "",
            "verify_url": ctx.urls.award_artifacts(award.id)["verify_url"],
        },
        issuer_id=award.issuer_id,
    )


def program_submitted(ctx: Context, program: Program, version: ProgramVersion) -> None:
    """To every PTSB account: a program version waits for their decision."""
    issuer = ctx.get(Issuer, program.issuer_id)
    for address in _addresses(ctx, Role.PTSB, None):
        queue_mail(
            ctx,
            MailKind.PROGRAM_SUBMITTED,
            address,
            {
                "program_name": version.name,
                "version": version.version,
                "issuer_name": issuer.name,
                "submitted_on": version.submitted_at or ctx.now,
                "sign_in_url": ctx.urls.sign_in(),
            },
            issuer_id=issuer.id,
        )


def program_decided(ctx: Context, program: Program, version: ProgramVersion) -> None:
    """To every admin of the program's issuer: PTSB approved or rejected it, with the comment."""
    approved = version.status == ProgramStatus.APPROVED.value
    board = ctx.session.scalar(select(Issuer.id).where(Issuer.is_board.is_(True)).limit(1))
    for address in _addresses(ctx, Role.ISSUER_ADMIN, program.issuer_id):
        queue_mail(
            ctx,
            MailKind.PROGRAM_DECIDED,
            address,
            {
                "program_name": version.name,
                "version": version.version,
                "approved": approved,
                "comment": version.review_comment,
                "decided_on": version.decided_at or ctx.now,
                "spec_sheet_url": ctx.urls.spec_sheet(program.id) if approved else None,
                "sign_in_url": ctx.urls.sign_in(),
            },
            issuer_id=board,
        )


def hours(value: Decimal) -> str:
    """10, 7.5: hours as people write them."""
    return f"{Decimal(value).normalize():f}"


def _addresses(ctx: Context, role: Role, issuer_id: int | None) -> list[str]:
    query = select(Account.email).where(Account.role == role.value)
    if issuer_id is not None:
        query = query.where(Account.issuer_id == issuer_id)
    return sorted(set(ctx.session.scalars(query.order_by(Account.id))))
