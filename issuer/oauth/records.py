"""Our rows seen through Authlib's model interfaces (client, authorization code, token)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from issuer.oauth.scopes import split
from issuer.workflow.integrations import oauth_grants
from issuer.workflow.integrations.oauth_grants import ClientRecord, CodeRecord, TokenRecord


class Client(ClientMixin):  # type: ignore[misc]  # Authlib is untyped
    """A registered client; what it may do comes from its RFC 7591 metadata."""

    def __init__(self, row: ClientRecord) -> None:
        self.row = row
        self.metadata: dict[str, Any] = dict(row.client_metadata or {})

    @property
    def redirect_uris(self) -> list[str]:
        return list(self.metadata.get("redirect_uris") or [])

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        """Only an unambiguous default: with several registered URIs the request must name one."""
        uris = self.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scopes when all were registered for this client; None refuses them."""
        requested = split(scope)
        allowed = set(split(self.metadata.get("scope")))
        if not requested or not set(requested) <= allowed:
            return None
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return oauth_grants.secret_matches(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.metadata.get("token_endpoint_auth_method", "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return response_type in (self.metadata.get("response_types") or ["code"])

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (self.metadata.get("grant_types") or ["authorization_code"])


class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    """A stored code; ``code_challenge`` and its method are read by Authlib's PKCE extension."""

    def __init__(self, row: CodeRecord) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class Token(TokenMixin):  # type: ignore[misc]
    """A stored token judged at ``now`` (the service clock, so tests can move time)."""

    def __init__(self, row: TokenRecord, now: datetime) -> None:
        self.row = row
        self.now = now

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.row.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - self.row.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return oauth_grants.access_expired(self.row, self.now)

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None
