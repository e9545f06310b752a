"""Human error pages (SPEC §8): a browser gets a page in words for 403, 404, 405, 413 and 500,
never raw JSON or a stack trace; API and machine clients keep their JSON errors."""

from __future__ import annotations

import pytest

from .conftest import set_password, sign_in

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
MACHINE = {"Accept": "application/ld+json"}
BAD_ASSERTION = "/ob2/assertions/00000000-0000-0000-0000-00000000000x"


def is_error_page(response, status: int) -> str:
    html = response.data.decode()
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f'data-status="{status}"' in html
    assert 'class="usa-header' in html  # the site's own layout, with its navigation
    return html


def test_a_mistyped_award_url_in_a_browser_is_a_not_found_page(client):
    html = is_error_page(client.get(BAD_ASSERTION, headers=BROWSER), 404)
    assert "Page not found" in html and '"error"' not in html


def test_a_mistyped_award_url_stays_json_for_a_json_ld_client(client):
    response = client.get(BAD_ASSERTION, headers=MACHINE)
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_a_mistyped_award_url_stays_json_for_a_client_accepting_anything(client):
    response = client.get(BAD_ASSERTION, headers={"Accept": "*/*"})
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_an_unknown_page_in_a_browser_is_a_not_found_page(client):
    html = is_error_page(client.get("/no-such-page", headers=BROWSER), 404)
    assert "Go to the home page" in html


def test_an_unknown_api_path_stays_json_even_for_a_browser(client):
    response = client.get("/api/v1/no-such-thing", headers=BROWSER)
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_an_unknown_ob3_api_path_stays_json_even_for_a_browser(client):
    response = client.get("/ims/ob/v3p0/no-such-thing", headers=BROWSER)
    assert response.status_code == 404 and response.mimetype == "application/json"


def test_the_oauth_token_endpoint_answers_json_to_a_browser(client):
    response = client.get("/oauth/token", headers=BROWSER)
    assert response.status_code == 405 and response.mimetype == "application/json"


def test_a_page_opened_with_the_wrong_method_is_a_method_page_with_allow(client):
    html = is_error_page(client.get("/logout", headers=BROWSER), 405)
    assert "This page cannot do that" in html
    assert client.get("/logout", headers=BROWSER).headers["Allow"].startswith(("POST", "OPTIONS"))


def test_an_api_call_with_the_wrong_method_stays_json(client):
    response = client.delete("/api/openapi.json", headers=BROWSER)
    assert response.status_code == 405 and response.json["error"] == "method_not_allowed"


def test_a_too_large_upload_from_a_browser_is_a_too_large_page(client, settings):
    body = b"x" * (settings.max_upload_bytes + 1)
    response = client.post(
        "/verify",
        data=body,
        headers={**BROWSER, "Content-Type": "application/x-www-form-urlencoded"},
    )
    html = is_error_page(response, 413)
    assert "Too large to accept" in html


def test_a_too_large_api_body_stays_json(client, settings):
    body = b"x" * (settings.max_upload_bytes + 1)
    response = client.post(
        "/api/v1/verify", data=body, headers={**BROWSER, "Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json["error"] == "payload_too_large"


@pytest.fixture
def failing_home(monkeypatch):
    """The home page's session read fails with an error whose words must never reach a page."""

    def broken() -> None:
        raise RuntimeError("SECRET-INTERNAL-DETAIL in traceback")

    monkeypatch.setattr("issuer.web.signed_in", broken)


def test_an_unexpected_error_in_a_browser_is_a_page_without_the_trace(client, failing_home):
    html = is_error_page(client.get("/", headers=BROWSER), 500)
    assert "Something went wrong on our side" in html
    assert "SECRET-INTERNAL-DETAIL" not in html and "Traceback" not in html
    assert 'class="error-reference"' in html


def test_an_unexpected_error_for_a_json_client_stays_json(client, failing_home):
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 500 and response.json["error"] == "internal_error"
    assert "SECRET-INTERNAL-DETAIL" not in response.data.decode()


def test_a_page_the_role_cannot_open_is_a_forbidden_page(client, runner, district):
    issuer_id, _ = district
    email = "reviewer-403@district.example.org"
    made = runner.invoke(
        args=[
            "accounts",
            "create",
            "--role",
            "reviewer",
            "--email",
            email,
            "--issuer",
            str(issuer_id),
        ]
    )
    assert made.exit_code == 0, made.output
    set_password(
        client, runner.invoke(args=["accounts", "invite", "--email", email]).output.strip()
    )
    assert sign_in(client, email).status_code == 302
    html = is_error_page(client.get("/portfolio", headers=BROWSER), 403)
    assert "You cannot open this page" in html and email in html  # still signed in, in the nav


def test_an_api_call_without_a_right_stays_json(client):
    response = client.get("/api/v1/programs", headers=BROWSER)
    assert response.status_code == 401 and response.json["error"] == "unauthenticated"
