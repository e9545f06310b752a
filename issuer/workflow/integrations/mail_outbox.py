"""Queue a message to a person (SPEC §9): composed now and stored in the caller's transaction,
so a change that rolls back sends nothing and no award exists without its message. Runners
(``flask --app wsgi mail run``) deliver what is pending."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from issuer.domain.mail import MailKind, MailState
from issuer.mail.compose import compose
from issuer.models import Issuer, MailMessage, MailPreference, MailSuppression
from issuer.workflow.context import Context

# Memo key: whether an address is suppressed, when a caller read it with its own rows.
SUPPRESSED = "mail_suppressed"


def queue_mail(
    ctx: Context,
    kind: MailKind,
    to: str,
    context: Mapping[str, Any],
    *,
    issuer_id: int | None = None,
    dedupe_key: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> MailMessage | None:
    """Compose ``kind`` for ``to`` and store it pending; None when nothing is to be sent (a
    reminder the person turned off, or a once-only message already queued). A suppressed
    address (it bounced) gets the message stored as ``suppressed``, visible in the log."""
    address = to.strip().lower()
    if kind.is_reminder and not wants_reminders(ctx, address):
        return None
    if dedupe_key is not None and _queued(ctx, dedupe_key):
        return None
    issuer = ctx.get(Issuer, issuer_id) if issuer_id is not None else None
    sender = issuer.name if issuer is not None and not issuer.is_board else ctx.board_name
    composed = compose(
        kind, {**context, "sender": sender, "base_url": ctx.urls.base, "to_address": address}
    )
    suppressed = ctx.memo.get((SUPPRESSED, address))
    if suppressed is None:
        suppressed = ctx.session.get(MailSuppression, address) is not None
    message = MailMessage(
        message_id=f"<{uuid.uuid4()}@{urlsplit(ctx.urls.base).hostname or 'localhost'}>",
        kind=kind.value,
        to_address=address,
        issuer_id=issuer_id,
        sender_name=sender,
        reply_to=issuer.email if issuer is not None and issuer.email else None,
        subject=composed.subject,
        text_body=composed.text,
        html_body=composed.html,
        headers=dict(headers or {}),
        dedupe_key=dedupe_key,
        state=(MailState.SUPPRESSED if suppressed else MailState.PENDING).value,
        attempts=0,
        next_attempt_at=ctx.now,
        created_at=ctx.now,
    )
    ctx.session.add(message)  # inserted at the next flush (autoflush before any query)
    return message


def remember_suppressed(ctx: Context, address: str, suppressed: bool) -> None:
    """Whether ``address`` is suppressed, read by a caller along with its own rows (``address``
    exactly as stored, so only an address already in its normal form is remembered)."""
    if address == address.strip().lower():
        ctx.memo[(SUPPRESSED, address)] = suppressed


def wants_reminders(ctx: Context, address: str) -> bool:
    """Reminders are on until the person turns them off."""
    preference = ctx.session.get(MailPreference, address.strip().lower())
    return preference is None or preference.reminders


def set_reminders(ctx: Context, address: str, on: bool) -> None:
    """Store the person's choice about reminders (the account page, the unsubscribe link)."""
    address = address.strip().lower()
    preference = ctx.session.get(MailPreference, address)
    if preference is None:
        ctx.session.add(MailPreference(address=address, reminders=on, updated_at=ctx.now))
    else:
        preference.reminders = on
        preference.updated_at = ctx.now
    ctx.session.flush()


def _queued(ctx: Context, dedupe_key: str) -> bool:
    found = select(MailMessage.id).where(MailMessage.dedupe_key == dedupe_key)
    return ctx.session.scalar(found) is not None
