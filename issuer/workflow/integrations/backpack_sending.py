"""Storage behind "send to my backpack": which award may go, our registration at each backpack,
and each earner's tokens there, sealed with the deployment's key.

``ctx.actor`` is the signed-in earner account. Each function is one short step of its own
transaction; ``send_to_backpack`` makes the network calls between them, so no transaction waits on a
remote server. A registration is kept per backpack (its discovery URL) and reused by every earner;
it is replaced when the backpack's registration URL or our callback URL changes, and the
connections made with the old one go with it. A sealed value that no longer opens (a new
``SECRET_KEY``) counts as no connection: the earner is asked to connect again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from issuer.domain.backpacks import BackpackEndpoints
from issuer.domain.states import AwardStatus, Role
from issuer.errors import Conflict, Forbidden, NotFound
from issuer.models import Award, BackpackConnection, BackpackRegistration
from issuer.signing.sealing import SecretBox, Unsealable
from issuer.workflow import audit
from issuer.workflow.awards import documents
from issuer.workflow.context import Context
from issuer.workflow.learning.earners import own_earner

JSON_MEDIA_TYPE = "application/json"
EXPIRY_MARGIN = timedelta(seconds=60)  # refresh a little early: the request takes time too


@dataclass(frozen=True)
class SendableCredential:
    """An award's OB 3.0 credential exactly as we published it (never re-signed)."""

    award_id: str
    name: str
    body: bytes
    media_type: str


@dataclass(frozen=True)
class StoredRegistration:
    """Our registration at one backpack, with its client secret opened."""

    id: int
    endpoints: BackpackEndpoints
    redirect_uri: str
    client_id: str
    client_secret: str | None


@dataclass(frozen=True)
class StoredConnection:
    """The signed-in earner's tokens at one backpack, opened."""

    registration_id: int
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None

    def expired(self, now: datetime) -> bool:
        """Whether the access token is (about to be) past its lifetime."""
        return self.expires_at is not None and self.expires_at <= now + EXPIRY_MARGIN


def sendable_credential(ctx: Context, award_id: str) -> SendableCredential:
    """The signed-in earner's award as a stored OB 3.0 credential.

    Raises ``Forbidden`` for anyone but the award's earner, ``NotFound`` for no such award, and
    ``Conflict`` when the award is revoked or has no OB 3.0 credential published.
    """
    if ctx.actor.role is not Role.EARNER:
        raise Forbidden("Only educators send their own badges.", code="wrong_role")
    award = ctx.session.get(Award, award_id)
    if award is None:
        raise NotFound("No such badge.", code="award_not_found")
    if award.earner_id != own_earner(ctx).id:
        raise Forbidden("That badge belongs to another educator.", code="other_earner")
    if award.status == AwardStatus.REVOKED.value:
        raise Conflict("A revoked badge cannot be sent.", code="award_revoked")
    stored = documents.load(ctx, ctx.urls.ob3_credential(award.id))
    if stored is None:
        raise Conflict(
            "This badge has no Open Badges 3.0 credential to send.", code="no_credential"
        )
    return SendableCredential(
        award_id=award.id,
        name=_credential_name(stored.body),
        body=stored.body,
        media_type=JSON_MEDIA_TYPE,
    )


def usable_registration(
    ctx: Context, endpoints: BackpackEndpoints, redirect_uri: str, box: SecretBox
) -> StoredRegistration | None:
    """Our registration at this backpack when still valid (its endpoints refreshed), else None."""
    row = _registration_row(ctx, endpoints.discovery_url)
    if row is None:
        return None
    opened = _usable(row, endpoints, redirect_uri, box)
    if opened is not None:
        _set_endpoints(row, endpoints)
        ctx.session.flush()
    return opened


def save_registration(
    ctx: Context,
    endpoints: BackpackEndpoints,
    redirect_uri: str,
    client_id: str,
    client_secret: str | None,
    box: SecretBox,
) -> StoredRegistration:
    """Store a new registration (replacing a stale one and its connections) and answer it.

    When another request registered at the same backpack meanwhile and its registration is still
    valid, that one is kept and answered; ours is simply not used.
    """
    row = _registration_row(ctx, endpoints.discovery_url)
    kept = _usable(row, endpoints, redirect_uri, box) if row is not None else None
    if kept is not None:
        return kept
    if row is None:
        row = BackpackRegistration(discovery_url=endpoints.discovery_url)
        ctx.session.add(row)
    else:
        ctx.session.execute(
            delete(BackpackConnection).where(BackpackConnection.registration_id == row.id)
        )
    _set_endpoints(row, endpoints)
    row.redirect_uri, row.client_id, row.registered_at = redirect_uri, client_id, ctx.now
    row.client_secret_sealed = (
        box.seal(client_secret, _secret_purpose(endpoints.discovery_url)) if client_secret else None
    )
    ctx.session.flush()
    audit.record(
        ctx,
        "backpack.registered",
        "backpack_registration",
        row.id,
        backpack=endpoints.discovery_url,
    )
    return _opened_registration(row, box)


def registration_by_id(ctx: Context, registration_id: int, box: SecretBox) -> StoredRegistration:
    """A registration a pending authorization names; ``NotFound`` when it has been replaced."""
    row = ctx.session.get(BackpackRegistration, registration_id)
    try:
        if row is not None:
            return _opened_registration(row, box)
    except Unsealable:
        pass
    raise NotFound("That backpack registration no longer exists.", code="registration_gone")


def connection_for(
    ctx: Context, registration: StoredRegistration, box: SecretBox
) -> StoredConnection | None:
    """The signed-in earner's tokens at this backpack, or None (none stored, or unreadable)."""
    row = _connection_row(ctx, registration.id)
    if row is None:
        return None
    purpose = _token_purpose(ctx, registration.id)
    try:
        access = box.open(row.access_token_sealed, purpose + ":access")
        refresh = (
            box.open(row.refresh_token_sealed, purpose + ":refresh")
            if row.refresh_token_sealed
            else None
        )
    except Unsealable:
        return None
    return StoredConnection(registration.id, access, refresh, row.expires_at)


def save_connection(
    ctx: Context,
    registration: StoredRegistration,
    *,
    access_token: str,
    refresh_token: str | None,
    scope: str,
    expires_in: int | None,
    box: SecretBox,
) -> StoredConnection:
    """Store (or replace) the signed-in earner's tokens at this backpack, sealed."""
    account_id = _account_id(ctx)
    row = _connection_row(ctx, registration.id)
    if row is None:
        row = BackpackConnection(
            account_id=account_id, registration_id=registration.id, connected_at=ctx.now
        )
        ctx.session.add(row)
        action = "backpack.connected"
    else:
        action = "backpack.tokens_refreshed"
    purpose = _token_purpose(ctx, registration.id)
    row.access_token_sealed = box.seal(access_token, purpose + ":access")
    row.refresh_token_sealed = (
        box.seal(refresh_token, purpose + ":refresh") if refresh_token else None
    )
    row.scope = scope
    row.expires_at = ctx.now + timedelta(seconds=expires_in) if expires_in is not None else None
    row.updated_at = ctx.now
    ctx.session.flush()
    audit.record(ctx, action, "backpack_registration", registration.id)
    return StoredConnection(registration.id, access_token, refresh_token, row.expires_at)


def forget_connection(ctx: Context, registration_id: int, reason: str) -> None:
    """Drop the signed-in earner's tokens at a backpack that no longer accepts them."""
    result = ctx.session.execute(
        delete(BackpackConnection).where(
            BackpackConnection.account_id == _account_id(ctx),
            BackpackConnection.registration_id == registration_id,
        )
    )
    if result.rowcount:  # type: ignore[attr-defined]
        audit.record(
            ctx, "backpack.disconnected", "backpack_registration", registration_id, reason=reason
        )


def record_sent(
    ctx: Context, award_id: str, registration: StoredRegistration, created: bool
) -> None:
    """Audit that an award went to a backpack (added, or replacing the copy it held)."""
    audit.record(
        ctx,
        "award.sent_to_backpack",
        "award",
        award_id,
        backpack=registration.endpoints.discovery_url,
        result="added" if created else "replaced",
    )


def connected_backpacks(ctx: Context) -> list[tuple[str, str]]:
    """(name, address) of the backpacks the signed-in earner holds tokens for, newest first."""
    rows = ctx.session.execute(
        select(BackpackRegistration.name, BackpackRegistration.discovery_url)
        .join(BackpackConnection, BackpackConnection.registration_id == BackpackRegistration.id)
        .where(BackpackConnection.account_id == _account_id(ctx))
        .order_by(BackpackConnection.updated_at.desc())
    )
    return [(name, url) for name, url in rows]


def _credential_name(body: bytes) -> str:
    """The credential's own name (or its achievement's), for the outcome page."""
    document = json.loads(body)
    achievement = document.get("credentialSubject", {}).get("achievement", {})
    return str(document.get("name") or achievement.get("name") or "Badge")


def _registration_row(ctx: Context, discovery_url: str) -> BackpackRegistration | None:
    return ctx.session.scalar(
        select(BackpackRegistration).where(BackpackRegistration.discovery_url == discovery_url)
    )


def _connection_row(ctx: Context, registration_id: int) -> BackpackConnection | None:
    return ctx.session.scalar(
        select(BackpackConnection).where(
            BackpackConnection.account_id == _account_id(ctx),
            BackpackConnection.registration_id == registration_id,
        )
    )


def _usable(
    row: BackpackRegistration, endpoints: BackpackEndpoints, redirect_uri: str, box: SecretBox
) -> StoredRegistration | None:
    """The registration opened, unless it was made at another registration URL, for another
    callback URL, or under another SECRET_KEY: then it cannot be used any more."""
    if row.registration_url != endpoints.registration_url or row.redirect_uri != redirect_uri:
        return None
    try:
        return _opened_registration(row, box)
    except Unsealable:
        return None


def _set_endpoints(row: BackpackRegistration, endpoints: BackpackEndpoints) -> None:
    row.name, row.api_url = endpoints.name, endpoints.api_url
    row.authorization_url, row.token_url = endpoints.authorization_url, endpoints.token_url
    row.registration_url = endpoints.registration_url


def _opened_registration(row: BackpackRegistration, box: SecretBox) -> StoredRegistration:
    secret = None
    if row.client_secret_sealed:
        secret = box.open(row.client_secret_sealed, _secret_purpose(row.discovery_url))
    endpoints = BackpackEndpoints(
        discovery_url=row.discovery_url,
        name=row.name,
        api_url=row.api_url,
        authorization_url=row.authorization_url,
        token_url=row.token_url,
        registration_url=row.registration_url,
    )
    return StoredRegistration(row.id, endpoints, row.redirect_uri, row.client_id, secret)


def _account_id(ctx: Context) -> int:
    if ctx.actor.role is not Role.EARNER or ctx.actor.account_id is None:
        raise Forbidden("Only educators connect backpacks.", code="wrong_role")
    return ctx.actor.account_id


def _secret_purpose(discovery_url: str) -> str:
    return f"backpack-client-secret:{discovery_url}"


def _token_purpose(ctx: Context, registration_id: int) -> str:
    return f"backpack-token:{_account_id(ctx)}:{registration_id}"
