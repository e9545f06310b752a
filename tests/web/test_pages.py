"""People-facing pages (issue 5): award verification page, certificate, sign-in, portfolio."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from .conftest import PASSWORD, csrf_from, set_password, sign_in

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def local(url: str) -> str:
    return url.replace("https://badges.test", "")


def test_award_url_in_a_browser_shows_the_verification_page(client, earner_with_award):
    _, award, _ = earner_with_award
    html = client.get(local(award["verify_url"]), headers=BROWSER).data.decode()
    for text in (
        "Formative Assessment",
        "Valid",
        "Standard 5",
        "Approved by the Professional Teaching Standards Board",
        "0.5",
    ):
        assert text in html
    assert 'alt="QR code linking to this verification page"' in html
    assert "maria.alvarez@school.example.org" not in html


def test_award_page_shows_earner_name_and_og_tags(client, earner_with_award):
    _, award, _ = earner_with_award
    html = client.get(local(award["verify_url"]), headers=BROWSER).data.decode()
    assert 'class="earner">Ada Teacher<' in html
    assert 'property="og:image"' in html and 'name="twitter:card"' in html


def test_linkedin_link_is_prefilled(client, earner_with_award):
    _, award, _ = earner_with_award
    html = client.get(local(award["verify_url"]), headers=BROWSER).data.decode()
    href = (
        html.split('href="https://www.linkedin.com/profile/add?')[1]
        .split('"')[0]
        .replace("&amp;", "&")
    )
    params = parse_qs(href)
    assert params["name"] == ["Formative Assessment"]
    assert params["organizationName"] == ["Metro School District"]
    assert params["certUrl"] == [award["verify_url"]]


def test_revoked_award_page_says_revoked_with_reason(api, client, district, earner_with_award):
    _, award, _ = earner_with_award
    api.ok(
        "POST",
        f"/awards/{award['id']}/revoke",
        district[1],
        {"reason": "Evidence was copied"},
        status=200,
    )
    html = client.get(local(award["verify_url"]), headers=BROWSER).data.decode()
    assert "Revoked: Evidence was copied" in html


def test_certificate_is_a_pdf_and_a_png(client, earner_with_award):
    _, award, _ = earner_with_award
    pdf = client.get(local(award["certificate_pdf"]))
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    png = client.get(local(award["certificate_pdf"])[:-3] + "png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")


def test_password_link_then_sign_in_opens_the_portfolio(client, earner_with_award):
    email, award, setup_url = earner_with_award
    assert set_password(client, setup_url).status_code == 302
    response = sign_in(client, email.upper())
    assert response.status_code == 302 and response.headers["Location"].endswith("/portfolio")
    html = client.get("/portfolio").data.decode()
    assert "Formative Assessment" in html and 'id="credit-hours-total">0.5<' in html
    assert local(award["ob3"]["png"]) in html or award["ob3"]["png"] in html


def test_password_link_works_once(client, earner_with_award):
    _, _, setup_url = earner_with_award
    assert set_password(client, setup_url).status_code == 302
    again = set_password(client, setup_url, password="another long password")
    assert again.status_code == 400 and "already used" in again.data.decode()


def test_short_password_is_refused(client, earner_with_award):
    _, _, setup_url = earner_with_award
    assert set_password(client, setup_url, password="short").status_code == 400


def test_forged_password_link_is_refused(client):
    page = client.get("/account/password").data.decode()
    response = client.post(
        "/account/password",
        data={"token": "forged", "password": PASSWORD * 2, "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 400 and "not valid" in response.data.decode()


def test_wrong_password_is_refused_and_repeated_failures_are_rate_limited(
    client, earner_with_award
):
    email, _, setup_url = earner_with_award
    set_password(client, setup_url)
    statuses = [sign_in(client, email, "wrong password!").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    assert sign_in(client, email, PASSWORD).status_code == 429


def test_forms_without_csrf_token_are_refused(client, earner_with_award):
    email, _, _ = earner_with_award
    client.get("/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 400


def test_session_cookie_is_httponly_samesite_and_secure_on_https(client, earner_with_award):
    email, _, setup_url = earner_with_award
    set_password(client, setup_url)
    cookie = sign_in(client, email).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_portfolio_needs_sign_in(client):
    response = client.get("/portfolio")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_api_keeps_working_without_csrf(api, district):
    assert api.ok(
        "POST", "/earners", district[1], {"name": "No Csrf", "email": "nocsrf@example.org"}
    )["id"]


def test_unknown_page_is_an_html_404_for_browsers(client):
    response = client.get(
        "/awards/00000000-0000-0000-0000-000000000000/certificate.pdf", headers=BROWSER
    )
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_login_page_labels_every_field(client):
    html = client.get("/login").data.decode()
    assert re.search(r'<label[^>]* for="email">', html)
    assert re.search(r'<label[^>]* for="password">', html)
    assert csrf_from(html)
