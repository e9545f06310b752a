"""The pages people use, in real headless Chromium (issue 5): award page, portfolio, certificate."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import PASSWORD

from .conftest import PHONE_WIDTH, check_page, page_path, phone_width, screenshot, sign_in, wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def earned(site):
    api = site.api
    issuer_id, admin = api.issuer("Riverside Unified School District")
    program_id = api.approved_program(
        admin,
        issuer_id,
        name="Formative Assessment in Practice",
        alignments=[
            {
                "target_name": "Standard 5: Assessment",
                "target_url": "https://standards.example.org/5",
            }
        ],
    )
    second = api.approved_program(admin, issuer_id, name="Classroom Discourse")
    api.ok(
        "POST",
        "/stacks",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "Instructional Leadership",
            "description": "Both",
            "programs": [program_id, second],
        },
    )
    email = "maria.alvarez@riverside.example.org"
    earner_id = api.earner(admin, email=email, name="María Álvarez")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
    award = api.complete(admin, enrollment_id)
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    return {
        "award": award,
        "email": email,
        "setup_url": api.password_link(email),
        "admin": admin,
    }


def test_award_url_shows_its_status_in_the_browser(browser, axe, site, earned):
    from selenium.webdriver.common.by import By

    browser.get(earned["award"]["verify_url"])
    assert browser.find_element(By.TAG_NAME, "h1").text == "Formative Assessment in Practice"
    assert browser.find_element(By.ID, "status").text == "Valid"
    assert browser.find_element(By.CLASS_NAME, "earner").text == "María Álvarez"
    qr = browser.find_element(By.CSS_SELECTOR, "img.qr")
    assert browser.execute_script("return arguments[0].naturalWidth", qr) > 0
    check_page(browser, axe, "award-page")


def test_revoked_award_shows_revoked_in_the_browser(browser, axe, site, earned):
    from selenium.webdriver.common.by import By

    site.api.ok(
        "POST",
        f"/awards/{earned['award']['id']}/revoke",
        earned["admin"],
        {"reason": "Issued in error"},
        status=200,
    )
    browser.get(earned["award"]["verify_url"])
    assert browser.find_element(By.ID, "status").text == "Revoked: Issued in error"
    check_page(browser, axe, "award-page-revoked")


def test_earner_signs_in_downloads_a_badge_and_opens_the_certificate(
    browser, axe, site, earned, downloads
):
    from selenium.webdriver.common.by import By

    browser.get(earned["setup_url"])
    check_page(browser, axe, "set-password")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(lambda: urlsplit(browser.current_url).path == "/login")
    check_page(browser, axe, "sign-in")
    browser.find_element(By.ID, "email").send_keys(earned["email"])
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(lambda: urlsplit(browser.current_url).path == "/portfolio")
    assert browser.find_element(By.ID, "credit-hours-total").text == "0.5"
    poster = browser.find_element(By.CSS_SELECTOR, "figure.poster")
    assert "1 of 2 earned" in poster.text
    check_page(browser, axe, "portfolio")
    browser.find_element(By.LINK_TEXT, "OB 2.0 PNG").click()
    baked = wait_for(lambda: [p for p in downloads.iterdir() if p.suffix == ".png"])
    assert baked[0].read_bytes().startswith(b"\x89PNG")
    browser.find_element(By.LINK_TEXT, "Certificate").click()
    wait_for(
        lambda: (
            urlsplit(browser.current_url).path.endswith("/certificate.pdf")
            or any(p.suffix == ".pdf" for p in downloads.iterdir())
        )
    )
    browser.get(earned["award"]["certificate_pdf"][:-3] + "png")
    screenshot(browser, "certificate")  # Chromium's own image viewer, not a page of ours
    assert browser.execute_script("return document.images[0].naturalWidth") == 1650


def test_uploading_a_baked_png_to_verify_shows_the_result(browser, axe, site, earned, tmp_path):
    from selenium.webdriver.common.by import By

    baked = tmp_path / "badge.png"
    baked.write_bytes(site.app.test_client().get(urlsplit(earned["award"]["ob2"]["png"]).path).data)
    browser.get(f"{site.url}/verify")
    check_page(browser, axe, "verify")
    browser.find_element(By.ID, "file").send_keys(str(baked))
    browser.find_element(By.ID, "recipient_email").send_keys("Maria.Alvarez@riverside.example.org")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    verdict = wait_for(lambda: browser.find_elements(By.ID, "verdict"))[0]
    assert verdict.text == "Valid"
    assert "recipient passed" in browser.find_element(By.ID, "report").text
    check_page(browser, axe, "verify-upload")


def test_verify_again_button_runs_the_live_checks(browser, axe, site, earned):
    from selenium.webdriver.common.by import By

    browser.get(earned["award"]["verify_url"])
    browser.find_element(By.ID, "verify-again").click()
    result = wait_for(
        lambda: (
            browser.find_element(By.ID, "verify-result").text.startswith(
                ("Verified", "Not valid", "Could not")
            )
            and browser.find_element(By.ID, "verify-result").text
        )
    )
    assert result.startswith("Verified just now"), result
    check_page(browser, axe, "award-page-verified-again")


def sign_in_in_browser(browser, site, earned) -> None:

    client = site.app.test_client()  # the password is set as in the journey above
    token = earned["setup_url"].split("#token=")[1]
    page = client.get("/account/password").data.decode()
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/account/password", data={"token": token, "password": PASSWORD, "csrf_token": csrf}
    )
    browser.get(f"{site.url}/login")
    sign_in(browser, earned["email"])
    wait_for(lambda: page_path(browser) == "/portfolio")


def fits_the_width(browser) -> bool:
    return browser.execute_script("return document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_main_pages_fit_a_375_px_phone_and_pass_axe(browser, axe, site, earned):
    phone_width(browser)
    for name, path in (
        ("home", "/"),
        ("sign-in", "/login"),
        ("verify", "/verify"),
        ("forgot-password", "/account/forgot-password"),
        ("not-found", "/ob2/assertions/not-a-real-award"),
    ):
        browser.get(f"{site.url}{path}")
        check_page(browser, axe, f"375px-{name}")
        assert fits_the_width(browser), name
    browser.get(earned["award"]["verify_url"])
    check_page(browser, axe, "375px-award-page")
    assert fits_the_width(browser)


def test_signed_in_pages_at_375_px_open_the_menu_with_the_person_and_sign_out(
    browser, axe, site, earned
):
    from selenium.webdriver.common.by import By

    sign_in_in_browser(browser, site, earned)
    phone_width(browser)
    browser.get(f"{site.url}/portfolio")
    check_page(browser, axe, "375px-portfolio")
    assert fits_the_width(browser)
    nav = browser.find_element(By.CSS_SELECTOR, "nav.usa-nav")
    assert not nav.is_displayed()
    browser.find_element(By.CSS_SELECTOR, "button.usa-menu-btn").click()
    wait_for(nav.is_displayed)
    time.sleep(0.5)  # the drawer slides in (USWDS animation) before the screenshot
    assert "María Álvarez" in nav.text and "Sign out" in nav.text and "My portfolio" in nav.text
    check_page(browser, axe, "375px-portfolio-menu-open")
    nav.find_element(By.CSS_SELECTOR, "form.sign-out button").click()
    wait_for(lambda: urlsplit(browser.current_url).path == "/")
    assert "Sign in" in browser.find_element(By.CSS_SELECTOR, "nav.usa-nav").get_attribute(
        "textContent"
    )


def test_a_mistyped_award_url_is_a_page_in_words(browser, axe, site, earned):
    from selenium.webdriver.common.by import By

    browser.get(earned["award"]["verify_url"][:-4] + "0000")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Page not found"
    check_page(browser, axe, "not-found")
