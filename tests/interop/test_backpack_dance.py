"""A backpack connects over real HTTP (urllib, loopback): discovery → registration → consent with
PKCE → token → getCredentials → refresh → revoke, and the refusals along the way. What it pulls
validates against 1EdTech's schemas and, once OB 3.0 credentials are published, verifies with the
independent Node.js VC stack.

The app runs on the ``live_server`` (its ``BASE_URL`` is https://badges.test); the backpack maps
that origin onto the loopback server, as a DNS entry would, and keeps the earner's browser cookies
in its own jar (browsers treat loopback as a secure context, so Secure cookies are sent there)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib import error, request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for

from tests.api.oauth_client import PASSWORD, credential_from_elsewhere, make_earner
from tests.conftest import BASE_URL
from tests.vendored import ob3_schema

pytestmark = pytest.mark.interop

SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
READ, UPSERT, PROFILE = (
    SCOPE + "credential.readonly",
    SCOPE + "credential.upsert",
    SCOPE + "profile.readonly",
)
REDIRECT = "http://127.0.0.1:9/backpack/callback"  # never contacted: the backpack reads Location


def _browser_cookies() -> CookieJar:
    """Like a browser, send Secure cookies to loopback over plain http."""
    return CookieJar(DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))


class _NoRedirect(request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the backpack reads Location itself


@dataclass
class Answer:
    status: int
    headers: Any
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Http:
    """urllib with a cookie jar, no redirects, and BASE_URL mapped onto the live server."""

    origin: str
    jar: CookieJar = field(default_factory=_browser_cookies)

    def __post_init__(self) -> None:
        self.opener = request.build_opener(request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def local(self, url: str) -> str:
        return url.replace(BASE_URL, self.origin) if url.startswith(BASE_URL) else self.origin + url

    def send(
        self,
        method: str,
        url: str,
        *,
        form: dict[str, str] | None = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        headers = dict(headers or {})
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = request.Request(self.local(url), data=body, method=method, headers=headers)  # noqa: S310 - http(s) on loopback only
        try:
            with self.opener.open(req, timeout=30) as response:
                return Answer(response.status, response.headers, response.read())
        except error.HTTPError as refused:
            return Answer(refused.code, refused.headers, refused.read())


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def _csrf(html: bytes) -> str:
    match = re.search(rb'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1).decode()


def _pkce(method: str = "S256") -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    if method == "plain":
        return verifier, verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class LiveBackpack:
    """A backpack as a third party would write it, from the discovery document alone."""

    http: Http
    discovery: dict[str, Any] = field(default_factory=dict)
    client_id: str = ""
    secret: str = ""

    @property
    def flow(self) -> dict[str, Any]:
        return self.discovery["components"]["securitySchemes"]["OAuth2ACG"]["flows"][
            "authorizationCode"
        ]  # type: ignore[no-any-return]

    @property
    def api(self) -> str:
        return self.discovery["servers"][0]["url"]  # type: ignore[no-any-return]

    def discover(self) -> None:
        answer = self.http.send("GET", f"{BASE_URL}/ims/ob/v3p0/discovery")
        assert answer.status == 200
        self.discovery = answer.json()

    def register(self, scope: str) -> None:
        scheme = self.discovery["components"]["securitySchemes"]["OAuth2ACG"]
        metadata = {
            "client_name": "Loopback Backpack",
            "client_uri": "https://backpack.example.org",
            "logo_uri": "https://backpack.example.org/logo.png",
            "tos_uri": "https://backpack.example.org/tos",
            "policy_uri": "https://backpack.example.org/privacy",
            "software_id": "c4b1e3e2-0d0a-4c53-9b3e-7b0f6d8a1c11",
            "software_version": "1.0",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": scope,
        }
        answer = self.http.send(
            "POST",
            scheme["x-imssf-registrationUrl"],
            body=json.dumps(metadata).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert answer.status == 201, answer.body
        self.client_id, self.secret = answer.json()["client_id"], answer.json()["client_secret"]

    def authorize_url(self, scope: str, challenge: str, method: str, state: str) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": method,
        }
        return f"{self.flow['authorizationUrl']}?{urlencode(params)}"

    def consent(self, url: str, email: str, decision: str = "approve") -> Answer:
        """The earner's browser: sign in on the page, then approve (or deny)."""
        page = self.http.send("GET", url)
        assert page.status == 200, page.body
        form = {
            "action": "sign_in",
            "email": email,
            "password": PASSWORD,
            "csrf_token": _csrf(page.body),
        }
        signed_in = self.http.send("POST", url, form=form)
        assert signed_in.status == 303, signed_in.body
        page = self.http.send("GET", url)
        assert b"Loopback Backpack" in page.body and email.encode() in page.body
        return self.http.send(
            "POST", url, form={"action": decision, "csrf_token": _csrf(page.body)}
        )

    def code(self, email: str, scope: str) -> tuple[str, str]:
        verifier, challenge = _pkce()
        state = secrets.token_urlsafe(8)
        answer = self.consent(self.authorize_url(scope, challenge, "S256", state), email)
        assert answer.status == 302, answer.body
        params = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
        assert params["state"] == state
        return params["code"], verifier

    def token(self, form: dict[str, str]) -> Answer:
        return self.http.send(
            "POST", self.flow["tokenUrl"], form=form, headers=_basic(self.client_id, self.secret)
        )

    def exchange(self, code: str, verifier: str) -> Answer:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        }
        return self.token(form)

    def connect(self, email: str, scope: str) -> dict[str, Any]:
        if not self.discovery:
            self.discover()
        if not self.client_id:
            self.register(f"{READ} {UPSERT} {PROFILE}")
        answer = self.exchange(*self.code(email, scope))
        assert answer.status == 200, answer.body
        return answer.json()  # type: ignore[no-any-return]

    def credentials(self, access_token: str, query: str = "") -> Answer:
        return self.http.send(
            "GET", f"{self.api}/credentials{query}", headers=_bearer(access_token)
        )


def _schema_errors(name: str, instance: Any) -> list[str]:
    schema = ob3_schema(name)
    validator = validator_for(schema)(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [error.message for error in validator.iter_errors(instance)]


@pytest.fixture
def earner(api, district):
    return make_earner(api, district, awards=2)


@pytest.fixture
def backpack(live_server):
    return LiveBackpack(Http(live_server.url))


def test_the_full_dance_over_http(api, live_server, backpack, earner):
    backpack.discover()
    backpack.register(f"{READ} {UPSERT} {PROFILE}")
    code, verifier = backpack.code(earner.email, f"{READ} {PROFILE}")
    answer = backpack.exchange(code, verifier)
    assert answer.status == 200, answer.body
    tokens = answer.json()
    assert tokens["scope"] == f"{READ} {PROFILE}" and tokens["refresh_token"]

    listed = backpack.credentials(tokens["access_token"], "?limit=10&offset=0")
    assert listed.status == 200
    assert int(listed.headers["X-Total-Count"]) >= 0
    assert 'rel="first"' in listed.headers["Link"] and 'rel="last"' in listed.headers["Link"]
    assert _schema_errors("getopenbadgecredentialsresponse.json", listed.json()) == []

    profile = backpack.http.send(
        "GET", f"{backpack.api}/profile", headers=_bearer(tokens["access_token"])
    )
    assert profile.status == 200 and profile.json()["email"] == earner.email
    assert _schema_errors("profile.json", profile.json()) == []

    refreshed = backpack.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status == 200, refreshed.body
    fresh = refreshed.json()
    assert backpack.credentials(tokens["access_token"]).status == 401  # rotated out
    assert backpack.credentials(fresh["access_token"]).status == 200

    revoked = backpack.http.send(
        "POST",
        f"{BASE_URL}/oauth/revoke",
        form={"token": fresh["refresh_token"], "token_type_hint": "refresh_token"},
        headers=_basic(backpack.client_id, backpack.secret),
    )
    assert revoked.status == 200
    after = backpack.credentials(fresh["access_token"])
    assert after.status == 401
    assert 'error="invalid_token"' in after.headers["WWW-Authenticate"]
    assert _schema_errors("imsx_statusinfo.json", after.json()) == []
    assert (
        backpack.token(
            {"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]}
        ).status
        == 400
    )


def test_a_scope_not_granted_is_refused_with_insufficient_scope(backpack, earner):
    tokens = backpack.connect(earner.email, PROFILE)
    answer = backpack.credentials(tokens["access_token"])
    assert answer.status == 403
    assert 'error="insufficient_scope"' in answer.headers["WWW-Authenticate"]
    assert _schema_errors("imsx_statusinfo.json", answer.json()) == []


def test_a_wrong_code_verifier_gets_no_token(backpack, earner):
    backpack.discover()
    backpack.register(READ)
    code, _ = backpack.code(earner.email, READ)
    answer = backpack.exchange(code, _pkce()[0])
    assert answer.status == 400 and answer.json()["error"] == "invalid_grant"


def test_plain_pkce_is_refused_before_consent(backpack, earner):
    backpack.discover()
    backpack.register(READ)
    _, challenge = _pkce("plain")
    url = backpack.authorize_url(READ, challenge, "plain", "st4te")
    answer = backpack.http.send("GET", url)
    assert answer.status == 302
    params = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert params["error"] == ["invalid_request"] and params["state"] == ["st4te"]


def test_a_denied_consent_gets_no_code(backpack, earner):
    backpack.discover()
    backpack.register(READ)
    verifier, challenge = _pkce()
    answer = backpack.consent(
        backpack.authorize_url(READ, challenge, "S256", "s"), earner.email, "deny"
    )
    assert parse_qs(urlsplit(answer.headers["Location"]).query)["error"] == ["access_denied"]


def test_an_expired_token_is_refused(app, backpack, earner):
    tokens = backpack.connect(earner.email, READ)
    services = app.extensions["issuer.services"]
    later = services.clock() + timedelta(hours=1, seconds=1)
    services.clock = lambda: later
    assert backpack.credentials(tokens["access_token"]).status == 401


def test_another_earners_data_is_never_visible(api, app, district, live_server, earner):
    other = make_earner(api, district, awards=1)
    mine = LiveBackpack(Http(live_server.url)).connect(earner.email, f"{READ} {UPSERT}")
    theirs = LiveBackpack(Http(live_server.url)).connect(other.email, READ)
    pushed = credential_from_elsewhere(other.email)
    upsert = Http(live_server.url).send(
        "POST",
        f"{BASE_URL}/ims/ob/v3p0/credentials",
        body=json.dumps(pushed).encode(),
        headers={**_bearer(mine["access_token"]), "Content-Type": "application/json"},
    )
    assert upsert.status == 400  # their credential is not mine to keep
    http = Http(live_server.url)
    my_ids = {
        c["id"]
        for c in http.send(
            "GET", f"{BASE_URL}/ims/ob/v3p0/credentials", headers=_bearer(mine["access_token"])
        ).json()["credential"]
    }
    their_ids = {
        c["id"]
        for c in http.send(
            "GET", f"{BASE_URL}/ims/ob/v3p0/credentials", headers=_bearer(theirs["access_token"])
        ).json()["credential"]
    }
    their_awards = {a["ob3"]["credential"] for a in other.awards}
    assert my_ids and their_awards and their_awards <= their_ids
    assert not my_ids & their_ids


def test_pulled_credentials_verify_with_the_node_vc_stack(
    node_vc, contexts_dir, live_server, backpack, earner
):
    tokens = backpack.connect(earner.email, READ)
    listed = backpack.credentials(tokens["access_token"]).json()
    ours = [c for c in listed["credential"] if str(c.get("id", "")).startswith(BASE_URL)]
    assert earner.awards, "the earner has awards"
    assert len(ours) == len(earner.awards)
    assert _schema_errors("getopenbadgecredentialsresponse.json", listed) == []
    results = node_vc.verify_vc_many(
        ours, contexts_dir, check_status=True, origins=live_server.origins(BASE_URL)
    )
    for credential, result in zip(ours, results, strict=True):
        assert result["verified"], (credential["id"], result["errors"])
        assert not result["status"].get("revoked"), credential["id"]
        assert result["refused"] == [], result["refused"]
