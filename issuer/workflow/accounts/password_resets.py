"""Forgot password: a person asks for a new one-time password link by email. The answer is the
same whether or not the email has an account; only an account's owner receives a link."""

from __future__ import annotations

from issuer.workflow.accounts import accounts, signin
from issuer.workflow.context import Context
from issuer.workflow.integrations import mail_messages


def request_password_reset(ctx: Context, email: str, client: str) -> None:
    """Count the request (``RateLimited`` past the limits) and queue the link when an account
    has this email. Commit even when nothing is sent: the count is what limits guessing."""
    signin.count_reset_request(ctx.session, email, client, ctx.now)
    account = accounts.find_by_email(ctx.session, email.strip().lower())
    if account is not None:
        mail_messages.password_reset(ctx, account)
