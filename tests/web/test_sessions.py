"""Sessions end when they should (signing out, a new password) and the navigation offers each
person only what their role can open."""

from __future__ import annotations

import pytest

from .conftest import csrf_from, set_password, sign_in

NEW_PASSWORD = "a different long password"


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(client, cookie: str):
    client.set_cookie("session", cookie)
    return client.get("/portfolio")


def _sign_out(client):
    page = client.get("/").data.decode()
    return client.post("/logout", data={"csrf_token": csrf_from(page)})


@pytest.fixture
def signed_in_earner(client, earner_with_award):
    email, _, setup_url = earner_with_award
    set_password(client, setup_url)
    assert sign_in(client, email).status_code == 302
    assert client.get("/portfolio").status_code == 200
    return email


def test_cookie_replayed_after_sign_out_no_longer_opens_the_portfolio(client, signed_in_earner):
    cookie = _cookie(client)
    assert _sign_out(client).status_code == 302
    response = _replay(client, cookie)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_signing_out_ends_the_sessions_in_other_browsers_too(app, client, signed_in_earner):
    other = app.test_client()
    assert sign_in(other, signed_in_earner).status_code == 302
    _sign_out(client)
    assert other.get("/portfolio").status_code == 302


def test_a_new_password_ends_every_session_opened_with_the_old_one(
    app, client, runner, signed_in_earner
):
    cookie = _cookie(client)
    link = runner.invoke(args=["accounts", "invite", "--email", signed_in_earner]).output.strip()
    elsewhere = app.test_client()
    assert set_password(elsewhere, link, NEW_PASSWORD).status_code == 302
    assert _replay(client, cookie).status_code == 302
    assert sign_in(elsewhere, signed_in_earner, NEW_PASSWORD).status_code == 302
    assert elsewhere.get("/portfolio").status_code == 200


def test_a_fresh_sign_in_after_signing_out_works(client, signed_in_earner):
    _sign_out(client)
    assert sign_in(client, signed_in_earner).status_code == 302
    assert client.get("/portfolio").status_code == 200


# --- navigation by role ----------------------------------------------------------------------


def _nav(client) -> str:
    html = client.get("/").data.decode()
    return html.split('<nav aria-label="Main"')[1].split("</nav>")[0]


def test_visitor_is_offered_sign_in_but_no_portfolio(client):
    nav = _nav(client)
    assert "Sign in" in nav and "My portfolio" not in nav and "Sign out" not in nav


def test_earner_is_offered_the_portfolio_and_sign_out(client, signed_in_earner):
    nav = _nav(client)
    assert "My portfolio" in nav and "Sign out" in nav and "Sign in" not in nav
    assert client.get("/portfolio").status_code == 200


@pytest.mark.parametrize("role", ["reviewer", "issuer_admin", "ptsb"])
def test_other_roles_are_not_offered_the_portfolio_they_cannot_open(client, runner, district, role):
    issuer_id, _ = district
    email = f"{role}-nav@district.example.org"
    scope = [] if role == "ptsb" else ["--issuer", str(issuer_id)]
    made = runner.invoke(args=["accounts", "create", "--role", role, "--email", email, *scope])
    assert made.exit_code == 0, made.output
    link = runner.invoke(args=["accounts", "invite", "--email", email]).output.strip()
    set_password(client, link)
    assert sign_in(client, email).status_code == 302
    nav = _nav(client)
    assert "My portfolio" not in nav and "Sign out" in nav
    assert "/portfolio" not in client.get("/").data.decode()
    assert client.get("/portfolio").status_code == 403
