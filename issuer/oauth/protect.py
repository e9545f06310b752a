"""Resource-server side: which earner and app a bearer token stands for, and with which scopes.

Authlib's ``ResourceProtector`` and RFC 6750 validator decide (missing, unknown, expired or
revoked token: 401 ``invalid_token``; a scope the token lacks: 403 ``insufficient_scope``); a
refusal becomes ``OAuthRefused`` so the API can answer it in its own error format.
"""

from __future__ import annotations

from dataclasses import dataclass

from authlib.integrations.flask_oauth2.requests import FlaskJsonRequest
from authlib.oauth2 import OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6750 import BearerTokenValidator
from flask import current_app, request

from issuer.domain.actors import SYSTEM, Actor
from issuer.oauth.records import Token
from issuer.oauth.scopes import split
from issuer.runtime import Services
from issuer.workflow.accounts.accounts import actor_for
from issuer.workflow.context import Context
from issuer.workflow.integrations import oauth_grants

REALM = "ob3"


@dataclass(frozen=True)
class Grant:
    """An authorized request: the earner (as an actor), the app's client row id, its scopes."""

    actor: Actor
    client_pk: int
    scopes: frozenset[str]


class OAuthRefused(Exception):
    """A protected request refused: HTTP status, OAuth error code, description, headers."""

    def __init__(self, status: int, error: str, description: str, headers: list[tuple[str, str]]):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers


class _Validator(BearerTokenValidator):  # type: ignore[misc]  # Authlib is untyped
    """Looks bearer tokens up by hash and judges expiry on the service clock."""

    def __init__(self, ctx: Context, realm: str) -> None:
        super().__init__(realm=realm)
        self.ctx = ctx

    def authenticate_token(self, token_string: str) -> Token | None:
        row = oauth_grants.token_by_access(self.ctx, token_string)
        return Token(row, self.ctx.now) if row is not None else None


def require(scope: str, realm: str = REALM) -> Grant:
    """The grant behind this request's bearer token, which must carry ``scope``.

    Raises ``OAuthRefused`` (401 or 403) otherwise, and also when the account behind the token
    is gone or is no earner's (only earners grant apps access). ``realm`` names the API in the
    ``WWW-Authenticate`` challenge.
    """
    svc: Services = current_app.extensions["issuer.services"]
    session = svc.db.session()
    try:
        ctx = svc.context(session, SYSTEM)
        token = _validate(ctx, scope, realm)
        account = oauth_grants.account(ctx, token.row.account_id)
    finally:
        session.close()
    if account is None:
        raise _refusal(
            401, "invalid_token", "The account behind this token no longer exists.", realm
        )
    return Grant(actor_for(account), token.row.client_id, frozenset(split(token.row.scope)))


def _validate(ctx: Context, scope: str, realm: str) -> Token:
    protector = ResourceProtector()
    protector.register_token_validator(_Validator(ctx, realm))
    try:
        token: Token = protector.validate_request([scope], FlaskJsonRequest(request))
    except OAuth2Error as error:
        raise _from_authlib(error, scope, realm) from None
    return token


def _from_authlib(error: OAuth2Error, scope: str, realm: str) -> OAuthRefused:
    """RFC 6750 §3: no error code without credentials; the needed scope with insufficient_scope."""
    code = error.error or "invalid_token"
    description = error.get_error_description()
    if code == "insufficient_scope":
        header = f'Bearer realm="{realm}", error="insufficient_scope", scope="{scope}"'
        return OAuthRefused(403, code, description, [("WWW-Authenticate", header)])
    if code in ("missing_authorization", "unsupported_token_type"):
        return OAuthRefused(
            401, code, description, [("WWW-Authenticate", f'Bearer realm="{realm}"')]
        )
    return _refusal(401, "invalid_token", description, realm)


def _refusal(status: int, error: str, description: str, realm: str) -> OAuthRefused:
    header = f'Bearer realm="{realm}", error="{error}"'
    return OAuthRefused(status, error, description, [("WWW-Authenticate", header)])
