"""Awards as their issuer's admin sees them (SPEC §8, Facilitator, Awards): the recent awards of
the issuer (searchable by the educator's name) and one award with its links and standing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from issuer.domain.search import search_words
from issuer.domain.states import Role
from issuer.models import Award, Earner
from issuer.workflow.awards import awards, wallet_copies
from issuer.workflow.awards.award_page import AwardPage, award_page
from issuer.workflow.context import Context
from issuer.workflow.learning.my_learning import long_date


@dataclass(frozen=True)
class AwardLine:
    id: str
    earner_id: int
    earner_name: str
    name: str
    issued_on: str
    status: str  # "active" or "revoked"


@dataclass(frozen=True)
class AwardList:
    items: list[AwardLine]
    total: int


@dataclass(frozen=True)
class WalletCopyLine:
    """A copy of the award issued to a wallet: where it is published, to whom, in what form."""

    credential_url: str
    holder: str
    format: str
    issued_on: str


@dataclass(frozen=True)
class IssuerAward:
    page: AwardPage
    earner_id: int
    issued_on: str
    revoked: bool
    revoked_on: str | None
    reason: str | None
    wallet_copies: tuple[WalletCopyLine, ...] = ()


def recent_awards(ctx: Context, q: str | None, *, limit: int, offset: int) -> AwardList:
    """The issuer's awards, newest first, optionally only those whose educator's name (as
    issued, or as now recorded) contains the words ``q``."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    query = (
        select(Award, Earner.name)
        .join(Earner, Earner.id == Award.earner_id)
        .where(Award.issuer_id == ctx.actor.issuer_id)
    )
    words = search_words(q)
    if words:
        lowered = words.lower()
        query = query.where(
            func.lower(Award.earner_name).contains(lowered, autoescape=True)
            | func.lower(Earner.name).contains(lowered, autoescape=True)
        )
    total = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = ctx.session.execute(
        query.order_by(Award.issued_at.desc(), Award.id).limit(limit).offset(offset)
    )
    return AwardList(
        [
            AwardLine(
                id=award.id,
                earner_id=award.earner_id,
                earner_name=name,
                name=award.name,
                issued_on=long_date(award.issued_at),
                status="revoked" if award.status == "revoked" else "active",
            )
            for award, name in rows
        ],
        int(total),
    )


def issuer_award(ctx: Context, award_id: str) -> IssuerAward:
    """One award of the admin's issuer (``Forbidden`` for another issuer's, ``NotFound``)."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    award = awards.get_award(ctx, award_id)
    return IssuerAward(
        page=award_page(ctx, award.id),
        earner_id=award.earner_id,
        issued_on=long_date(award.issued_at),
        revoked=award.status == "revoked",
        revoked_on=long_date(award.revoked_at) if award.revoked_at else None,
        reason=award.revocation_reason,
        wallet_copies=tuple(
            WalletCopyLine(
                copy.credential_id, copy.holder_did, copy.format, long_date(copy.issued_at)
            )
            for copy in wallet_copies.copies_of(ctx, award.id)
        ),
    )
