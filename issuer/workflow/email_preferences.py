"""The signed-in person's email preferences (account page): only expiry reminders can be turned
off (SPEC §9); stored as the unsubscribe link stores them, one ``MailPreference`` per address."""

from __future__ import annotations

from issuer.models import MailPreference
from issuer.workflow.context import Context
from issuer.workflow.mail_outbox import wants_reminders


def my_reminders(ctx: Context) -> bool:
    """Whether the signed-in person receives expiry reminders (on until turned off)."""
    return wants_reminders(ctx, ctx.actor.email)


def set_my_reminders(ctx: Context, on: bool) -> bool:
    """Turn the signed-in person's expiry reminders on or off; returns the stored choice."""
    address = ctx.actor.email.strip().lower()
    preference = ctx.session.get(MailPreference, address)
    if preference is None:
        ctx.session.add(MailPreference(address=address, reminders=on, updated_at=ctx.now))
    else:
        preference.reminders = on
        preference.updated_at = ctx.now
    ctx.session.flush()
    return on
