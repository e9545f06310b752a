"""Expiry reminders (SPEC §9): one message per award, 30 days before it expires, to the earner;
and the signed one-click link (RFC 8058) with which the person turns reminders off.

The link's token is the address signed with SECRET_KEY for this one purpose (a password link's
token does not open it, nor this one a password page); it does not expire, as mail lingers."""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from issuer.domain.mail import MailKind
from issuer.domain.states import AwardStatus
from issuer.errors import ValidationFailed
from issuer.models import Award, Earner
from issuer.workflow.context import Context
from issuer.workflow.integrations.mail_outbox import queue_mail, set_reminders

REMIND_BEFORE = timedelta(days=30)
UNSUBSCRIBE_PURPOSE = "mail-unsubscribe:reminders"
UNSUBSCRIBE_PATH = "/mail/unsubscribe/"


def dedupe_key(award_id: str) -> str:
    return f"expiry_reminder:{award_id}"


def queue_expiry_reminders(ctx: Context) -> int:
    """Queue a reminder for every active award expiring within 30 days that has none yet;
    returns how many were queued (a person who turned reminders off gets none)."""
    due = (
        select(Award, Earner.email)
        .join(Earner, Earner.id == Award.earner_id)
        .where(
            Award.status == AwardStatus.ACTIVE.value,
            Award.expires_at.is_not(None),
            Award.expires_at > ctx.now,
            Award.expires_at <= ctx.now + REMIND_BEFORE,
        )
        .order_by(Award.expires_at)
    )
    queued = 0
    for award, email in ctx.session.execute(due).all():
        message = queue_mail(
            ctx,
            MailKind.EXPIRY_REMINDER,
            email,
            {
                "earner_name": award.earner_name,
                "badge_name": award.name,
                "expires_on": award.expires_at,
                "verify_url": ctx.urls.ob2_assertion(award.id),
                "unsubscribe_url": unsubscribe_url(ctx, email),
            },
            issuer_id=award.issuer_id,
            dedupe_key=dedupe_key(award.id),
            headers=unsubscribe_headers(ctx, email),
        )
        queued += message is not None
    return queued


def unsubscribe_url(ctx: Context, address: str) -> str:
    token = _serializer(ctx.secret_key).dumps(address.strip().lower())
    return f"{ctx.urls.base}{UNSUBSCRIBE_PATH}{token}"


def unsubscribe_headers(ctx: Context, address: str) -> dict[str, str]:
    """RFC 8058: mail clients show an unsubscribe button that POSTs ``List-Unsubscribe=One-Click``."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(ctx, address)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def address_for_token(ctx: Context, token: str) -> str:
    """The address an unsubscribe token was made for; 422 ``invalid_link`` when forged."""
    try:
        address = _serializer(ctx.secret_key).loads(token)
    except BadSignature:
        raise ValidationFailed("This unsubscribe link is not valid.", code="invalid_link") from None
    if not isinstance(address, str) or "@" not in address:
        raise ValidationFailed("This unsubscribe link is not valid.", code="invalid_link")
    return address


def turn_off_reminders(ctx: Context, token: str) -> str:
    """Record that the link's owner wants no more reminders; returns their address."""
    address = address_for_token(ctx, token)
    set_reminders(ctx, address, False)
    return address


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=UNSUBSCRIBE_PURPOSE)
