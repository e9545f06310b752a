"""Accounts and bearer tokens: tokens are random, shown once and stored only as a hash."""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from issuer.domain.actors import Actor
from issuer.domain.states import Role
from issuer.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed
from issuer.models import Account, Issuer
from issuer.workflow import audit
from issuer.workflow.context import Context

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalize_email(email: str, field: str = "email") -> str:
    """Trim and lower-case an email (the identity key everywhere), or raise ``ValidationFailed``."""
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise ValidationFailed(fields={field: "must be an email address"})
    return value


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so one SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_account(
    ctx: Context, role: Role, email: str, issuer_id: int | None = None
) -> tuple[Account, str]:
    """Create an account and return it with its token (the operator's CLI and the demo: the only
    time the token is seen). Over the API use ``invite_account``: nobody gets another's token."""
    account = _new_account(ctx, role, email, issuer_id)
    return account, mint_token(account)


def invite_account(ctx: Context, role: Role, email: str, issuer_id: int | None = None) -> Account:
    """Create an account for someone else without any credential anyone could use.

    The account has no password and a token nobody knows: it is an invitation, which its owner
    takes up through a password link sent to them (``flask accounts invite`` until email exists),
    then mints their own token (``mint_own_token``). An email that already has an account answers
    ``account_exists`` and leaves that account untouched.
    """
    normalized = normalize_email(email)
    _check_creator(ctx, role, issuer_id)
    if find_by_email(ctx.session, normalized) is not None:
        raise Conflict("An account with this email already exists.", code="account_exists")
    account = _new_account(ctx, role, normalized, issuer_id)
    mint_token(account)  # a random token that is never shown: unusable until the owner mints one
    return account


def is_invited(account: Account) -> bool:
    """An invitation not yet taken up: the owner has not set a password."""
    return account.password_hash is None


def _check_creator(ctx: Context, role: Role, issuer_id: int | None) -> None:
    actor = ctx.actor
    actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    if actor.role is Role.ISSUER_ADMIN:
        if role not in (Role.REVIEWER, Role.EARNER):
            raise Forbidden(
                "Issuer admins create reviewer and earner accounts only.", code="wrong_role"
            )
        if issuer_id is not None and issuer_id != actor.issuer_id:
            raise Forbidden("That is another issuer.", code="other_issuer")


def _new_account(ctx: Context, role: Role, email: str, issuer_id: int | None) -> Account:
    _check_creator(ctx, role, issuer_id)
    if ctx.actor.role is Role.ISSUER_ADMIN:
        issuer_id = ctx.actor.issuer_id
    if role in (Role.ISSUER_ADMIN, Role.REVIEWER):
        if issuer_id is None:
            raise ValidationFailed(fields={"issuer_id": f"required for role {role.value}"})
        ctx.get(Issuer, issuer_id)
    elif role is Role.PTSB:
        issuer_id = None
    account = Account(
        role=role.value,
        email=normalize_email(email),
        issuer_id=issuer_id,
        token_hash=hash_token(secrets.token_urlsafe(32)),
        created_at=ctx.now,
    )
    ctx.session.add(account)
    ctx.session.flush()
    audit.record(
        ctx, "account.created", "account", account.id, role=role.value, issuer_id=issuer_id
    )
    return account


def mint_token(account: Account) -> str:
    """A fresh bearer token for the account; it replaces the previous one, which stops working.

    Only the account's owner (``mint_own_token``), the operator's CLI and the demo call this.
    """
    token = secrets.token_urlsafe(32)
    account.token_hash = hash_token(token)
    return token


def find_by_email(session: Session, email: str) -> Account | None:
    """The oldest account with this email (emails are compared lower-cased)."""
    query = select(Account).where(Account.email == email.strip().lower()).order_by(Account.id)
    return session.scalars(query.limit(1)).first()


def authenticate(session: Session, token: str) -> Actor:
    """The actor a bearer token belongs to, or ``Unauthenticated``."""
    if not token or len(token) > 200:
        raise Unauthenticated()
    account = session.scalar(_by_token(), {"token_hash": hash_token(token)})
    if account is None:
        raise Unauthenticated("The bearer token is not valid.", code="invalid_token")
    return actor_for(account)


@cache
def _by_token() -> Select[tuple[Account]]:
    """The account holding a token hash (``token_hash``): built once, as every API call runs it."""
    return select(Account).where(Account.token_hash == bindparam("token_hash"))


def actor_for(account: Account) -> Actor:
    """The ``Actor`` value for an account row."""
    return Actor(
        account_id=account.id,
        role=Role(account.role),
        email=account.email,
        issuer_id=account.issuer_id,
    )
