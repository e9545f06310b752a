"""Reading awards and portfolios, and revoking."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from issuer.domain.credentials import (
    HeldAward,
    StackProgress,
    credit_hours_total,
    earned_programs,
    stack_progress,
)
from issuer.domain.states import AwardStatus, Role
from issuer.errors import Conflict, Forbidden
from issuer.models import Award, Earner, Enrollment, Notice, Stack
from issuer.workflow import audit
from issuer.workflow.awards import publishing
from issuer.workflow.context import Context
from issuer.workflow.integrations import events, mail_messages
from issuer.workflow.learning import earners
from issuer.workflow.programs import stacks


@dataclass(frozen=True)
class PortfolioEntry:
    award: Award
    notice: Notice | None


@dataclass(frozen=True)
class StackStatus:
    stack: Stack
    progress: StackProgress


@dataclass(frozen=True)
class Portfolio:
    earner: Earner
    entries: list[PortfolioEntry]
    credit_hours_total: Decimal
    stacks: list[StackStatus]


def get_award(ctx: Context, award_id: str) -> Award:
    """The earner, the issuing issuer's staff and PTSB may read an award through the API."""
    award = ctx.get(Award, award_id)
    _check_reader(ctx, award)
    return award


def revoke(ctx: Context, award_id: str, reason: str) -> Award:
    """Revoke with a reason; published documents, status lists and the ``award.revoked`` event
    change in the same transaction."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    award = ctx.get(Award, award_id, lock=True)
    ctx.actor.require_issuer(award.issuer_id)
    if award.status == AwardStatus.REVOKED.value:
        raise Conflict("This award is already revoked.", code="already_revoked")
    award.status = AwardStatus.REVOKED.value
    award.revocation_reason = reason
    award.revoked_at = ctx.now
    ctx.session.flush()
    publishing.publish_revocation(ctx, award)
    events.award_revoked(ctx, award)
    audit.record(ctx, "award.revoked", "award", award_id, reason=reason)
    mail_messages.award_revoked(ctx, award)
    return award


def is_active(ctx: Context, award: Award) -> bool:
    return _held(award).is_active(ctx.now)


def portfolio(ctx: Context, earner_id: int) -> Portfolio:
    """An earner's awards (programs and stacks), credit-hour total and stack progress.

    The earner and PTSB see everything; an issuer admin sees the same answer restricted to their
    issuer: its awards, the credit hours of those, and its stacks (other issuers' awards are not
    theirs to read).
    """
    earner = ctx.get(Earner, earner_id)
    only_issuer = _portfolio_scope(ctx, earner)
    query = select(Award).where(Award.earner_id == earner_id)
    if only_issuer is not None:
        query = query.where(Award.issuer_id == only_issuer)
    awards = list(ctx.session.scalars(query.order_by(Award.issued_at, Award.id)))
    notices = {
        n.award_id: n
        for n in ctx.session.scalars(select(Notice).where(Notice.earner_id == earner_id))
    }
    held = [_held(a) for a in awards]
    earned = earned_programs(held, ctx.now)
    involved = earned | set(
        ctx.session.scalars(select(Enrollment.program_id).where(Enrollment.earner_id == earner_id))
    )
    stack_rows = [
        StackStatus(s, stack_progress(stacks.program_ids(s), s.required, earned))
        for s in stacks.stacks_containing(ctx, involved)
        if only_issuer is None or s.issuer_id == only_issuer
    ]
    return Portfolio(
        earner=earner,
        entries=[PortfolioEntry(a, notices.get(a.id)) for a in awards],
        credit_hours_total=credit_hours_total(held, ctx.now),
        stacks=stack_rows,
    )


def _held(award: Award) -> HeldAward:
    return HeldAward(
        program_id=award.program_id,
        credit_hours=award.credit_hours,
        revoked=award.status == AwardStatus.REVOKED.value,
        expires_at=award.expires_at,
    )


def _check_reader(ctx: Context, award: Award) -> None:
    actor = ctx.actor
    if actor.role is Role.EARNER:
        if ctx.get(Earner, award.earner_id).email != actor.email:
            raise Forbidden("That is another earner's award.", code="other_earner")
        return
    actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    actor.require_issuer(award.issuer_id)


def _portfolio_scope(ctx: Context, earner: Earner) -> int | None:
    """None when the actor may see the whole portfolio, else the one issuer they may see."""
    actor = ctx.actor
    if actor.role is Role.EARNER and earner.email == actor.email:
        return None
    if actor.role is Role.PTSB:
        return None
    if actor.role is Role.ISSUER_ADMIN and earners.is_issuer_earner(
        ctx, earner.id, actor.issuer_id
    ):
        return actor.issuer_id
    if actor.role is Role.EARNER:
        raise Forbidden("That is another earner's record.", code="other_earner")
    if actor.role is Role.ISSUER_ADMIN:
        raise Forbidden("That educator is not one of your issuer's.", code="other_issuer")
    raise Forbidden("Reviewers see submissions, not earners' awards.", code="wrong_role")
