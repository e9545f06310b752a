"""Forgot password: the same answer whether or not an account exists; only the owner of an
account gets its one-time link, which sets a password and lets them sign in."""

from __future__ import annotations

import re

from tests.mail.messages import assert_well_formed, links_in
from tests.web.conftest import csrf_from, set_password, sign_in

PAGE = "/account/forgot-password"
SAME_ANSWER = "If an account exists for"


def _ask(client, email: str):
    form = client.get(PAGE)
    assert form.status_code == 200
    return client.post(PAGE, data={"email": email, "csrf_token": csrf_from(form.data.decode())})


def test_sign_in_page_links_to_forgot_password(client):
    assert 'href="/account/forgot-password"' in client.get("/login").data.decode()


def test_forgot_password_answers_the_same_page_whether_or_not_the_account_exists(
    api, client, outbox
):
    api.account("ptsb", email="known@example.org")
    known = _ask(client, "Known@example.org")
    unknown = _ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert SAME_ANSWER in known.data.decode() and SAME_ANSWER in unknown.data.decode()
    assert outbox.messages("password_reset", "nobody@example.org") == []
    assert len(outbox.messages("password_reset")) == 1


def test_the_reset_link_sets_a_new_password_and_signs_in(api, client, outbox):
    api.account("earner", email="forgot@example.org")
    _ask(client, "forgot@example.org")
    message = outbox.one("password_reset", "forgot@example.org")
    assert_well_formed(message, "Professional Teaching Standards Board", "forgot@example.org")
    link = next(link for link in links_in(message["text_body"]) if "#token=" in link)
    assert link in message["html_body"]
    assert set_password(client, link, "a brand new password").status_code == 302
    assert sign_in(client, "forgot@example.org", "a brand new password").status_code == 302
    assert client.get("/portfolio").status_code == 200
    again = set_password(client, link, "yet another password")
    assert again.status_code == 400  # the link worked once


def test_forgot_password_refuses_a_form_without_its_csrf_token(api, client, outbox):
    api.account("earner", email="csrf@example.org")
    answer = client.post(PAGE, data={"email": "csrf@example.org"})
    assert answer.status_code == 400
    assert outbox.messages("password_reset") == []


def test_forgot_password_is_rate_limited_per_email(api, client, outbox):
    api.account("earner", email="flood@example.org")
    for _ in range(3):
        assert _ask(client, "flood@example.org").status_code == 200
    refused = _ask(client, "flood@example.org")
    assert refused.status_code == 429
    assert len(outbox.messages("password_reset", "flood@example.org")) == 3


def test_forgot_password_is_rate_limited_per_client(client, outbox):
    for n in range(10):
        assert _ask(client, f"guess{n}@example.org").status_code == 200
    assert _ask(client, "guess-more@example.org").status_code == 429


def test_reset_requests_do_not_count_against_sign_in(api, client):
    api.account("earner", email="both@example.org")
    for n in range(10):
        _ask(client, f"other{n}@example.org")
    page = client.get("/login").data.decode()
    answer = client.post(
        "/login",
        data={"email": "both@example.org", "password": "wrong", "csrf_token": csrf_from(page)},
    )
    assert answer.status_code == 401


def test_api_password_reset_answers_202_either_way(api, outbox):
    api.account("ptsb", email="api@example.org")
    known = api.call("POST", "/password-resets", None, {"email": "api@example.org"})
    unknown = api.call("POST", "/password-resets", None, {"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    assert re.search(r"#token=", outbox.one("password_reset", "api@example.org")["text_body"])
    assert outbox.messages("password_reset", "ghost@example.org") == []


def test_api_password_reset_refuses_a_body_without_email(api):
    answer = api.call("POST", "/password-resets", None, {})
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "invalid_fields"
