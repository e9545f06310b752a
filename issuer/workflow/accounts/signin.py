"""Web sign-in for people: one-time password links, a modern KDF, and a rate limit on failures."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from issuer.domain.actors import Actor
from issuer.errors import RateLimited, Unauthenticated, ValidationFailed
from issuer.models import Account, LoginAttempt
from issuer.workflow.accounts.accounts import actor_for

LINK_LIFETIME = timedelta(days=7)
WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5  # per email in the window
MAX_CLIENT_FAILURES = 20  # per client address (a school's NAT shares one)
MIN_PASSWORD = 10
MAX_RESET_REQUESTS = 3  # per email in the window: nobody's mailbox is flooded with links
MAX_CLIENT_RESET_REQUESTS = 10  # per client address
RESET_PREFIX = "reset:"  # password-reset requests are counted apart from failed sign-ins
_DUMMY_HASH = generate_password_hash("not a real password")  # equalises timing for unknown emails


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="password-setup")


def _fingerprint(account: Account) -> str:
    """Changes when the password does, so a link works only until it is used."""
    return hashlib.sha256((account.password_hash or "unset").encode()).hexdigest()[:16]


def password_setup_token(account: Account, secret: str) -> str:
    """A one-time token for setting (or resetting) the account's password."""
    return _serializer(secret).dumps({"account": account.id, "fp": _fingerprint(account)})


def account_for_token(session: Session, token: str, secret: str) -> Account:
    """The account a setup token is for, or ``Unauthenticated`` when used, expired or forged."""
    try:
        data = _serializer(secret).loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
    except SignatureExpired:
        raise Unauthenticated(
            "This link has expired; ask for a new one.", code="link_expired"
        ) from None
    except BadSignature:
        raise Unauthenticated("This link is not valid.", code="link_invalid") from None
    account = session.get(Account, data.get("account")) if isinstance(data, dict) else None
    if account is None or data.get("fp") != _fingerprint(account):
        raise Unauthenticated("This link was already used.", code="link_used")
    return account


def set_password(session: Session, token: str, secret: str, password: str) -> Account:
    """Use a setup link: store the password hashed with scrypt (Werkzeug's default KDF)."""
    account = account_for_token(session, token, secret)
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(fields={"password": f"use at least {MIN_PASSWORD} characters"})
    account.password_hash = generate_password_hash(password)
    account.session_generation += 1  # a new password ends every session opened with the old one
    return account


def session_generation(session: Session, account_id: int) -> int:
    """The generation a session opened now carries (read right after a successful sign-in)."""
    account = session.get(Account, account_id)
    return account.session_generation if account is not None else -1


def session_actor(session: Session, account_id: object, generation: object) -> Actor | None:
    """Who a session cookie stands for: the account as it is now, but only while the cookie's
    generation is the account's (signing out or a new password moves it on) and it has a password.
    """
    if not isinstance(account_id, int) or not isinstance(generation, int):
        return None
    account = session.get(Account, account_id)
    if account is None or account.password_hash is None:
        return None
    if account.session_generation != generation:
        return None
    return actor_for(account)


def end_sessions(session: Session, account_id: int) -> None:
    """Sign out everywhere: every session cookie of the account stops working."""
    account = session.get(Account, account_id)
    if account is not None:
        account.session_generation += 1


def sign_in(
    session: Session, email: str, password: str, client: str, now: datetime
) -> Actor | None:
    """Check an email and password: the actor, or None after recording the failure (commit it).

    Raises ``RateLimited`` after too many recent failures for the email or the client address.
    """
    normalized = email.strip().lower()
    _check_rate(session, normalized, client, now)
    account = session.scalar(
        select(Account)
        .where(Account.email == normalized, Account.password_hash.is_not(None))
        .order_by(Account.id)
    )
    ok = check_password_hash(account.password_hash if account else _DUMMY_HASH, password)
    if not ok or account is None:
        session.add(LoginAttempt(email=normalized, client=client[:64], at=now))
        return None
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == normalized))
    return actor_for(account)


def _check_rate(session: Session, email: str, client: str, now: datetime) -> None:
    recent = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at > now - WINDOW)
    by_email = session.scalar(recent.where(LoginAttempt.email == email)) or 0
    by_client = (
        session.scalar(
            recent.where(
                LoginAttempt.client == client[:64], ~LoginAttempt.email.startswith(RESET_PREFIX)
            )
        )
        or 0
    )
    if by_email >= MAX_FAILURES or by_client >= MAX_CLIENT_FAILURES:
        raise RateLimited()


def count_reset_request(session: Session, email: str, client: str, now: datetime) -> None:
    """Record a password-reset request, whether or not the email has an account (so the answer
    reveals nothing); ``RateLimited`` after too many for the email or the client address."""
    key = (RESET_PREFIX + email.strip().lower())[:320]
    recent = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at > now - WINDOW)
    by_email = session.scalar(recent.where(LoginAttempt.email == key)) or 0
    by_client = (
        session.scalar(
            recent.where(
                LoginAttempt.client == client[:64], LoginAttempt.email.startswith(RESET_PREFIX)
            )
        )
        or 0
    )
    if by_email >= MAX_RESET_REQUESTS or by_client >= MAX_CLIENT_RESET_REQUESTS:
        raise RateLimited()
    session.add(LoginAttempt(email=key, client=client[:64], at=now))


def change_password(session: Session, account_id: int, current: str, new: str) -> int:
    """A signed-in person replaces their password (the current one proves it is them); every
    other session of the account ends. Returns the generation the caller's session moves to."""
    account = session.get(Account, account_id)
    if account is None or not check_password_hash(account.password_hash or _DUMMY_HASH, current):
        raise ValidationFailed(
            "Your current password is not right.",
            fields={"current_password": "is not right"},
            code="current_password_wrong",
        )
    if len(new) < MIN_PASSWORD:
        raise ValidationFailed(
            f"Use at least {MIN_PASSWORD} characters.",
            fields={"new_password": f"use at least {MIN_PASSWORD} characters"},
        )
    account.password_hash = generate_password_hash(new)
    account.session_generation += 1
    return account.session_generation
