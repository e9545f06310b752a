"""The service as an OAuth 2.0 client of an earner's backpack (the 1EdTech Open Badges 3.0 API).

Each step is one method: read the service description, register dynamically (RFC 7591), build the
authorization request with PKCE S256 (Authlib makes the state, the challenge and the URL), swap the
code for tokens, refresh them, and POST a credential to ``upsertCredential``. The protocol is
Authlib's (``OAuth2Session`` on ``requests``); every request goes through the SSRF-safe transport.
Failures become ``BackpackProblem`` errors whose message the earner can read; nothing here stores
anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from requests import HTTPError, RequestException, Response, Session

from issuer.backpack_client import errors
from issuer.backpack_client.discovery import UPSERT_SCOPE, parse_service_description
from issuer.backpack_client.transport import TIMEOUT_SECONDS, guarded_session
from issuer.domain.backpacks import BackpackEndpoints
from issuer.verify.fetch import FetchFailed, FetchRefused, Resolver, system_resolver

AUTH_METHOD = "client_secret_basic"
PUBLIC_AUTH_METHOD = "none"
SOFTWARE_ID = "5f0c2d1e-8c3b-4f7e-9a51-2b6d0c7e4a93"  # this software, the same in every deployment
SOFTWARE_VERSION = "1.0"
JSON_TYPES = ("application/json", "application/ld+json")
MAX_REASON = 300
T = TypeVar("T")


@dataclass(frozen=True)
class ClientRegistration:
    """What the backpack's registration endpoint gave us (a secret unless we are public)."""

    client_id: str
    client_secret: str | None

    @property
    def auth_method(self) -> str:
        return AUTH_METHOD if self.client_secret else PUBLIC_AUTH_METHOD


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the earner's browser, and the two secrets to keep for the callback."""

    url: str
    state: str
    code_verifier: str


@dataclass(frozen=True)
class Tokens:
    """A token endpoint answer: ``expires_in`` seconds from now, when the backpack says."""

    access_token: str
    refresh_token: str | None
    scope: str
    expires_in: int | None


@dataclass(frozen=True)
class ClientProfile:
    """How this service introduces itself when it registers: name, home page, callback, policies."""

    name: str
    home_url: str
    redirect_uri: str
    terms_url: str
    privacy_url: str
    logo_url: str

    def metadata(self) -> dict[str, Any]:
        """RFC 7591 client metadata, with every field the OB 3.0 API's registration lists."""
        return {
            "client_name": self.name,
            "client_uri": self.home_url,
            "logo_uri": self.logo_url,
            "tos_uri": self.terms_url,
            "policy_uri": self.privacy_url,
            "software_id": SOFTWARE_ID,
            "software_version": SOFTWARE_VERSION,
            "redirect_uris": [self.redirect_uri],
            "token_endpoint_auth_method": AUTH_METHOD,
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": UPSERT_SCOPE,
        }


class RemoteBackpack:
    """One backpack conversation's HTTP side; build one per request (sessions are not shared)."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self.timeout = timeout

    def discover(self, discovery_url: str) -> BackpackEndpoints:
        """Fetch and read the service description document (redirects re-checked, at most 3)."""
        with self._session(Session()) as http:
            answer = self._call(
                "read the backpack's service description",
                lambda: http.get(discovery_url, headers={"Accept": "application/json"}),
            )
        if answer.status_code != 200:
            raise errors.BadDiscoveryDocument(
                f"The backpack has no Open Badges 3.0 service description at {discovery_url} "
                f"(HTTP {answer.status_code})."
            )
        try:
            document = json.loads(answer.content)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise errors.BadDiscoveryDocument(
                "The backpack's service description is not JSON."
            ) from None
        return parse_service_description(document, discovery_url, allow_http=self.allow_private)

    def register(self, endpoints: BackpackEndpoints, profile: ClientProfile) -> ClientRegistration:
        """Register this service with the backpack (RFC 7591); ``RegistrationRefused`` if not."""
        with self._session(Session()) as http:
            answer = self._call(
                "register with the backpack",
                lambda: http.post(
                    endpoints.registration_url, json=profile.metadata(), allow_redirects=False
                ),
            )
        body = _json_object(answer)
        client_id = body.get("client_id") if body else None
        if answer.status_code not in (200, 201) or not isinstance(client_id, str) or not client_id:
            raise errors.RegistrationRefused(
                f"The backpack refused to register this service{_reason(answer, body)}."
            )
        secret = body.get("client_secret") if body else None
        return ClientRegistration(client_id, secret if isinstance(secret, str) and secret else None)

    def authorization_request(
        self, authorization_url: str, client: ClientRegistration, redirect_uri: str
    ) -> AuthorizationRequest:
        """The authorization URL for the credential.upsert scope, with a fresh state and PKCE."""
        verifier = generate_token(64)
        oauth = OAuth2Session(
            client.client_id,
            scope=UPSERT_SCOPE,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )
        url, state = oauth.create_authorization_url(authorization_url, code_verifier=verifier)
        oauth.close()
        return AuthorizationRequest(url, state, verifier)

    def exchange_code(
        self,
        token_url: str,
        client: ClientRegistration,
        redirect_uri: str,
        code: str,
        code_verifier: str,
    ) -> Tokens:
        """Swap the authorization code (and the PKCE verifier) for tokens."""
        with self._oauth(client, redirect_uri) as oauth:
            return self._token_call(
                lambda: oauth.fetch_token(
                    token_url,
                    code=code,
                    code_verifier=code_verifier,
                    grant_type="authorization_code",
                    allow_redirects=False,
                )
            )

    def refresh(self, token_url: str, client: ClientRegistration, refresh_token: str) -> Tokens:
        """New tokens for a refresh token (the backpack may rotate it; the old one is then kept)."""
        with self._oauth(client, None) as oauth:
            return self._token_call(
                lambda: oauth.refresh_token(
                    token_url, refresh_token=refresh_token, allow_redirects=False
                )
            )

    def upsert_credential(
        self, credentials_url: str, access_token: str, body: bytes, media_type: str
    ) -> bool:
        """POST the credential's exact bytes; True when the backpack added it (201), False when
        it replaced one it held (200). ``TokenRejected`` on 401, ``UpsertRefused`` otherwise."""
        token = {"access_token": access_token, "token_type": "Bearer"}
        with self._session(OAuth2Session(token=token)) as oauth:
            answer = self._call(
                "send the badge",
                lambda: oauth.post(
                    credentials_url,
                    data=body,
                    headers={"Content-Type": media_type, "Accept": "application/json"},
                    allow_redirects=False,
                ),
            )
        if answer.status_code in (200, 201):
            return answer.status_code == 201
        if answer.status_code == 401:
            raise errors.TokenRejected()
        raise errors.UpsertRefused(
            f"The backpack did not accept the badge{_reason(answer, _json_object(answer))}."
        )

    def _oauth(self, client: ClientRegistration, redirect_uri: str | None) -> OAuth2Session:
        session = OAuth2Session(
            client.client_id,
            client.client_secret,
            token_endpoint_auth_method=client.auth_method,
            redirect_uri=redirect_uri,
        )
        return self._session(session)  # type: ignore[return-value]

    def _session(self, session: Session) -> Session:
        return guarded_session(
            session, allow_private=self.allow_private, resolver=self.resolver, timeout=self.timeout
        )

    def _call(self, doing: str, send: Callable[[], T]) -> T:
        """Run one request, turning transport failures into messages for the earner."""
        try:
            return send()
        except FetchRefused as refused:
            why = refused.message.split(";")[0].rstrip(".")
            raise errors.BackpackUrlRefused(
                f"We do not contact that backpack: {why}; only backpacks at public internet "
                "addresses can receive badges."
            ) from None
        except FetchFailed as failed:
            raise errors.BackpackUnreachable(f"Could not {doing}: {failed.message}") from None
        except HTTPError as failed:
            status = failed.response.status_code if failed.response is not None else "?"
            raise errors.BackpackUnreachable(
                f"Could not {doing}: the backpack answered HTTP {status}."
            ) from None
        except RequestException as failed:
            raise errors.BackpackUnreachable(
                f"Could not {doing}: {type(failed).__name__}."
            ) from None

    def _token_call(self, fetch: Callable[[], Any]) -> Tokens:
        """Run a token request; an OAuth error answer becomes ``TokenRefused`` naming it."""
        try:
            token = self._call("get an access token", fetch)
        except (OAuthError, ValueError) as refused:
            description = getattr(refused, "description", None) or getattr(refused, "error", None)
            reason = f": {str(description)[:MAX_REASON]}" if description else ""
            raise errors.TokenRefused(
                f"The backpack did not issue an access token{reason}."
            ) from None
        return _tokens(token)


def _tokens(token: Any) -> Tokens:
    access = token.get("access_token") if isinstance(token, dict) else None
    if not isinstance(access, str) or not access:
        raise errors.TokenRefused("The backpack's token answer has no access token.")
    refresh = token.get("refresh_token")
    return Tokens(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        scope=str(token.get("scope") or UPSERT_SCOPE),
        expires_in=_seconds(token.get("expires_in")),
    )


def _seconds(value: Any) -> int | None:
    """A token's ``expires_in`` as whole seconds, or None when absent or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value >= 0:
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _json_object(answer: Response) -> dict[str, Any] | None:
    try:
        value = json.loads(answer.content)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _reason(answer: Response, body: dict[str, Any] | None) -> str:
    """`` (HTTP 400: what the backpack said)``: an OAuth error, or an imsx_StatusInfo description."""
    said = None
    if body:
        said = body.get("error_description") or body.get("imsx_description") or body.get("error")
    detail = f": {' '.join(str(said).split())[:MAX_REASON]}" if said else ""
    return f" (HTTP {answer.status_code}{detail})"
