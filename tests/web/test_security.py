"""SPEC §12 for pages and transport: security headers, the proxies in front, and HEAD requests
that never change anything."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from issuer import create_app
from issuer.models import Account, LoginAttempt, OAuthCode
from tests.api.oauth_client import Backpack, make_earner

from .conftest import PASSWORD, csrf_from, sign_in

BROWSER = {"Accept": "text/html"}


def count(app, model) -> int:
    with app.extensions["issuer.services"].db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in header.split(";")) if d}


class InlineFinder(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would block: inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {n}" for n in names if n == "style" or n.startswith("on")]
        self.found += [f"{tag} {n}" for n, v in attrs if (v or "").startswith("javascript:")]


# --- headers ---------------------------------------------------------------------------------


def _pages(client, earner_with_award) -> list[str]:
    _, award, _ = earner_with_award
    verify = award["verify_url"].replace("https://badges.test", "")
    return ["/", "/login", "/verify", "/account/password", verify, "/oauth/privacy"]


def test_html_pages_carry_a_policy_without_inline_script_and_no_framing(client, earner_with_award):
    for path in _pages(client, earner_with_award):
        response = client.get(path, headers=BROWSER)
        assert response.mimetype == "text/html", path
        directives = policy(response)
        assert directives["script-src"] == "'self'", path
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"], path
        assert directives["frame-ancestors"] == "'none'", path
        assert directives["object-src"] == "'none'", path


def test_html_pages_have_no_inline_script_style_or_handlers(client, earner_with_award):
    for path in _pages(client, earner_with_award):
        finder = InlineFinder()
        finder.feed(client.get(path, headers=BROWSER).data.decode())
        assert finder.found == [], path


def test_every_answer_says_nosniff_and_same_origin_referrer(client):
    for path in ("/", "/api/openapi.json", "/static/site.css"):
        response = client.get(path)
        response.close()
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "same-origin", path


def test_https_deployment_sends_strict_transport_security(client):
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=")


def test_http_deployment_sends_no_strict_transport_security(settings):
    app = create_app(settings.with_changes(base_url="http://localhost:5000"))
    try:
        assert "Strict-Transport-Security" not in app.test_client().get("/").headers
    finally:
        app.extensions["issuer.services"].db.dispose()


# --- proxies ---------------------------------------------------------------------------------


@pytest.fixture
def proxied(settings):
    """The app behind one proxy (TRUSTED_PROXIES=1) that connects from 10.0.0.2."""
    app = create_app(settings.with_changes(trusted_proxies=1))
    yield app
    app.extensions["issuer.services"].db.dispose()


def _via_proxy(client, client_address: str, email: str, password: str):
    env = {"REMOTE_ADDR": "10.0.0.2"}
    headers = {
        "X-Forwarded-For": client_address,
        "X-Forwarded-Proto": "https",
        "Referer": "https://localhost/login",  # as a browser sends it (CSRF strict on https)
    }
    page = client.get("/login", environ_base=env, headers=headers).data.decode()
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page)},
        environ_base=env,
        headers=headers,
    )


def test_one_client_behind_the_proxy_failing_does_not_lock_out_the_others(
    proxied, api, district, earner_with_award
):
    email, _, setup_url = earner_with_award
    visitor, other = proxied.test_client(), proxied.test_client()
    from .conftest import set_password

    set_password(other, setup_url)
    for _ in range(22):
        _via_proxy(visitor, "203.0.113.5", f"{uuid.uuid4().hex[:8]}@example.org", "wrong password!")
    assert _via_proxy(visitor, "203.0.113.5", email, PASSWORD).status_code == 429
    assert _via_proxy(other, "198.51.100.7", email, PASSWORD).status_code == 302
    with proxied.extensions["issuer.services"].db.session() as session:
        clients = set(session.scalars(select(LoginAttempt.client)))
    assert clients == {"203.0.113.5"}


def test_forwarded_headers_are_ignored_without_trusted_proxies(client, earner_with_award):
    """By default nobody can pick their own address: the limit holds against spoofed headers."""
    email, _, _ = earner_with_award
    for n in range(20):
        headers = {"X-Forwarded-For": f"198.51.100.{n}"}
        page = client.get("/login").data.decode()
        client.post(
            "/login",
            data={"email": f"x{n}@example.org", "password": "nope", "csrf_token": csrf_from(page)},
            headers=headers,
        )
    assert sign_in(client, email).status_code == 429


# --- HEAD is a GET without a body ------------------------------------------------------------


def test_head_login_with_a_body_does_not_count_as_a_failed_sign_in(app, client, earner_with_award):
    email, _, setup_url = earner_with_award
    from .conftest import set_password

    set_password(client, setup_url)
    statuses = {
        client.head("/login", data={"email": email, "password": "wrong password!"}).status_code
        for _ in range(7)
    }
    assert statuses == {200}
    assert count(app, LoginAttempt) == 0
    assert sign_in(client, email).status_code == 302


def test_head_password_link_with_a_body_does_not_set_the_password(app, client, earner_with_award):
    _, _, setup_url = earner_with_award
    token = re.search(r"token=([^&#]+)", setup_url).group(1)
    response = client.head(
        f"/account/password?token={token}", data={"token": token, "password": "x" * 12}
    )
    assert response.status_code in (200, 303) and response.data == b""
    with app.extensions["issuer.services"].db.session() as session:
        assert all(a.password_hash is None for a in session.scalars(select(Account)))


def test_head_authorize_with_a_body_does_not_approve(app, client, api, district):
    earner = make_earner(api, district, awards=0)
    backpack = Backpack(client)
    assert backpack.register().status_code == 201
    path = backpack.authorize_path()
    assert backpack.sign_in(path, earner.email).status_code == 303
    response = client.head(path, data={"action": "approve"})
    assert response.status_code == 200 and "Location" not in response.headers
    assert count(app, OAuthCode) == 0


def test_head_answers_the_get_headers_without_a_body(client):
    got, head = client.get("/login"), client.head("/login")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == got.headers["Content-Length"]
