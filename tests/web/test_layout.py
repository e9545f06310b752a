"""The layout every page shares (SPEC §8): the vendored design system from this origin, who is
signed in and Sign out on every page, a skip link to the main landmark, flashed messages."""

from __future__ import annotations

from flask import flash, render_template

from issuer.domain.actors import Actor
from issuer.domain.states import Role
from issuer.web.navigation import links_for

from .conftest import set_password, sign_in

PAGES = ["/", "/verify", "/portfolio", "/oauth/apps", "/no-such-page"]


def test_pages_load_the_design_system_from_this_origin(client):
    html = client.get("/").data.decode()
    for asset in ("uswds/css/uswds.min.css", "uswds/js/uswds.min.js", "uswds/js/uswds-init.min.js"):
        assert f'"/static/{asset}"' in html
        with client.get(f"/static/{asset}") as response:
            assert response.status_code == 200


def test_the_design_system_fonts_are_served_from_this_origin(client):
    path = "/static/uswds/fonts/source-sans-pro/sourcesanspro-regular-webfont.woff2"
    with client.get(path) as font:
        assert font.status_code == 200 and font.data[:4] == b"wOF2"


def test_every_page_starts_with_a_skip_link_to_the_main_landmark(client):
    html = client.get("/verify").data.decode()
    assert html.index('class="usa-skipnav" href="#main-content"') < html.index("<header")
    assert '<main id="main-content"' in html


def test_the_signed_in_educator_is_named_and_offered_sign_out_on_every_page(
    client, earner_with_award
):
    email, _, setup_url = earner_with_award
    set_password(client, setup_url)
    sign_in(client, email)
    for path in PAGES:
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.mimetype == "text/html", path
        nav = response.data.decode().split('<nav aria-label="Main"')[1].split("</nav>")[0]
        assert 'id="signed-in-as">Ada Teacher<' in nav and "Sign out" in nav, path


def test_staff_are_named_by_their_email(client, api, district):
    email = "facilitator@district.example.org"
    api.ok(
        "POST",
        "/accounts",
        api.ptsb,
        {"role": "issuer_admin", "email": email, "issuer_id": district[0]},
    )
    set_password(client, api.password_link(email))
    sign_in(client, email)
    nav = client.get("/verify").data.decode().split('<nav aria-label="Main"')[1]
    assert f'id="signed-in-as">{email}<' in nav


def test_a_flashed_message_shows_as_a_usa_alert_of_its_kind(app):
    with app.test_request_context("/"):
        flash("Your enrolment is saved.", "success")
        html = render_template("home.html", actor=None)
    alert = html.split('class="usa-alert usa-alert--success')[1].split("</div>")[0]
    assert 'role="status"' in alert and "Your enrolment is saved." in alert


def test_the_navigation_leaves_out_pages_this_build_does_not_serve():
    earner = Actor(account_id=1, role=Role.EARNER, email="e@example.org")
    labels = [link.label for link in links_for(earner, lambda path: path != "/programs", "/")]
    assert labels == [
        "My learning",
        "My portfolio",
        "Connected apps",
        "Verify a badge",
        "My account",
    ]


def test_the_navigation_shows_a_visitor_no_educator_pages():
    labels = [link.label for link in links_for(None, lambda path: True, "/")]
    assert labels == ["Programs", "Verify a badge"]


def test_the_page_being_read_is_marked_current():
    shown = links_for(None, lambda path: True, "/verify")
    assert [link.current for link in shown] == [False, True]
