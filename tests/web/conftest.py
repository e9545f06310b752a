"""Helpers for the people-facing pages: an earner with an award and a web password."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

PASSWORD = "correct horse battery"


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "form has no CSRF token"
    return match.group(1)


def link_token(setup_url: str) -> str:
    """The one-time token of a password link (after ``#``, where the page's script reads it)."""
    return parse_qs(urlsplit(setup_url).fragment)["token"][0]


def set_password(client, setup_url: str, password: str = PASSWORD):
    """What a browser does with the link: open the page (the fragment is not sent), post the form."""
    form = client.get(urlsplit(setup_url).path)
    assert form.status_code == 200
    token = link_token(setup_url)
    return client.post(
        "/account/password",
        data={"token": token, "password": password, "csrf_token": csrf_from(form.data.decode())},
    )


def sign_in(client, email: str, password: str = PASSWORD):
    page = client.get("/login").data.decode()
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page)}
    )


@pytest.fixture
def earner_with_award(api, district):
    """(email, award, setup_url): an educator with one award and an earner account not yet signed in."""
    issuer_id, admin = district
    email = "maria.alvarez@school.example.org"
    program_id = api.approved_program(
        admin,
        issuer_id,
        alignments=[{"target_name": "Standard 5", "target_url": "https://standards.example.org/5"}],
    )
    earner_id = api.earner(admin, email=email)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
    award = api.complete(admin, enrollment_id)
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    return email, award, api.password_link(email)
