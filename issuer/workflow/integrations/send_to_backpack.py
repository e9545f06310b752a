"""Send to my backpack, the use case: an earner sends one of their badges to a backpack that
implements the 1EdTech Open Badges 3.0 API.

``send`` reads the backpack's service description, registers this service there once per
backpack, and either sends at once with the earner's stored tokens (refreshed when expired) or
answers ``ConsentNeeded``: the adapter keeps its ``pending`` in the earner's session and sends the
browser to the backpack's consent page. ``finish`` takes the backpack's answer with that pending
sending, swaps the code for tokens (stored sealed) and POSTs the credential exactly as published.

Each database step (``backpack_sending``) is its own short transaction and none is open during a
network call. Every failure raises an ``IssuerError``; nothing is sent and nothing half-done is
stored.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from issuer.backpack_client import (
    ClientProfile,
    ClientRegistration,
    ConsentDenied,
    RemoteBackpack,
    TokenRefused,
    TokenRejected,
    discovery_url_for,
)
from issuer.domain.actors import Actor
from issuer.domain.backpacks import BackpackEndpoints
from issuer.domain.oauth_urls import OAuthUrls
from issuer.domain.states import Role
from issuer.errors import BadRequest, Forbidden
from issuer.signing.sealing import SecretBox
from issuer.workflow.context import Context
from issuer.workflow.integrations import backpack_sending
from issuer.workflow.integrations.backpack_sending import (
    SendableCredential,
    StoredConnection,
    StoredRegistration,
)
from issuer.workflow.services import Services

T = TypeVar("T")
CALLBACK_PATH = "/portfolio/backpack/callback"
PENDING_LIFETIME = timedelta(minutes=15)
MAX_AWARD_ID = 64
LOGO_PATH = "/static/issuer-logo.svg"


class BackpackSessionLost(BadRequest):
    """The callback arrived without the signed-in earner or the sending they started."""

    code = "no_pending_send"


@dataclass(frozen=True)
class Sent:
    """The credential is in the backpack: ``created`` False when it replaced a copy there."""

    credential_name: str
    backpack: BackpackEndpoints
    created: bool


@dataclass(frozen=True)
class ConsentNeeded:
    """Go to ``url`` (the backpack's consent page); keep ``pending`` for ``finish``."""

    url: str
    pending: dict[str, Any]


@dataclass(frozen=True)
class BackpackAnswer:
    """What the backpack sent the browser back with (the callback's query)."""

    state: str
    code: str
    error: str | None
    error_description: str


def send(
    services: Services, actor: Actor | None, award_id: str, backpack_url: str
) -> Sent | ConsentNeeded:
    """Send now with stored tokens, or say where to ask the earner's consent first."""
    earner = _earner(actor)
    credential = _credential(services, earner, award_id)
    remote = _remote(services)
    allow_http = services.settings.verify_allow_private
    endpoints = remote.discover(discovery_url_for(backpack_url, allow_http=allow_http))
    registration = _registration(services, earner, remote, endpoints)
    sent = _send_with_stored_tokens(services, earner, remote, registration, credential)
    if sent is not None:
        return sent
    return _ask_for_consent(services, earner, remote, registration, credential)


def finish(services: Services, actor: Actor | None, pending: Any, answer: BackpackAnswer) -> Sent:
    """The backpack's answer to the sending ``pending`` describes: tokens, then the credential."""
    earner = _earner(actor)
    started = _checked_pending(services, pending, earner, answer.state)
    box = _box(services)
    registration = _read(
        services,
        earner,
        lambda ctx: backpack_sending.registration_by_id(ctx, started["registration"], box),
    )
    _refused_consent(registration, answer)
    if not answer.code:
        raise BadRequest("The backpack sent no authorization code; nothing was sent.")
    credential = _credential(services, earner, started["award"])  # still theirs, not revoked
    remote = _remote(services)
    tokens = remote.exchange_code(
        registration.endpoints.token_url,
        _client(registration),
        registration.redirect_uri,
        answer.code,
        started["verifier"],
    )
    connection = _write(
        services,
        earner,
        lambda ctx: backpack_sending.save_connection(
            ctx,
            registration,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            scope=tokens.scope,
            expires_in=tokens.expires_in,
            box=box,
        ),
    )
    return _upsert(services, earner, remote, registration, connection, credential)


def _earner(actor: Actor | None) -> Actor:
    """The signed-in earner; refuses no one signed in, and people who are not educators."""
    if actor is None:
        raise BackpackSessionLost("Sign in again, then send the badge again from your portfolio.")
    if actor.role is not Role.EARNER:
        raise Forbidden("Only educators send their badges to a backpack.", code="wrong_role")
    return actor


def _checked_pending(services: Services, pending: Any, actor: Actor, state: str) -> dict[str, Any]:
    """The sending this browser started, if the answer is for it (``state``) and still fresh."""
    if not isinstance(pending, dict) or pending.get("account") != actor.account_id:
        raise BackpackSessionLost(
            "No sending to a backpack is in progress here; send the badge again from your portfolio."
        )
    started = datetime.fromisoformat(str(pending.get("started")))
    if services.clock() - started > PENDING_LIFETIME:
        raise BackpackSessionLost("That took too long; send the badge again from your portfolio.")
    if not hmac.compare_digest(state, str(pending.get("state"))):
        raise BackpackSessionLost(
            "The backpack's answer does not match the sending you started here (state mismatch); "
            "nothing was sent."
        )
    return pending


def _refused_consent(registration: StoredRegistration, answer: BackpackAnswer) -> None:
    """An ``error`` in the callback: the earner said no, or the backpack stopped the request."""
    error = answer.error
    if error is None:
        return
    name = registration.endpoints.name
    if error == "access_denied":
        raise ConsentDenied(
            f"You did not allow this service to add badges to {name}; nothing was sent."
        )
    said = " ".join(f"{error[:60]} {answer.error_description}".split())[:300]
    raise ConsentDenied(f"{name} stopped the connection ({said}); nothing was sent.")


def _credential(services: Services, actor: Actor, award_id: str) -> SendableCredential:
    if not award_id or len(award_id) > MAX_AWARD_ID:
        raise BadRequest("Choose one of your badges to send.")
    return _read(services, actor, lambda ctx: backpack_sending.sendable_credential(ctx, award_id))


def _registration(
    services: Services, actor: Actor, remote: RemoteBackpack, endpoints: BackpackEndpoints
) -> StoredRegistration:
    """Our registration at this backpack: the stored one, or a new one (RFC 7591) stored now."""
    redirect_uri = services.settings.base_url + CALLBACK_PATH
    box = _box(services)
    stored = _write(
        services,
        actor,
        lambda ctx: backpack_sending.usable_registration(ctx, endpoints, redirect_uri, box),
    )
    if stored is not None:
        return stored
    made = remote.register(endpoints, _profile(services, redirect_uri))
    return _write(
        services,
        actor,
        lambda ctx: backpack_sending.save_registration(
            ctx, endpoints, redirect_uri, made.client_id, made.client_secret, box
        ),
    )


def _send_with_stored_tokens(
    services: Services,
    actor: Actor,
    remote: RemoteBackpack,
    registration: StoredRegistration,
    credential: SendableCredential,
) -> Sent | None:
    """Send with the earner's stored tokens (refreshed if expired); None when there are none
    or the backpack no longer accepts them (they are then forgotten)."""
    box = _box(services)
    connection = _read(
        services, actor, lambda ctx: backpack_sending.connection_for(ctx, registration, box)
    )
    if connection is None:
        return None
    try:
        if connection.expired(services.clock()):
            connection = _refreshed(services, actor, remote, registration, connection)
        return _upsert(services, actor, remote, registration, connection, credential)
    except (TokenRefused, TokenRejected) as problem:
        reason = problem.code
        _write(
            services,
            actor,
            lambda ctx: backpack_sending.forget_connection(ctx, registration.id, reason),
        )
        return None


def _refreshed(
    services: Services,
    actor: Actor,
    remote: RemoteBackpack,
    registration: StoredRegistration,
    connection: StoredConnection,
) -> StoredConnection:
    if connection.refresh_token is None:
        raise TokenRejected("The access token expired and there is no refresh token.")
    tokens = remote.refresh(
        registration.endpoints.token_url, _client(registration), connection.refresh_token
    )
    box = _box(services)
    return _write(
        services,
        actor,
        lambda ctx: backpack_sending.save_connection(
            ctx,
            registration,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token or connection.refresh_token,
            scope=tokens.scope,
            expires_in=tokens.expires_in,
            box=box,
        ),
    )


def _upsert(
    services: Services,
    actor: Actor,
    remote: RemoteBackpack,
    registration: StoredRegistration,
    connection: StoredConnection,
    credential: SendableCredential,
) -> Sent:
    """POST the credential's stored bytes (upsertCredential) and audit it."""
    created = remote.upsert_credential(
        registration.endpoints.credentials_url,
        connection.access_token,
        credential.body,
        credential.media_type,
    )
    _write(
        services,
        actor,
        lambda ctx: backpack_sending.record_sent(ctx, credential.award_id, registration, created),
    )
    return Sent(credential.name, registration.endpoints, created)


def _ask_for_consent(
    services: Services,
    actor: Actor,
    remote: RemoteBackpack,
    registration: StoredRegistration,
    credential: SendableCredential,
) -> ConsentNeeded:
    """A fresh ``state`` and PKCE verifier to keep until the backpack answers."""
    asked = remote.authorization_request(
        registration.endpoints.authorization_url, _client(registration), registration.redirect_uri
    )
    pending = {
        "state": asked.state,
        "verifier": asked.code_verifier,
        "award": credential.award_id,
        "registration": registration.id,
        "account": actor.account_id,
        "started": services.clock().isoformat(),
    }
    return ConsentNeeded(asked.url, pending)


def _read(services: Services, actor: Actor, work: Callable[[Context], T]) -> T:
    """A read in a session of its own, closed before any network call."""
    db_session = services.db.session()
    try:
        return work(services.context(db_session, actor))
    finally:
        db_session.close()


def _write(services: Services, actor: Actor, work: Callable[[Context], T]) -> T:
    """One write transaction (retried when it lost a race), nothing else."""
    return services.db.run_write(lambda db_session: work(services.context(db_session, actor)))


def _remote(services: Services) -> RemoteBackpack:
    return RemoteBackpack(allow_private=services.settings.verify_allow_private)


def _box(services: Services) -> SecretBox:
    return SecretBox(services.settings.secret_key)


def _client(registration: StoredRegistration) -> ClientRegistration:
    return ClientRegistration(registration.client_id, registration.client_secret)


def _profile(services: Services, redirect_uri: str) -> ClientProfile:
    settings = services.settings
    urls = OAuthUrls(settings.base_url)
    return ClientProfile(
        name=f"{settings.ptsb_name} badges",
        home_url=settings.base_url,
        redirect_uri=redirect_uri,
        terms_url=urls.terms,
        privacy_url=urls.privacy,
        logo_url=settings.base_url + LOGO_PATH,
    )
