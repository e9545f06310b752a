"""Send to my backpack: the earner sends one of their badges to a backpack that implements the
1EdTech Open Badges 3.0 API, and sees what happened.

``POST /portfolio/backpack`` (the portfolio's form, CSRF-protected) reads the backpack's service
description, registers this service there once per backpack, and either sends at once with the
earner's stored tokens (refreshed when expired) or sends the browser to the backpack's consent page
with a fresh ``state`` and PKCE S256 verifier kept in the earner's session. The backpack sends the
browser back to ``GET /portfolio/backpack/callback``, which checks the state against the session,
swaps the code for tokens (stored sealed), and POSTs the credential exactly as we published it.

Each database step is its own short transaction and none is open during a network call. Every
failure ends on a page saying what went wrong; nothing is sent and nothing half-done is stored.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from issuer.api.errors import status_for
from issuer.backpack_client import (
    BackpackProblem,
    BackpackUrlRefused,
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
from issuer.errors import BadRequest, Forbidden, IssuerError
from issuer.runtime import Services
from issuer.signing.sealing import SecretBox
from issuer.web import csrf, read_as, signed_in
from issuer.workflow import backpack_sending
from issuer.workflow.backpack_sending import (
    SendableCredential,
    StoredConnection,
    StoredRegistration,
)
from issuer.workflow.context import Context

T = TypeVar("T")
blueprint = Blueprint("send_to_backpack", __name__)
SEND_PATH = "/portfolio/backpack"
CALLBACK_PATH = "/portfolio/backpack/callback"
PENDING = "backpack_pending"
PENDING_LIFETIME = timedelta(minutes=15)
MAX_AWARD_ID = 64
LOGO_PATH = "/static/issuer-logo.svg"
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class BackpackSessionLost(BadRequest):
    """The callback arrived without the signed-in earner or the sending they started."""

    code = "no_pending_send"


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


@blueprint.post(SEND_PATH)
def send() -> Any:
    """The portfolio's "Send to my backpack" form: send now, or go and ask for consent first."""
    csrf.protect()
    if signed_in() is None:
        return redirect(url_for("web.login"))
    given = request.form.get("backpack_url", "")
    try:
        actor = _earner(signed_in())
        credential = _credential(actor, request.form.get("award_id", ""))
        svc = _services()
        remote = _remote(svc)
        discovery_url = discovery_url_for(given, allow_http=svc.settings.verify_allow_private)
        registration = _registration(actor, remote, remote.discover(discovery_url))
        sent = _send_with_stored_tokens(actor, remote, registration, credential)
        if sent is not None:
            return sent
        return _ask_for_consent(actor, remote, registration, credential)
    except IssuerError as problem:
        return _failed(problem)


@blueprint.get(CALLBACK_PATH)
def callback() -> Any:
    """Where the backpack sends the browser back: check the state, get tokens, send the badge."""
    pending = session.pop(PENDING, None)  # an answer is accepted once, right or wrong
    try:
        actor = _earner(signed_in())
        pending = _checked_pending(pending, actor)
        registration = read_as(
            actor,
            lambda ctx: backpack_sending.registration_by_id(ctx, pending["registration"], _box()),
        )
        _refused_consent(registration)
        code = request.args.get("code", "")
        if not code:
            raise BadRequest("The backpack sent no authorization code; nothing was sent.")
        credential = _credential(actor, pending["award"])  # still theirs, still not revoked
        remote = _remote(_services())
        tokens = remote.exchange_code(
            registration.endpoints.token_url,
            _client(registration),
            registration.redirect_uri,
            code,
            pending["verifier"],
        )
        connection = _in_transaction(
            actor,
            lambda ctx: backpack_sending.save_connection(
                ctx,
                registration,
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token,
                scope=tokens.scope,
                expires_in=tokens.expires_in,
                box=_box(),
            ),
        )
        return _upsert(actor, remote, registration, connection, credential)
    except IssuerError as problem:
        return _failed(problem)


def _earner(actor: Actor | None) -> Actor:
    """The signed-in earner; refuses no one signed in, and people who are not educators."""
    if actor is None:
        raise BackpackSessionLost("Sign in again, then send the badge again from your portfolio.")
    if actor.role is not Role.EARNER:
        raise Forbidden("Only educators send their badges to a backpack.", code="wrong_role")
    return actor


def _checked_pending(pending: Any, actor: Actor) -> dict[str, Any]:
    """The sending this browser started, if the answer is for it (``state``) and still fresh."""
    if not isinstance(pending, dict) or pending.get("account") != actor.account_id:
        raise BackpackSessionLost(
            "No sending to a backpack is in progress here; send the badge again from your portfolio."
        )
    started = datetime.fromisoformat(str(pending.get("started")))
    if _services().clock() - started > PENDING_LIFETIME:
        raise BackpackSessionLost("That took too long; send the badge again from your portfolio.")
    if not hmac.compare_digest(request.args.get("state", ""), str(pending.get("state"))):
        raise BackpackSessionLost(
            "The backpack's answer does not match the sending you started here (state mismatch); "
            "nothing was sent."
        )
    return pending


def _refused_consent(registration: StoredRegistration) -> None:
    """An ``error`` in the callback: the earner said no, or the backpack stopped the request."""
    error = request.args.get("error")
    if error is None:
        return
    name = registration.endpoints.name
    if error == "access_denied":
        raise ConsentDenied(
            f"You did not allow this service to add badges to {name}; nothing was sent."
        )
    said = " ".join(f"{error[:60]} {request.args.get('error_description', '')}".split())[:300]
    raise ConsentDenied(f"{name} stopped the connection ({said}); nothing was sent.")


def _credential(actor: Actor, award_id: str) -> SendableCredential:
    if not award_id or len(award_id) > MAX_AWARD_ID:
        raise BadRequest("Choose one of your badges to send.")
    return read_as(actor, lambda ctx: backpack_sending.sendable_credential(ctx, award_id))


def _registration(
    actor: Actor, remote: RemoteBackpack, endpoints: BackpackEndpoints
) -> StoredRegistration:
    """Our registration at this backpack: the stored one, or a new one (RFC 7591) stored now."""
    redirect_uri = _callback_url()
    stored = _in_transaction(
        actor,
        lambda ctx: backpack_sending.usable_registration(ctx, endpoints, redirect_uri, _box()),
    )
    if stored is not None:
        return stored
    made = remote.register(endpoints, _profile(redirect_uri))
    return _in_transaction(
        actor,
        lambda ctx: backpack_sending.save_registration(
            ctx, endpoints, redirect_uri, made.client_id, made.client_secret, _box()
        ),
    )


def _send_with_stored_tokens(
    actor: Actor,
    remote: RemoteBackpack,
    registration: StoredRegistration,
    credential: SendableCredential,
) -> Response | None:
    """Send with the earner's stored tokens (refreshed if expired); None when there are none
    or the backpack no longer accepts them (they are then forgotten)."""
    connection = read_as(
        actor, lambda ctx: backpack_sending.connection_for(ctx, registration, _box())
    )
    if connection is None:
        return None
    try:
        if connection.expired(_services().clock()):
            connection = _refreshed(actor, remote, registration, connection)
        return _upsert(actor, remote, registration, connection, credential)
    except (TokenRefused, TokenRejected) as problem:
        reason = problem.code
        _in_transaction(
            actor, lambda ctx: backpack_sending.forget_connection(ctx, registration.id, reason)
        )
        return None


def _refreshed(
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
    return _in_transaction(
        actor,
        lambda ctx: backpack_sending.save_connection(
            ctx,
            registration,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token or connection.refresh_token,
            scope=tokens.scope,
            expires_in=tokens.expires_in,
            box=_box(),
        ),
    )


def _upsert(
    actor: Actor,
    remote: RemoteBackpack,
    registration: StoredRegistration,
    connection: StoredConnection,
    credential: SendableCredential,
) -> Response:
    """POST the credential's stored bytes (upsertCredential), audit it, show the outcome."""
    created = remote.upsert_credential(
        registration.endpoints.credentials_url,
        connection.access_token,
        credential.body,
        credential.media_type,
    )
    _in_transaction(
        actor,
        lambda ctx: backpack_sending.record_sent(ctx, credential.award_id, registration, created),
    )
    name = registration.endpoints.name
    message = (
        f"“{credential.name}” is now in {name}."
        if created
        else f"“{credential.name}” was already in {name}; it now holds this copy."
    )
    return _page("Sent to your backpack", message, ok=True, status=200, backpack=registration)


def _ask_for_consent(
    actor: Actor,
    remote: RemoteBackpack,
    registration: StoredRegistration,
    credential: SendableCredential,
) -> Response:
    """Remember state and verifier in the earner's session, and go to the backpack's consent."""
    asked = remote.authorization_request(
        registration.endpoints.authorization_url, _client(registration), registration.redirect_uri
    )
    session[PENDING] = {
        "state": asked.state,
        "verifier": asked.code_verifier,
        "award": credential.award_id,
        "registration": registration.id,
        "account": actor.account_id,
        "started": _services().clock().isoformat(),
    }
    return redirect(asked.url, code=303)


def _failed(problem: IssuerError) -> Response:
    if isinstance(problem, ConsentDenied):
        status = 200
    elif isinstance(problem, BackpackProblem) and not isinstance(problem, BackpackUrlRefused):
        status = 502
    else:
        status = status_for(problem)
    return _page("Not sent", problem.message, ok=False, status=status, backpack=None)


def _page(
    title: str, message: str, *, ok: bool, status: int, backpack: StoredRegistration | None
) -> Response:
    html = render_template(
        "backpack_sent.html",
        title=title,
        message=message,
        ok=ok,
        backpack=backpack.endpoints if backpack else None,
    )
    return Response(html, status=status, headers=PAGE_HEADERS, mimetype="text/html")


def _in_transaction(actor: Actor, work: Callable[[Context], T]) -> T:
    """One write transaction (retried when it lost a race), nothing else."""
    svc = _services()
    return svc.db.run_write(lambda db_session: work(svc.context(db_session, actor)))


def _remote(svc: Services) -> RemoteBackpack:
    return RemoteBackpack(allow_private=svc.settings.verify_allow_private)


def _box() -> SecretBox:
    return SecretBox(_services().settings.secret_key)


def _client(registration: StoredRegistration) -> ClientRegistration:
    return ClientRegistration(registration.client_id, registration.client_secret)


def _callback_url() -> str:
    return _services().settings.base_url + CALLBACK_PATH


def _profile(redirect_uri: str) -> ClientProfile:
    settings = _services().settings
    urls = OAuthUrls(settings.base_url)
    return ClientProfile(
        name=f"{settings.ptsb_name} badges",
        home_url=settings.base_url,
        redirect_uri=redirect_uri,
        terms_url=urls.terms,
        privacy_url=urls.privacy,
        logo_url=settings.base_url + LOGO_PATH,
    )
