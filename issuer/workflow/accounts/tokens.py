"""People mint their own API tokens: proven by their own email and password, never by anyone
else's (SPEC §5: nobody receives credentials for another person's account)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from issuer.models import Account
from issuer.workflow import audit
from issuer.workflow.accounts import signin
from issuer.workflow.accounts.accounts import mint_token
from issuer.workflow.context import Context


@dataclass(frozen=True)
class MintedToken:
    account: Account
    token: str


def mint_own_token(ctx: Context, email: str, password: str, client: str) -> MintedToken | None:
    """A new token for the account whose password this is (its previous token stops working),
    or None after recording the failed attempt (commit it: the sign-in limits count it).

    ``ctx`` is anonymous until the password proves who is asking. Raises ``RateLimited`` after
    too many recent failures, exactly as signing in does.
    """
    actor = signin.sign_in(ctx.session, email, password, client, ctx.now)
    if actor is None:
        return None
    account = ctx.get(Account, actor.account_id)
    token = mint_token(account)
    audit.record(replace(ctx, actor=actor), "token.minted", "account", account.id)
    return MintedToken(account, token)
