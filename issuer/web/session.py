"""The one sign-in and session reader of people's pages (``/login``, the portfolio, the OAuth
consent page, send to backpack): who is signed in, signing in from the form, signing out.

The signed cookie holds the account id and the account's session generation at sign-in; each
request checks it against the database, so signing out or a new password ends every session of the
account, not only the cookie in this browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from issuer.domain.actors import Actor
from issuer.errors import RateLimited
from issuer.runtime import Services
from issuer.workflow.accounts import signin

if TYPE_CHECKING:
    from flask import Flask
    from flask import Request as FlaskRequest
    from itsdangerous import URLSafeTimedSerializer

SESSION_KEY = "actor"
NOT_RECOGNISED = "The email or password is not right."


@dataclass(frozen=True)
class SignInRefused:
    """Why the form's email and password did not sign anyone in, and the status to answer."""

    message: str
    status: int


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


def signed_in() -> Actor | None:
    """The person this request's session belongs to, or None (read once per request)."""
    if "signed_in" not in g:
        g.signed_in = _read_session()
    return g.signed_in  # type: ignore[no-any-return]


def _read_session() -> Actor | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    with _services().db.session() as db_session:
        actor = signin.session_actor(db_session, data.get("id"), data.get("generation"))
    if actor is None:
        session.pop(SESSION_KEY, None)  # ended elsewhere: stop sending a dead cookie
    return actor


def sign_in_from_form() -> Actor | SignInRefused:
    """Check the posted email and password (rate-limited per email and client address); on
    success the session is renewed for the account."""
    svc = _services()
    try:
        with svc.db.transaction() as db_session:
            actor = signin.sign_in(
                db_session,
                request.form.get("email", ""),
                request.form.get("password", ""),
                request.remote_addr or "-",
                svc.clock(),
            )
            generation = (
                signin.session_generation(db_session, actor.account_id)
                if actor is not None and actor.account_id is not None
                else None
            )
    except RateLimited as exc:
        return SignInRefused(exc.message, 429)
    if actor is None or generation is None:
        return SignInRefused(NOT_RECOGNISED, 401)
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = {"id": actor.account_id, "generation": generation}
    g.signed_in = actor
    return actor


def sign_out() -> None:
    """End every session of the signed-in account (other browsers too), then this cookie."""
    actor = signed_in()
    if actor is not None and actor.account_id is not None:
        account_id = actor.account_id
        with _services().db.transaction() as db_session:
            signin.end_sessions(db_session, account_id)
    session.clear()
    g.signed_in = None


def keep_after_password_change(account_id: int, generation: int) -> None:
    """A new password ended every session of the account; this browser's, which made the
    change, carries on with the account's new generation."""
    session[SESSION_KEY] = {"id": account_id, "generation": generation}
    g.pop("signed_in", None)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, opened only when a request carries a cookie.

    Flask builds the cookie's signing serializer on every request, even one without a cookie
    (every public read: verifiers send none), which cost a public read a fifth of its time. A
    request without a cookie gets an empty session at once; the serializer is built once per
    secret and kept.
    """

    def __init__(self) -> None:
        self._serializers: dict[object, URLSafeTimedSerializer | None] = {}

    def open_session(self, app: Flask, request: FlaskRequest) -> SecureCookieSession | None:
        if not app.secret_key:
            return None
        if "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if key not in self._serializers:
            self._serializers[key] = super().get_signing_serializer(app)
        return self._serializers[key]
