"""Send to my backpack, the refusals that need no backpack: the form, CSRF, addresses we do not
contact without ``VERIFY_ALLOW_PRIVATE``, badges that are not the earner's to send, and callbacks
that belong to no sending. The whole exchange with a backpack is in
tests/interop/test_send_to_backpack.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from issuer.models import AuditEntry, BackpackConnection, BackpackRegistration

from .conftest import csrf_from, set_password, sign_in


@pytest.fixture
def signed_in(client, earner_with_award):
    """(client signed in as the earner, their award)."""
    email, award, setup_url = earner_with_award
    set_password(client, setup_url)
    assert sign_in(client, email).status_code == 302
    return client, award


def _send(client, award_id: str, backpack_url: str, csrf: bool = True):
    form = {"award_id": award_id, "backpack_url": backpack_url}
    if csrf:
        form["csrf_token"] = csrf_from(client.get("/portfolio").data.decode())
    return client.post("/portfolio/backpack", data=form)


def _stored_nothing(app) -> bool:
    with app.extensions["issuer.services"].db.session() as session:
        registrations = session.scalar(select(func.count()).select_from(BackpackRegistration))
        connections = session.scalar(select(func.count()).select_from(BackpackConnection))
        sent = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("%backpack%"))
        )
    return registrations == connections == sent == 0


def test_the_portfolio_offers_each_badge_a_send_to_my_backpack_form(signed_in):
    client, award = signed_in
    html = client.get("/portfolio").data.decode()
    form = html.split('class="send-to-backpack"')[1].split("</form>")[0]
    assert 'action="/portfolio/backpack"' in html
    assert f'name="award_id" value="{award["id"]}"' in form
    assert 'name="csrf_token"' in form and 'name="backpack_url" type="url"' in form


def test_a_revoked_badge_has_no_send_form(api, district, signed_in):
    client, award = signed_in
    api.ok("POST", f"/awards/{award['id']}/revoke", district[1], {"reason": "copied"}, status=200)
    assert 'class="send-to-backpack"' not in client.get("/portfolio").data.decode()


def test_sending_without_the_csrf_token_is_refused(app, signed_in):
    client, award = signed_in
    answer = _send(client, award["id"], "https://backpack.example.org", csrf=False)
    assert answer.status_code == 400
    assert _stored_nothing(app)


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("http://backpack.example.org", "must start with https://"),
        ("https://127.0.0.1:9", "loopback address"),
        ("https://10.1.2.3", "private address"),
        ("https://[::1]:9", "loopback address"),
        ("https://user:pw@backpack.example.org", "user name or password"),
        ("javascript:alert(1)", "must start with https://"),
        ("https://backpack.example.org/?next=x", "without ? or #"),
    ],
    ids=["plain-http", "loopback", "private", "ipv6-loopback", "credentials", "script", "query"],
)
def test_an_address_we_do_not_contact_is_refused_without_verify_allow_private(
    app, signed_in, address, says
):
    client, award = signed_in
    answer = _send(client, award["id"], address)
    assert answer.status_code == 400
    assert says in answer.data.decode()
    assert _stored_nothing(app)


def test_another_earners_badge_is_refused_before_any_backpack_is_contacted(
    api, app, district, signed_in
):
    client, _ = signed_in
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id, name="Someone else's program")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    theirs = api.complete(admin, enrollment_id)
    answer = _send(client, theirs["id"], "https://127.0.0.1:9")  # refused before this address
    assert answer.status_code == 403
    assert "belongs to another educator" in answer.data.decode()
    assert _stored_nothing(app)


def test_an_unknown_badge_is_not_found(app, signed_in):
    client, _ = signed_in
    answer = _send(client, "7d3c9a1e-0000-4000-8000-000000000000", "https://backpack.example.org")
    assert answer.status_code == 404
    assert _stored_nothing(app)


def test_a_revoked_badge_cannot_be_sent(api, app, district, signed_in):
    client, award = signed_in
    csrf = csrf_from(client.get("/portfolio").data.decode())
    api.ok("POST", f"/awards/{award['id']}/revoke", district[1], {"reason": "copied"}, status=200)
    answer = client.post(
        "/portfolio/backpack",
        data={"award_id": award["id"], "backpack_url": "https://b.example.org", "csrf_token": csrf},
    )
    assert answer.status_code == 409 and "revoked badge cannot be sent" in answer.data.decode()
    assert _stored_nothing(app)


def test_sending_needs_a_signed_in_earner(client):
    page = client.get("/login").data.decode()
    answer = client.post(
        "/portfolio/backpack",
        data={
            "award_id": "x",
            "backpack_url": "https://b.example.org",
            "csrf_token": csrf_from(page),
        },
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")


def test_a_callback_without_a_sending_in_progress_is_refused(app, signed_in):
    client, _ = signed_in
    answer = client.get("/portfolio/backpack/callback?code=abc&state=xyz")
    assert answer.status_code == 400
    assert "No sending to a backpack is in progress" in answer.data.decode()
    assert _stored_nothing(app)


def test_a_callback_without_a_signed_in_earner_is_refused(app, client):
    answer = client.get("/portfolio/backpack/callback?code=abc&state=xyz")
    assert answer.status_code == 400 and "Sign in again" in answer.data.decode()
    assert _stored_nothing(app)
