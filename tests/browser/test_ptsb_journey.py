"""The board's staff through their pages only, in real Chromium, each page checked by axe-core:
register an issuer and invite its first admin, compare a submitted change of an approved program
with the version in force (a changed field marked "Changed") and approve it, then record an award
on an educator's license from the license desk with its certificate reference. The district acts
through the API between the board's steps."""

from __future__ import annotations

import pytest

from .conftest import check_page, main_text, page_path, phone_width, set_password, sign_in, wait_for

pytestmark = pytest.mark.browser

BOARD_EMAIL = "board@ptsb.test"  # the PTSB account the Api fixture creates


@pytest.fixture
def district_work(site):
    """An approved program with a changed version 2 submitted, and a pending completion notice
    for an educator with a license number."""
    api = site.api
    issuer_id, admin = api.issuer("Riverside Unified School District")
    program_id = api.approved_program(admin, issuer_id, name="Exit Tickets")
    earner_id = api.earner(
        admin,
        email="lee.chen@riverside.example.org",
        name="Lee Chen",
        license_number="TN-40417",
        position="Grade 5 teacher",
    )
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
    api.complete(admin, enrollment_id)
    api.ok(
        "PATCH",
        f"/programs/{program_id}",
        admin,
        {"description": "Uses exit tickets to plan the next lesson from what students show."},
        status=200,
    )
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    return {"api": api, "program_id": program_id, "setup_url": api.password_link(BOARD_EMAIL)}


def test_the_board_registers_an_issuer_approves_a_change_and_records_a_license(
    browser, axe, site, district_work
):
    from selenium.webdriver.common.by import By

    world = district_work
    # Set a password from the invitation link, then sign in.
    set_password(browser, world["setup_url"])
    sign_in(browser, BOARD_EMAIL)
    wait_for(lambda: page_path(browser) == "/")

    # Issuers: register one and invite its first admin.
    browser.find_element(By.LINK_TEXT, "Issuers").click()
    wait_for(lambda: page_path(browser) == "/ptsb/issuers")
    check_page(browser, axe, "ptsb-1-issuers")
    for field, value in (
        ("name", "Lakeside Academy"),
        ("url", "https://lakeside.example.org"),
        ("email", "pd@lakeside.example.org"),
        ("description", "A charter network of four schools."),
        ("admin_email", "head@lakeside.example.org"),
    ):
        browser.find_element(By.ID, field).send_keys(value)
    browser.find_element(By.CSS_SELECTOR, "form[aria-labelledby=new-issuer] button").click()
    wait_for(lambda: "Lakeside Academy is registered" in main_text(browser))
    assert "head@lakeside.example.org" in main_text(browser)
    check_page(browser, axe, "ptsb-2-issuer-registered")

    # Approvals: the submitted change, compared with the version in force.
    browser.find_element(By.LINK_TEXT, "Approvals").click()
    wait_for(lambda: page_path(browser) == "/ptsb/approvals")
    check_page(browser, axe, "ptsb-3-approval-queue")
    browser.find_element(By.LINK_TEXT, "Exit Tickets").click()
    wait_for(lambda: page_path(browser) == f"/ptsb/approvals/{world['program_id']}")
    description = browser.find_element(
        By.XPATH,
        "//table[contains(@class,'compare-table')]//tr[th[normalize-space()='Description']]",
    )
    assert "Changed" in description.text and "plan the next lesson" in description.text
    name = browser.find_element(
        By.XPATH, "//table[contains(@class,'compare-table')]//tr[th[normalize-space()='Name']]"
    )
    assert "Changed" not in name.text
    check_page(browser, axe, "ptsb-4-comparison")
    browser.find_element(By.ID, "comment").send_keys("Clearer criteria; approved.")
    browser.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
    wait_for(lambda: "is approved and published" in main_text(browser))
    assert "nothing to decide" in main_text(browser)
    check_page(browser, axe, "ptsb-5-approved")
    program = world["api"].ok("GET", f"/programs/{world['program_id']}", world["api"].ptsb)
    assert (program["version"], program["status"]) == (2, "approved")

    # The license desk: the pending notice, license number prefilled; record the certificate.
    browser.find_element(By.LINK_TEXT, "License desk").click()
    wait_for(lambda: page_path(browser) == "/ptsb/notices")
    main = main_text(browser)
    for text in ("Lee Chen", "TN-40417", "Grade 5 teacher", "Exit Tickets", "Riverside"):
        assert text in main, text
    license_input = browser.find_element(By.CSS_SELECTOR, "input[name=license_number]")
    assert license_input.get_attribute("value") == "TN-40417"
    check_page(browser, axe, "ptsb-6-license-desk")
    browser.find_element(By.CSS_SELECTOR, "input[name=certificate_reference]").send_keys(
        "PTSB-MC-0107"
    )
    browser.find_element(By.CSS_SELECTOR, "li.license-desk-item form button[type=submit]").click()
    wait_for(lambda: "is recorded on the license of Lee Chen" in main_text(browser))
    check_page(browser, axe, "ptsb-7-acknowledged")
    browser.find_element(By.PARTIAL_LINK_TEXT, "History").click()
    wait_for(lambda: "PTSB-MC-0107" in main_text(browser))
    check_page(browser, axe, "ptsb-8-history")
    [notice] = world["api"].ok("GET", "/ptsb/notices?status=acknowledged", world["api"].ptsb)[
        "items"
    ]
    assert (notice["license_number"], notice["certificate_reference"]) == (
        "TN-40417",
        "PTSB-MC-0107",
    )

    # The board's pages at 375 px, as on a phone.
    phone_width(browser)
    for name, path in (
        ("approvals", "/ptsb/approvals"),
        ("comparison", f"/ptsb/approvals/{world['program_id']}"),
        ("desk", "/ptsb/notices"),
        ("history", "/ptsb/notices?status=acknowledged"),
        ("educators", "/ptsb/educators"),
        ("issuers", "/ptsb/issuers"),
    ):
        browser.get(f"{site.url}{path}")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
        check_page(browser, axe, f"ptsb-phone-{name}")
