"""Storage behind the OAuth 2.0 authorization server: clients, codes and tokens, kept hashed.

Authlib does the protocol; these functions only find, store and revoke rows. A code is used once:
presenting it again revokes every token issued from it (RFC 6749 §4.1.2), and so does replaying a
refresh token that was already rotated or revoked (RFC 9700 §4.14), since either means a leak.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from issuer.errors import RateLimited
from issuer.models import Account, OAuthClient, OAuthCode, OAuthToken
from issuer.workflow import audit
from issuer.workflow.accounts.accounts import hash_token
from issuer.workflow.context import Context

CODE_LIFETIME = timedelta(minutes=5)
REFRESH_LIFETIME = timedelta(days=30)
MAX_SECRET_LENGTH = 200
REGISTRATION_WINDOW = timedelta(hours=1)

# The records this module hands to the authorization server's adapter (issuer/oauth/): it reads
# their fields and passes them back here, and never queries or changes them itself.
ClientRecord = OAuthClient
CodeRecord = OAuthCode
TokenRecord = OAuthToken
GrantingAccount = Account


def register_client(
    ctx: Context,
    client_id: str,
    secret: str,
    metadata: dict[str, Any],
    registered_from: str | None = None,
) -> OAuthClient:
    """Store a dynamically registered client; the secret is kept only as a hash."""
    client = OAuthClient(
        client_id=client_id,
        secret_hash=hash_token(secret),
        name=str(metadata.get("client_name") or client_id)[:200],
        client_metadata=metadata,
        created_at=ctx.now,
        registered_from=(registered_from or "-")[:64],
    )
    ctx.session.add(client)
    ctx.session.flush()
    audit.record(ctx, "oauth.client_registered", "oauth_client", client.id, name=client.name)
    return client


def check_registration_rate(ctx: Context, address: str, per_hour: int) -> None:
    """Open registration, but not a flood: ``RateLimited`` once ``address`` has registered
    ``per_hour`` clients in the last hour (0 turns the limit off)."""
    if per_hour <= 0:
        return
    recent = ctx.session.scalar(
        select(func.count())
        .select_from(OAuthClient)
        .where(
            OAuthClient.registered_from == address[:64],
            OAuthClient.created_at > ctx.now - REGISTRATION_WINDOW,
        )
    )
    if (recent or 0) >= per_hour:
        raise RateLimited("Too many client registrations from this address; try again later.")


def find_client(ctx: Context, client_id: str) -> OAuthClient | None:
    """The registered client with this public ``client_id``, if any."""
    if not client_id or len(client_id) > 64:
        return None
    return ctx.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))


def secret_matches(client: OAuthClient, secret: str) -> bool:
    """Whether ``secret`` is the client's secret (compared as hashes, in constant time)."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return False
    return hmac.compare_digest(client.secret_hash, hash_token(secret))


def save_code(
    ctx: Context,
    code: str,
    client: OAuthClient,
    *,
    redirect_uri: str,
    scope: str,
    code_challenge: str,
    code_challenge_method: str,
) -> OAuthCode:
    """Store a code the signed-in earner (``ctx.actor``) granted, and audit the consent."""
    assert ctx.actor.account_id is not None  # noqa: S101 - only a signed-in person consents
    row = OAuthCode(
        code_hash=hash_token(code),
        client_id=client.id,
        account_id=ctx.actor.account_id,
        redirect_uri=redirect_uri,
        scope=scope,
        code_challenge=code_challenge,
        code_challenge_method=code_challenge_method,
        created_at=ctx.now,
        expires_at=ctx.now + CODE_LIFETIME,
    )
    ctx.session.add(row)
    ctx.session.flush()
    audit.record(ctx, "oauth.consent_granted", "oauth_client", client.id, scope=scope)
    return row


def claim_code(ctx: Context, code: str, client: OAuthClient) -> OAuthCode | None:
    """The unused, unexpired code issued to ``client``, locked; a replayed code revokes its tokens."""
    row = ctx.session.scalar(
        select(OAuthCode).where(OAuthCode.code_hash == hash_token(code)).with_for_update()
    )
    if row is None or row.client_id != client.id:
        return None
    if row.used_at is not None:
        revoke_grant(ctx, row.id, reason="authorization code replayed")
        return None
    return row if row.expires_at > ctx.now else None


def use_code(ctx: Context, row: OAuthCode) -> None:
    """Mark a code used (kept, not deleted, so a replay can be recognised)."""
    row.used_at = ctx.now
    ctx.session.flush()


def save_token(
    ctx: Context,
    client: OAuthClient,
    account_id: int,
    token: dict[str, Any],
    code_id: int | None,
) -> OAuthToken:
    """Store an Authlib token answer (access, refresh, scope, expires_in) as hashes."""
    refresh = token.get("refresh_token")
    row = OAuthToken(
        client_id=client.id,
        account_id=account_id,
        code_id=code_id,
        access_token_hash=hash_token(token["access_token"]),
        refresh_token_hash=hash_token(refresh) if refresh else None,
        scope=token.get("scope") or "",
        issued_at=ctx.now,
        expires_at=ctx.now + timedelta(seconds=int(token["expires_in"])),
        refresh_expires_at=ctx.now + REFRESH_LIFETIME if refresh else None,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def token_by_access(ctx: Context, access_token: str) -> OAuthToken | None:
    """The token row of an access token (active or not; the caller checks)."""
    if not access_token or len(access_token) > MAX_SECRET_LENGTH:
        return None
    return ctx.session.scalar(
        select(OAuthToken).where(OAuthToken.access_token_hash == hash_token(access_token))
    )


def token_by_refresh(ctx: Context, refresh_token: str) -> OAuthToken | None:
    """The token row of a refresh token (active or not; the caller checks)."""
    if not refresh_token or len(refresh_token) > MAX_SECRET_LENGTH:
        return None
    return ctx.session.scalar(
        select(OAuthToken)
        .where(OAuthToken.refresh_token_hash == hash_token(refresh_token))
        .with_for_update()
    )


def usable_refresh(ctx: Context, row: OAuthToken) -> bool:
    """Whether a refresh token may be used now; replaying a dead one revokes its whole grant."""
    if row.revoked_at is not None:
        if row.code_id is not None:
            revoke_grant(ctx, row.code_id, reason="refresh token replayed")
        return False
    return row.refresh_expires_at is not None and row.refresh_expires_at > ctx.now


def access_expired(row: OAuthToken, now: datetime) -> bool:
    return row.expires_at <= now


def revoke_token(ctx: Context, row: OAuthToken, reason: str) -> None:
    """Revoke an access token and its refresh token together (RFC 7009 §2.1 allows both)."""
    if row.revoked_at is None:
        row.revoked_at = ctx.now
        ctx.session.flush()
        audit.record(ctx, "oauth.token_revoked", "oauth_token", row.id, reason=reason)


def revoke_grant(ctx: Context, code_id: int, reason: str) -> None:
    """Revoke every token descended from one authorization code."""
    ctx.session.execute(
        update(OAuthToken)
        .where(OAuthToken.code_id == code_id, OAuthToken.revoked_at.is_(None))
        .values(revoked_at=ctx.now)
    )
    audit.record(ctx, "oauth.grant_revoked", "oauth_code", code_id, reason=reason)


def account(ctx: Context, account_id: int) -> Account | None:
    """The account a code or token was granted by."""
    return ctx.session.get(Account, account_id)


@dataclass(frozen=True)
class ConnectedApp:
    """An app holding live tokens for the signed-in earner: what the apps page lists."""

    client_pk: int
    name: str
    client_uri: str | None
    scope: str
    since: datetime


def connected_apps(ctx: Context) -> list[ConnectedApp]:
    """Apps with a usable access or refresh token granted by ``ctx.actor``, newest grant first."""
    rows = ctx.session.execute(
        select(OAuthToken, OAuthClient)
        .join(OAuthClient, OAuthClient.id == OAuthToken.client_id)
        .where(OAuthToken.account_id == ctx.actor.account_id, OAuthToken.revoked_at.is_(None))
        .order_by(OAuthToken.issued_at.desc())
    )
    apps: dict[int, ConnectedApp] = {}
    for token, client in rows:
        if _live(token, ctx.now) and client.id not in apps:
            uri = client.client_metadata.get("client_uri")
            apps[client.id] = ConnectedApp(
                client.id, client.name, uri, token.scope, token.issued_at
            )
    return list(apps.values())


def disconnect(ctx: Context, client_pk: int) -> int:
    """Revoke every token ``ctx.actor`` granted to one app; answers how many were live."""
    result = ctx.session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.account_id == ctx.actor.account_id,
            OAuthToken.client_id == client_pk,
            OAuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=ctx.now)
    )
    audit.record(ctx, "oauth.app_disconnected", "oauth_client", client_pk)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _live(token: OAuthToken, now: datetime) -> bool:
    refreshable = token.refresh_expires_at is not None and token.refresh_expires_at > now
    return token.expires_at > now or refreshable
