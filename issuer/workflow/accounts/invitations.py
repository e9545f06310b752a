"""Inviting a person: the account is created without credentials and the person alone receives
the one-time password link, by email (SPEC §5, §9)."""

from __future__ import annotations

from issuer.domain.mail import ROLE_WORDS, MailKind
from issuer.domain.states import Role
from issuer.models import Account
from issuer.workflow.accounts import accounts, signin
from issuer.workflow.context import Context
from issuer.workflow.integrations.mail_outbox import queue_mail


def invite_person(ctx: Context, role: Role, email: str, issuer_id: int | None = None) -> Account:
    """Create the invited account and queue the invitation to its owner in the same transaction;
    raises what ``accounts.invite_account`` raises (``account_exists``, role and issuer checks)."""
    account = accounts.invite_account(ctx, role, email, issuer_id)
    queue_mail(
        ctx,
        MailKind.INVITATION,
        account.email,
        {
            "role_words": ROLE_WORDS[account.role],
            "password_link": password_link(ctx, account),
            "expires_on": ctx.now + signin.LINK_LIFETIME,
        },
        issuer_id=ctx.actor.issuer_id,
    )
    return account


def password_link(ctx: Context, account: Account) -> str:
    """The account's one-time link for setting its password (valid ``signin.LINK_LIFETIME``)."""
    return ctx.urls.password_setup(signin.password_setup_token(account, ctx.secret_key))
