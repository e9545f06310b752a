"""Issue 14: the award's verification page is kept per worker for anonymous visitors only; a
signed-in person's page names them and is never the one kept for everyone."""

from __future__ import annotations

from issuer.certificates import qr

from .conftest import set_password, sign_in

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def page(client, award) -> str:
    url = award["verify_url"].replace("https://badges.test", "")
    response = client.get(url, headers={"Accept": BROWSER})
    assert response.status_code == 200
    return response.data.decode()


def test_a_signed_in_person_sees_their_own_page_and_visitors_the_anonymous_one(
    app, earner_with_award
):
    email, award, setup_url = earner_with_award
    visitor, person = app.test_client(), app.test_client()
    anonymous = page(visitor, award)
    assert "Sign in" in anonymous and "signed-in-as" not in anonymous
    set_password(person, setup_url)
    assert sign_in(person, email).status_code == 302

    assert 'id="signed-in-as">' in page(person, award)
    assert page(visitor, award) == anonymous


def test_the_qr_code_is_drawn_once_per_url(app, client, earner_with_award):
    _, award, _ = earner_with_award
    qr.qr_png.cache_clear()
    qr.qr_data_url.cache_clear()
    app.extensions["issuer.services"].reads.pages.clear()
    first = page(client, award)
    app.extensions["issuer.services"].reads.pages.clear()  # the page is rendered again
    assert page(client, award) == first
    assert qr.qr_data_url.cache_info().hits == 1 and qr.qr_data_url.cache_info().misses == 1
