"""A backpack over Flask's test client: registers, sends the earner through consent, gets tokens.

Used by the OAuth and OB 3.0 API tests; the live-server dance in tests/interop does the same over
real HTTP. Each step returns the raw response so tests can assert on refusals too.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient

from issuer.openbadges.contexts import ContextLoader
from issuer.signing.data_integrity import sign_data_integrity
from issuer.signing.jws import sign_compact
from issuer.signing.keys import multikey_multibase
from tests.conftest import Api

SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
READ = SCOPE + "credential.readonly"
UPSERT = SCOPE + "credential.upsert"
PROFILE = SCOPE + "profile.readonly"
PROFILE_UPDATE = SCOPE + "profile.update"
ALL_SCOPES = " ".join([READ, UPSERT, PROFILE, PROFILE_UPDATE])
CLR_SCOPE = "https://purl.imsglobal.org/spec/clr/v2p0/scope/"
CLR_READ = CLR_SCOPE + "credential.readonly"
CLR_PROFILE = CLR_SCOPE + "profile.readonly"
CLR_SCOPES = " ".join([CLR_READ, CLR_PROFILE])
EVERY_SCOPE = f"{ALL_SCOPES} {CLR_SCOPES}"  # both APIs (OB 3.0 and CLR 2.0)
REDIRECT = "https://backpack.example.org/callback"
PASSWORD = "correct horse battery"


def pkce_pair() -> tuple[str, str]:
    """A fresh (verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@dataclass
class Earner:
    """An educator with an earner record, an earner account with a web password, maybe awards."""

    email: str
    earner_id: int
    awards: list[dict[str, Any]] = field(default_factory=list)


def make_earner(
    api: Api, district: tuple[int, str], *, awards: int = 1, email: str | None = None
) -> Earner:
    """An earner with ``awards`` completed awards and a password for the web sign-in."""
    issuer_id, admin = district
    email = email or f"teacher-{uuid.uuid4().hex[:8]}@school.example.org"
    earner_id = api.earner(admin, email=email)
    made = []
    for _ in range(awards):
        program_id = api.approved_program(admin, issuer_id, name=f"Program {uuid.uuid4().hex[:6]}")
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
        made.append(api.complete(admin, enrollment_id))
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    set_password(api.client, api.password_link(email))
    return Earner(email, earner_id, made)


def set_password(client: FlaskClient, setup_url: str) -> None:
    parts = urlsplit(setup_url)
    form = client.get(parts.path).data.decode()  # the token after "#" stays in the browser
    token = parse_qs(parts.fragment).get("token") or parse_qs(parts.query).get("token")
    assert token
    response = client.post(
        "/account/password",
        data={"token": token[0], "password": PASSWORD, "csrf_token": csrf_from(form)},
    )
    assert response.status_code == 302, response.data


@dataclass
class Backpack:
    """One registered app driving the flow through a test client (its own cookie jar)."""

    client: FlaskClient
    client_id: str = ""
    secret: str = ""
    state: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    def register(self, **metadata: Any) -> Any:
        body = {
            "client_name": "Test Backpack",
            "client_uri": "https://backpack.example.org",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": ALL_SCOPES,
            **metadata,
        }
        response = self.client.post(
            "/oauth/register", json={k: v for k, v in body.items() if v is not None}
        )
        if response.status_code == 201:
            self.client_id = response.get_json()["client_id"]
            self.secret = response.get_json()["client_secret"]
        return response

    def authorize_path(
        self, scope: str = ALL_SCOPES, challenge: str | None = None, **extra: str
    ) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": self.state,
            "code_challenge": challenge or pkce_pair()[1],
            "code_challenge_method": "S256",
            **extra,
        }
        return "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})

    def sign_in(self, path: str, email: str, password: str = PASSWORD) -> Any:
        page = self.client.get(path).data.decode()
        return self.client.post(
            path,
            data={
                "action": "sign_in",
                "email": email,
                "password": password,
                "csrf_token": csrf_from(page),
            },
        )

    def decide(self, path: str, decision: str = "approve") -> Any:
        page = self.client.get(path)
        assert page.status_code == 200, page.data
        return self.client.post(
            path, data={"action": decision, "csrf_token": csrf_from(page.data.decode())}
        )

    def code(self, email: str, scope: str = ALL_SCOPES) -> tuple[str, str]:
        """Sign in, approve, and return (code, verifier)."""
        verifier, challenge = pkce_pair()
        path = self.authorize_path(scope, challenge)
        assert self.sign_in(path, email).status_code == 303
        answer = self.decide(path)
        assert answer.status_code == 302, answer.data
        params = query_of(answer.headers["Location"])
        assert params["state"] == self.state
        return params["code"], verifier

    def exchange(self, code: str, verifier: str, **extra: str) -> Any:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            **extra,
        }
        return self.client.post(
            "/oauth/token", data=form, headers=basic(self.client_id, self.secret)
        )

    def tokens(self, email: str, scope: str = ALL_SCOPES) -> dict[str, Any]:
        """The whole dance: a token answer for ``email``'s consent to ``scope``."""
        if not self.client_id:
            assert self.register().status_code == 201
        code, verifier = self.code(email, scope)
        response = self.exchange(code, verifier)
        assert response.status_code == 200, response.get_json()
        return response.get_json()  # type: ignore[no-any-return]

    def refresh(self, refresh_token: str, **extra: str) -> Any:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
        return self.client.post(
            "/oauth/token", data=form, headers=basic(self.client_id, self.secret)
        )

    def revoke(self, token: str, hint: str | None = None) -> Any:
        form = {"token": token} | ({"token_type_hint": hint} if hint else {})
        return self.client.post(
            "/oauth/revoke", data=form, headers=basic(self.client_id, self.secret)
        )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- credentials an earner received from another issuer (did:key, signed here) ----------------

CONTEXTS_DIR = Path(__file__).resolve().parents[2] / "schemas" / "contexts"
OB3_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _unsigned(email: str, did: str, valid_from: str, credential_id: str | None) -> dict[str, Any]:
    salt = secrets.token_hex(8)
    identity = "sha256$" + hashlib.sha256((email.lower() + salt).encode()).hexdigest()
    return {
        "@context": OB3_CONTEXTS,
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did, "type": ["Profile"], "name": "Elsewhere Teaching Academy"},
        "validFrom": valid_from,
        "name": "Classroom Management",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity,
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": f"urn:uuid:{uuid.uuid4()}",
                "type": ["Achievement"],
                "name": "Classroom Management",
                "description": "Plans routines that keep every student learning.",
                "criteria": {"narrative": "A video of a lesson, reviewed by two coaches."},
            },
        },
    }


def credential_from_elsewhere(
    email: str,
    *,
    valid_from: str = "2025-01-15T09:00:00Z",
    credential_id: str | None = None,
) -> dict[str, Any]:
    """An OB 3.0 credential for ``email`` from a did:key issuer, with an eddsa-rdfc-2022 proof."""
    key = Ed25519PrivateKey.generate()
    multibase = multikey_multibase(key.public_key())
    did = f"did:key:{multibase}"
    document = _unsigned(email, did, valid_from, credential_id)
    return sign_data_integrity(
        document,
        key,
        f"{did}#{multibase}",
        ContextLoader(CONTEXTS_DIR),
        datetime.now(UTC),
        proof_as_list=True,
    )


def jwt_from_elsewhere(email: str, valid_from: str = "2025-02-01T09:00:00Z") -> str:
    """The same kind of credential as a VC-JWT (EdDSA, kid naming the did:key)."""
    key = Ed25519PrivateKey.generate()
    multibase = multikey_multibase(key.public_key())
    did = f"did:key:{multibase}"
    document = _unsigned(email, did, valid_from, None)
    claims = {
        **document,
        "iss": did,
        "jti": document["id"],
        "nbf": int(datetime.fromisoformat(valid_from).timestamp()),
    }
    return sign_compact(claims, key, "EdDSA", {"kid": f"{did}#{multibase}", "typ": "JWT"})
