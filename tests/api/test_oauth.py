"""OAuth 2.0 for the OB 3.0 API (issue 6): registration (RFC 7591), consent, code + PKCE (S256
only), tokens stored hashed, refresh rotation, revocation (RFC 7009), and every refusal."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from issuer.models import AuditEntry, OAuthClient, OAuthCode, OAuthToken
from issuer.workflow.accounts.accounts import hash_token
from tests.api.oauth_client import (
    ALL_SCOPES,
    EVERY_SCOPE,
    PASSWORD,
    PROFILE,
    READ,
    REDIRECT,
    Backpack,
    basic,
    bearer,
    csrf_from,
    make_earner,
    pkce_pair,
    query_of,
)

CREDENTIALS = "/ims/ob/v3p0/credentials"


@pytest.fixture
def earner(api, district):
    return make_earner(api, district, awards=0)


@pytest.fixture
def backpack(client):
    app = Backpack(client)
    assert app.register().status_code == 201
    return app


def rows(app, model):
    db = app.extensions["issuer.services"].db
    with db.session() as session:
        return list(session.scalars(select(model)))


def move_clock(app, delta):
    services = app.extensions["issuer.services"]
    start = services.clock()
    services.clock = lambda: start + delta


# --- registration (RFC 7591) -----------------------------------------------------------------


def test_registration_answers_client_credentials_and_the_metadata(client):
    response = Backpack(client).register()
    assert response.status_code == 201
    body = response.get_json()
    assert body["client_id"] and body["client_secret"]
    assert body["redirect_uris"] == [REDIRECT]
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["scope"] == ALL_SCOPES


def test_registration_stores_the_secret_only_as_a_hash(app, client):
    body = Backpack(client).register().get_json()
    [row] = rows(app, OAuthClient)
    assert row.secret_hash == hash_token(body["client_secret"])
    assert body["client_secret"] not in json.dumps(row.client_metadata)


def test_registration_without_scope_may_ask_for_every_api_scope(client):
    body = Backpack(client).register(scope=None).get_json()
    assert set(body["scope"].split()) == set(EVERY_SCOPE.split())


@pytest.mark.parametrize(
    "metadata",
    [
        {"redirect_uris": []},
        {"redirect_uris": ["http://backpack.example.org/callback"]},  # http off loopback
        {"redirect_uris": ["https://backpack.example.org/cb#fragment"]},
        {"redirect_uris": ["not a url"]},
        {"client_name": ""},
        {"scope": "openid email"},
        {"grant_types": ["client_credentials"]},
        {"response_types": ["token"]},
        {"token_endpoint_auth_method": "none"},
    ],
    ids=lambda m: next(iter(m)),
)
def test_registration_refuses_bad_metadata(app, client, metadata):
    response = Backpack(client).register(**metadata)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"
    assert rows(app, OAuthClient) == []


def test_registration_accepts_a_loopback_http_redirect(client):
    response = Backpack(client).register(redirect_uris=["http://127.0.0.1:8123/cb"])
    assert response.status_code == 201


def test_registration_needs_json(client):
    response = client.post("/oauth/register", data="client_name=x")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_client_metadata"


def test_server_metadata_names_the_endpoints(client):
    body = client.get("/.well-known/oauth-authorization-server").get_json()
    assert body["registration_endpoint"] == "https://badges.test/oauth/register"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert READ in body["scopes_supported"]


def test_server_metadata_passes_authlibs_rfc8414_checks(client):
    from authlib.oauth2.rfc8414 import AuthorizationServerMetadata

    AuthorizationServerMetadata(
        client.get("/.well-known/oauth-authorization-server").get_json()
    ).validate()


# --- the consent page ------------------------------------------------------------------------


def test_consent_page_asks_to_sign_in_and_names_the_app_and_scopes(backpack):
    response = backpack.client.get(backpack.authorize_path(scope=f"{READ} {PROFILE}"))
    html = response.data.decode()
    assert response.status_code == 200
    assert "Test Backpack" in html
    assert "Read your badges" in html and READ in html
    assert "Read your profile" in html
    assert 'name="password"' in html
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_signed_in_earner_sees_allow_and_deny(backpack, earner):
    path = backpack.authorize_path()
    assert backpack.sign_in(path, earner.email).status_code == 303
    html = backpack.client.get(path).data.decode()
    assert earner.email in html
    assert 'value="approve"' in html and 'value="deny"' in html
    assert 'class="return-host">backpack.example.org<' in html


def test_wrong_password_on_the_consent_page_is_refused(backpack, earner):
    response = backpack.sign_in(backpack.authorize_path(), earner.email, "wrong password!")
    assert response.status_code == 401
    assert "not right" in response.data.decode()


def test_consent_form_needs_its_csrf_token(backpack, earner):
    path = backpack.authorize_path()
    backpack.sign_in(path, earner.email)
    response = backpack.client.post(path, data={"action": "approve"})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert rows(backpack.client.application, OAuthCode) == []


def test_approving_redirects_with_a_code_and_the_state(backpack, earner):
    path = backpack.authorize_path()
    backpack.sign_in(path, earner.email)
    response = backpack.decide(path, "approve")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT + "?")
    params = query_of(response.headers["Location"])
    assert params["code"] and params["state"] == backpack.state


def test_denying_redirects_with_access_denied(backpack, earner):
    path = backpack.authorize_path()
    backpack.sign_in(path, earner.email)
    response = backpack.decide(path, "deny")
    params = query_of(response.headers["Location"])
    assert params["error"] == "access_denied" and params["state"] == backpack.state
    assert rows(backpack.client.application, OAuthCode) == []


def test_consent_is_recorded_in_the_audit_log(backpack, earner):
    backpack.code(earner.email)
    actions = [e.action for e in rows(backpack.client.application, AuditEntry)]
    assert "oauth.consent_granted" in actions


def test_staff_cannot_grant_an_app_access(api, client, district, backpack):
    api.ok(
        "POST", "/accounts", district[1], {"role": "reviewer", "email": "rev@district.example.org"}
    )
    from tests.api.oauth_client import set_password

    set_password(client, api.password_link("rev@district.example.org"))
    path = backpack.authorize_path()
    backpack.sign_in(path, "rev@district.example.org")
    page = client.get(path)
    assert page.status_code == 403
    assert 'value="approve"' not in page.data.decode()


def test_unknown_client_gets_an_error_page_not_a_redirect(backpack):
    backpack.client_id = "no-such-client"
    response = backpack.client.get(backpack.authorize_path())
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_unregistered_redirect_uri_is_never_followed(backpack):
    response = backpack.client.get(backpack.authorize_path(redirect_uri="https://evil.example/cb"))
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),  # absent means plain (RFC 7636)
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"scope": "https://purl.imsglobal.org/spec/ob/v3p0/scope/unknown"}, "invalid_scope"),
        ({"scope": None}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
    ids=["plain", "no-method", "no-pkce", "bad-challenge", "unknown-scope", "no-scope", "implicit"],
)
def test_bad_authorization_requests_go_back_with_an_error(backpack, extra, error):
    scope = extra.pop("scope", ALL_SCOPES)
    path = backpack.authorize_path(scope=scope, **extra)
    response = backpack.client.get(path)
    assert response.status_code == 302, response.data
    params = query_of(response.headers["Location"])
    assert params["error"] == error
    assert params["state"] == backpack.state


def test_a_scope_the_client_did_not_register_is_refused(client, earner):
    narrow = Backpack(client)
    narrow.register(scope=READ)
    response = client.get(narrow.authorize_path(scope=f"{READ} {PROFILE}"))
    assert query_of(response.headers["Location"])["error"] == "invalid_scope"


# --- the token endpoint ----------------------------------------------------------------------


def test_code_and_verifier_give_bearer_tokens_for_the_granted_scope(backpack, earner):
    code, verifier = backpack.code(earner.email, scope=READ)
    response = backpack.exchange(code, verifier)
    body = response.get_json()
    assert response.status_code == 200
    assert body["token_type"].lower() == "bearer"
    assert body["scope"] == READ
    assert body["expires_in"] == 3600
    assert body["access_token"] and body["refresh_token"]
    assert response.headers["Cache-Control"] == "no-store"


def test_codes_and_tokens_are_stored_only_as_hashes(backpack, earner):
    code, verifier = backpack.code(earner.email)
    tokens = backpack.exchange(code, verifier).get_json()
    app = backpack.client.application
    [code_row] = rows(app, OAuthCode)
    [token_row] = rows(app, OAuthToken)
    assert code_row.code_hash == hash_token(code)
    assert token_row.access_token_hash == hash_token(tokens["access_token"])
    assert token_row.refresh_token_hash == hash_token(tokens["refresh_token"])
    stored = _every_row_as_text(app)
    for secret in (code, tokens["access_token"], tokens["refresh_token"], backpack.secret):
        assert secret not in stored


def _every_row_as_text(app) -> str:
    """Everything the OAuth tables and the audit log hold, as one string (SQLite and PostgreSQL)."""
    db = app.extensions["issuer.services"].db
    tables = ("oauth_clients", "oauth_codes", "oauth_tokens", "audit_log")
    with db.engine.connect() as connection:
        dumped = [
            repr(tuple(row))
            for t in tables
            for row in connection.execute(text(f"SELECT * FROM {t}"))  # noqa: S608 - fixed names
        ]
    assert len(dumped) >= 3
    return "\n".join(dumped)


def test_wrong_code_verifier_is_refused(backpack, earner):
    code, _ = backpack.code(earner.email)
    response = backpack.exchange(code, pkce_pair()[0])
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert rows(backpack.client.application, OAuthToken) == []


def test_missing_code_verifier_is_refused(backpack, earner):
    code, _ = backpack.code(earner.email)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    response = backpack.client.post(
        "/oauth/token", data=form, headers=basic(backpack.client_id, backpack.secret)
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_wrong_client_secret_is_refused(backpack, earner):
    code, verifier = backpack.code(earner.email)
    backpack.secret = "not-the-secret"
    response = backpack.exchange(code, verifier)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_another_client_cannot_use_the_code(client, backpack, earner):
    code, verifier = backpack.code(earner.email)
    other = Backpack(client)
    other.register()
    response = other.exchange(code, verifier)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_authorization_request(backpack, earner):
    code, verifier = backpack.code(earner.email)
    response = backpack.exchange(code, verifier, redirect_uri="https://backpack.example.org/other")
    assert response.get_json()["error"] == "invalid_grant"


def test_an_expired_code_is_refused(app, backpack, earner):
    code, verifier = backpack.code(earner.email)
    move_clock(app, timedelta(minutes=6))
    assert backpack.exchange(code, verifier).get_json()["error"] == "invalid_grant"


def test_a_replayed_code_is_refused_and_revokes_its_tokens(backpack, earner):
    code, verifier = backpack.code(earner.email)
    tokens = backpack.exchange(code, verifier).get_json()
    replay = backpack.exchange(code, verifier)
    assert replay.get_json()["error"] == "invalid_grant"
    response = backpack.client.get(CREDENTIALS, headers=bearer(tokens["access_token"]))
    assert response.status_code == 401


# --- refresh and revocation ------------------------------------------------------------------


def test_refresh_rotates_the_pair_and_retires_the_old_access_token(backpack, earner):
    tokens = backpack.tokens(earner.email)
    response = backpack.refresh(tokens["refresh_token"])
    fresh = response.get_json()
    assert response.status_code == 200
    assert fresh["access_token"] != tokens["access_token"]
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert (
        backpack.client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).status_code == 401
    )
    assert (
        backpack.client.get(CREDENTIALS, headers=bearer(fresh["access_token"])).status_code == 200
    )


def test_refresh_may_narrow_the_scope_but_never_widen_it(client, earner):
    narrow = Backpack(client)
    tokens = narrow.tokens(earner.email, scope=f"{READ} {PROFILE}")
    assert narrow.refresh(tokens["refresh_token"], scope=READ).get_json()["scope"] == READ
    wide = Backpack(client)
    tokens = wide.tokens(earner.email, scope=READ)
    assert wide.refresh(tokens["refresh_token"], scope=f"{READ} {PROFILE}").status_code == 400


def test_replaying_a_rotated_refresh_token_revokes_the_whole_grant(backpack, earner):
    tokens = backpack.tokens(earner.email)
    fresh = backpack.refresh(tokens["refresh_token"]).get_json()
    replay = backpack.refresh(tokens["refresh_token"])
    assert replay.get_json()["error"] == "invalid_grant"
    assert (
        backpack.client.get(CREDENTIALS, headers=bearer(fresh["access_token"])).status_code == 401
    )
    assert backpack.refresh(fresh["refresh_token"]).status_code == 400


def test_an_expired_refresh_token_is_refused(app, backpack, earner):
    tokens = backpack.tokens(earner.email)
    move_clock(app, timedelta(days=31))
    assert backpack.refresh(tokens["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_revoking_the_access_token_ends_access(backpack, earner):
    tokens = backpack.tokens(earner.email)
    assert backpack.revoke(tokens["access_token"], "access_token").status_code == 200
    response = backpack.client.get(CREDENTIALS, headers=bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_revoking_the_refresh_token_ends_refresh_and_access(backpack, earner):
    tokens = backpack.tokens(earner.email)
    assert backpack.revoke(tokens["refresh_token"]).status_code == 200  # no hint: found anyway
    assert backpack.refresh(tokens["refresh_token"]).status_code == 400
    assert (
        backpack.client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).status_code == 401
    )


def test_revoking_an_unknown_token_answers_200(backpack):
    assert backpack.revoke("never-issued").status_code == 200


def test_a_client_cannot_revoke_another_clients_token(client, backpack, earner):
    tokens = backpack.tokens(earner.email)
    other = Backpack(client)
    other.register()
    assert other.revoke(tokens["access_token"]).status_code == 400
    assert (
        backpack.client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).status_code == 200
    )


def test_revocation_needs_client_authentication(backpack, earner):
    tokens = backpack.tokens(earner.email)
    response = backpack.client.post("/oauth/revoke", data={"token": tokens["access_token"]})
    assert response.status_code == 401
    assert (
        backpack.client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).status_code == 200
    )


def test_an_expired_access_token_is_refused(app, backpack, earner):
    tokens = backpack.tokens(earner.email)
    move_clock(app, timedelta(seconds=3601))
    response = backpack.client.get(CREDENTIALS, headers=bearer(tokens["access_token"]))
    assert response.status_code == 401


def test_an_api_account_token_is_not_an_oauth_token(api, backpack):
    response = backpack.client.get(CREDENTIALS, headers=bearer(api.ptsb))
    assert response.status_code == 401


def test_sign_in_page_keeps_the_request_after_a_failed_attempt(backpack, earner):
    path = backpack.authorize_path()
    page = backpack.client.get(path).data.decode()
    backpack.client.post(
        path,
        data={
            "action": "sign_in",
            "email": earner.email,
            "password": "nope",
            "csrf_token": csrf_from(page),
        },
    )
    assert backpack.sign_in(path, earner.email, PASSWORD).status_code == 303


# --- connected apps --------------------------------------------------------------------------


def test_connected_apps_lists_the_app_and_disconnecting_revokes_its_tokens(backpack, earner):
    tokens = backpack.tokens(earner.email)
    page = backpack.client.get("/oauth/apps")
    html = page.data.decode()
    assert page.status_code == 200 and "Test Backpack" in html
    client_pk = rows(backpack.client.application, OAuthClient)[0].id
    response = backpack.client.post(
        "/oauth/apps", data={"client": client_pk, "csrf_token": csrf_from(html)}
    )
    assert response.status_code == 303
    assert "Test Backpack" not in backpack.client.get("/oauth/apps").data.decode()
    assert (
        backpack.client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).status_code == 401
    )
    assert backpack.refresh(tokens["refresh_token"]).status_code == 400


def test_disconnecting_needs_the_csrf_token(backpack, earner):
    tokens = backpack.tokens(earner.email)
    client_pk = rows(backpack.client.application, OAuthClient)[0].id
    assert backpack.client.post("/oauth/apps", data={"client": client_pk}).status_code == 400
    assert (
        backpack.client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).status_code == 200
    )


def test_an_earner_cannot_disconnect_another_earners_app(api, app, district, backpack, earner):
    tokens = backpack.tokens(earner.email)
    other = make_earner(api, district, awards=0)
    browser = app.test_client()
    intruder = Backpack(browser)
    intruder.register()
    path = intruder.authorize_path()
    intruder.sign_in(path, other.email)
    html = browser.get(path).data.decode()  # any page of theirs with a form has a CSRF token
    client_pk = rows(app, OAuthClient)[0].id
    browser.post("/oauth/apps", data={"client": client_pk, "csrf_token": csrf_from(html)})
    assert (
        backpack.client.get(CREDENTIALS, headers=bearer(tokens["access_token"])).status_code == 200
    )


def test_connected_apps_needs_a_signed_in_earner(client):
    response = client.get("/oauth/apps")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
