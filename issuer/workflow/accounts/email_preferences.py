"""The signed-in person's email preferences (account page): only expiry reminders can be turned
off (SPEC §9); stored as the unsubscribe link stores them, one ``MailPreference`` per address."""

from __future__ import annotations

from issuer.workflow.context import Context
from issuer.workflow.integrations.mail_outbox import set_reminders, wants_reminders


def my_reminders(ctx: Context) -> bool:
    """Whether the signed-in person receives expiry reminders (on until turned off)."""
    return wants_reminders(ctx, ctx.actor.email)


def set_my_reminders(ctx: Context, on: bool) -> bool:
    """Turn the signed-in person's expiry reminders on or off; returns the stored choice."""
    set_reminders(ctx, ctx.actor.email, on)
    return on
