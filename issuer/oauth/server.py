"""The Authlib authorization server: code grant with S256 PKCE, refresh, RFC 7009, RFC 7591.

Authlib runs the protocol; the subclasses here only say where rows live (``issuer.workflow.
oauth_grants``) and tighten policy: PKCE is required and only ``S256`` is accepted, clients
authenticate with ``client_secret_basic`` (as the Open Badges 3.0 API asks), refresh tokens rotate,
and dynamic registration accepts https redirect URIs (http only on loopback, RFC 8252 §7.3).

Each request's database work runs in one transaction opened by the view (``unit_of_work``); the
callbacks Authlib makes during that request find its context in ``flask.g``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from authlib.common.security import is_secure_transport
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidRequestError, grants
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientMetadataClaims, ClientRegistrationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, current_app, g
from flask import request as http_request
from joserfc.errors import InvalidClaimError

from issuer.domain import oid4vci
from issuer.domain.actors import Actor
from issuer.domain.oauth_urls import OAuthUrls
from issuer.oauth.records import AuthorizationCode, Client, Token
from issuer.oauth.scopes import SCOPES
from issuer.runtime import Services
from issuer.workflow.context import Context
from issuer.workflow.integrations import oauth_grants
from issuer.workflow.integrations.oauth_grants import GrantingAccount

ACCESS_TOKEN_SECONDS = 3600
AUTH_METHODS = ["client_secret_basic"]
GRANT_TYPES = ["authorization_code", "refresh_token"]
MAX_REDIRECT_URIS = 10
_CONTEXT = "oauth_ctx"
_EXTENSION = "issuer.oauth"


def _services() -> Services:
    return current_app.extensions["issuer.services"]  # type: ignore[no-any-return]


@contextmanager
def unit_of_work(actor: Actor) -> Iterator[Context]:
    """One transaction for one OAuth request; Authlib's callbacks use its context."""
    svc = _services()
    with svc.db.transaction() as session:
        g.oauth_ctx = svc.context(session, actor)
        try:
            yield g.oauth_ctx
        finally:
            g.pop(_CONTEXT, None)


def _ctx() -> Context:
    ctx = g.get(_CONTEXT)
    if ctx is None:  # a programming error: an OAuth view forgot ``unit_of_work``
        raise RuntimeError("OAuth storage used outside unit_of_work")
    return ctx  # type: ignore[no-any-return]


def server_metadata(base_url: str) -> dict[str, Any]:
    """RFC 8414 metadata; dynamic registration checks client metadata against it too."""
    urls = OAuthUrls(base_url)
    return {
        "issuer": base_url,
        "authorization_endpoint": urls.authorize,
        "token_endpoint": urls.token,
        "revocation_endpoint": urls.revoke,
        "registration_endpoint": urls.register,
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "service_documentation": urls.discovery,
        "op_policy_uri": urls.privacy,
        "op_tos_uri": urls.terms,
        # OpenID4VCI: wallets redeem a pre-authorized code at the same token endpoint.
        **oid4vci.authorization_server_additions(),
        "grant_types_supported": [*GRANT_TYPES, oid4vci.PRE_AUTHORIZED_GRANT],
    }


class S256Only(CodeChallenge):  # type: ignore[misc]  # Authlib is untyped
    """PKCE on every authorization request, and only the S256 method (no ``plain``)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send a code_challenge (S256).")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    """The authorization code grant, codes stored hashed and used once."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        oauth_grants.save_code(
            _ctx(),
            code,
            request.client.row,
            redirect_uri=request.payload.redirect_uri or "",
            scope=request.scope,
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        row = oauth_grants.claim_code(_ctx(), code, client.row)
        return AuthorizationCode(row) if row is not None else None

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        oauth_grants.use_code(_ctx(), authorization_code.row)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> GrantingAccount | None:
        return oauth_grants.account(_ctx(), authorization_code.row.account_id)


class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    """Refresh tokens rotate: each use answers a new pair and revokes the old one."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        ctx = _ctx()
        row = oauth_grants.token_by_refresh(ctx, refresh_token)
        if row is None or not oauth_grants.usable_refresh(ctx, row):
            return None
        return Token(row, ctx.now)

    def authenticate_user(self, refresh_token: Token) -> GrantingAccount | None:
        return oauth_grants.account(_ctx(), refresh_token.row.account_id)

    def revoke_old_credential(self, refresh_token: Token) -> None:
        oauth_grants.revoke_token(_ctx(), refresh_token.row, reason="refresh token rotated")


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009: a client revokes its own access or refresh token (both go together)."""

    CLIENT_AUTH_METHODS = AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        ctx = _ctx()
        lookups = [oauth_grants.token_by_access, oauth_grants.token_by_refresh]
        if token_type_hint == "refresh_token":  # noqa: S105 - a hint orders the search, never limits it
            lookups.reverse()
        for lookup in lookups:
            row = lookup(ctx, token_string)
            if row is not None:
                return Token(row, ctx.now)
        return None

    def revoke_token(self, token: Token, request: Any) -> None:
        oauth_grants.revoke_token(_ctx(), token.row, reason="revoked by the client")


class RegistrationClaims(ClientMetadataClaims):  # type: ignore[misc]
    """RFC 7591 metadata, plus what we insist on: a name, and redirect URIs that are safe."""

    @classmethod
    def get_claims_options(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = super().get_claims_options(metadata)
        options["client_name"] = {"essential": True}
        options["redirect_uris"] = {"essential": True}
        return options

    def validate_redirect_uris(self) -> None:
        uris = self.get("redirect_uris")
        if not isinstance(uris, list) or not 1 <= len(uris) <= MAX_REDIRECT_URIS:
            raise InvalidClaimError("redirect_uris")
        for uri in uris:
            if not isinstance(uri, str) or "#" in uri or not is_secure_transport(uri):
                raise InvalidClaimError("redirect_uris")
        super().validate_redirect_uris()

    def validate_client_name(self) -> None:
        name = self.get("client_name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise InvalidClaimError("client_name")

    def validate_scope(self) -> None:
        if "scope" not in self:  # omitted: the client may ask for any of the API's scopes
            self["scope"] = " ".join(SCOPES)
        elif not isinstance(self["scope"], str):
            raise InvalidClaimError("scope")


class Registration(ClientRegistrationEndpoint):  # type: ignore[misc]
    """RFC 7591 open registration, as the OB 3.0 API expects: any app may register itself."""

    def authenticate_token(self, request: Any) -> bool:
        return True  # no initial access token: the earner's consent is the gate, not registration

    def get_server_metadata(self) -> dict[str, Any]:
        return server_metadata(_services().settings.base_url)

    def save_client(
        self, client_info: dict[str, Any], client_metadata: dict[str, Any], request: Any
    ) -> Client:
        row = oauth_grants.register_client(
            _ctx(),
            client_info["client_id"],
            client_info["client_secret"],
            client_metadata,
            registered_from=http_request.remote_addr,
        )
        return Client(row)


class OAuthServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's Flask authorization server wired to our storage."""

    def query_client(self, client_id: str) -> Client | None:
        row = oauth_grants.find_client(_ctx(), client_id)
        return Client(row) if row is not None else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        code = request.authorization_code
        old = request.refresh_token
        code_id = code.row.id if code is not None else old.row.code_id if old else None
        oauth_grants.save_token(_ctx(), request.client.row, request.user.id, token, code_id)


def build_server(app: Flask) -> OAuthServer:
    """Configure Authlib for ``app``: token lifetimes, scopes, grants and endpoints."""
    app.config.update(
        OAUTH2_SCOPES_SUPPORTED=list(SCOPES),
        OAUTH2_REFRESH_TOKEN_GENERATOR=True,
        OAUTH2_TOKEN_EXPIRES_IN=dict.fromkeys(GRANT_TYPES, ACCESS_TOKEN_SECONDS),
    )
    server = OAuthServer()
    server.init_app(app)
    server.register_grant(CodeGrant, [S256Only(required=True)])
    server.register_grant(RefreshGrant)
    server.register_endpoint(Revocation)
    server.register_endpoint(Registration(claims_classes=[RegistrationClaims]))
    app.extensions[_EXTENSION] = server
    return server


def current_server() -> OAuthServer:
    """The authorization server of the running app."""
    return current_app.extensions[_EXTENSION]  # type: ignore[no-any-return]
