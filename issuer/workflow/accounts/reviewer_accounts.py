"""The issuer's reviewers as its admin manages them (SPEC §8, Review cycles): who reviews for the
issuer, whether each has taken up the invitation, and inviting one more by email (a district
cannot run review cycles without three reviewers)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from issuer.domain.states import Role
from issuer.models import Account
from issuer.workflow.accounts import accounts, invitations
from issuer.workflow.context import Context


@dataclass(frozen=True)
class ReviewerLine:
    """One reviewer account of the issuer."""

    email: str
    invited: bool  # the invitation is not taken up yet (no password set)


def issuer_reviewers(ctx: Context) -> list[ReviewerLine]:
    """The signed-in admin's reviewers, in the order they were added."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    query = (
        select(Account)
        .where(Account.role == Role.REVIEWER.value, Account.issuer_id == ctx.actor.issuer_id)
        .order_by(Account.id)
    )
    return [ReviewerLine(a.email, accounts.is_invited(a)) for a in ctx.session.scalars(query)]


def invite_reviewer(ctx: Context, email: str) -> str:
    """Create a reviewer account of the admin's issuer and email its owner the one-time password
    link; answers the stored (normalised) email. An email that already has an account raises
    ``Conflict(account_exists)``; a malformed one ``ValidationFailed(email)``."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    return invitations.invite_person(ctx, Role.REVIEWER, email, ctx.actor.issuer_id).email
