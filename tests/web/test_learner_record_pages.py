"""The portfolio's "Download my record" (issue 16): the signed-in educator gets their CLR 2.0
record as a file; visitors are sent to sign in."""

from __future__ import annotations

import json

from tests.web.conftest import set_password, sign_in


def test_portfolio_offers_download_my_record(client, earner_with_award) -> None:
    email, _award, setup_url = earner_with_award
    set_password(client, setup_url)
    sign_in(client, email)
    page = client.get("/portfolio").data.decode()
    assert 'href="/portfolio/record.json"' in page and "Download my record" in page


def test_download_answers_the_record_as_an_attachment(client, earner_with_award) -> None:
    email, award, setup_url = earner_with_award
    set_password(client, setup_url)
    sign_in(client, email)
    response = client.get("/portfolio/record.json")
    record = json.loads(response.data)
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert record["credentialSubject"]["verifiableCredential"][0]["id"].endswith(award["id"])


def test_download_as_vc_jwt(client, earner_with_award) -> None:
    email, _award, setup_url = earner_with_award
    set_password(client, setup_url)
    sign_in(client, email)
    response = client.get("/portfolio/record.jwt")
    assert (response.mimetype, response.data.count(b".")) == ("application/vc+jwt", 2)


def test_visitor_is_sent_to_sign_in(client) -> None:
    response = client.get("/portfolio/record.json")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
