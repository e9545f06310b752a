"""The facilitator's console in real Chromium, every page checked by axe-core: confirm a passed
enrollment from the dashboard, find the educator by license number, revoke the award with a
reason; the console's pages at 375 px."""

from __future__ import annotations

import pytest

from .conftest import check_page, main_text, page_path, phone_width, set_password, sign_in, wait_for

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "pd.lead@riverside.example.org"
LICENSE = "TN-770031"


@pytest.fixture
def district(site):
    """A district with a passed enrollment, and its facilitator invited to sign in."""
    api = site.api
    issuer_id, admin = api.issuer("Riverside Unified School District")
    program_id = api.approved_program(admin, issuer_id, name="Formative Assessment")
    earner_id = api.earner(admin, name="Lee Chen", license_number=LICENSE)
    api.earner(admin, name="Sam Other", license_number="TN-100200")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
    api.account("issuer_admin", issuer_id, email=ADMIN_EMAIL)
    return {
        "earner_id": earner_id,
        "enrollment_id": enrollment_id,
        "setup_url": api.password_link(ADMIN_EMAIL),
    }


def test_the_facilitator_confirms_finds_and_revokes_through_pages_only(
    browser, axe, site, district
):
    from selenium.webdriver.common.by import By

    # Set a password from the invitation link, then sign in.
    set_password(browser, district["setup_url"])
    sign_in(browser, ADMIN_EMAIL)
    wait_for(lambda: page_path(browser) == "/")

    # The dashboard: Lee Chen's passed enrollment waits; confirm it.
    browser.find_element(By.LINK_TEXT, "Console").click()
    wait_for(lambda: page_path(browser) == "/console")
    assert "Passed, awaiting your confirmation (1)" in main_text(browser)
    check_page(browser, axe, "console-1-dashboard")
    row_button = browser.find_element(
        By.CSS_SELECTOR, f"button[name=enrollment_id][value='{district['enrollment_id']}']"
    )
    row_button.click()
    wait_for(lambda: "Completion confirmed for 1 enrollment" in main_text(browser))
    assert "Passed, awaiting your confirmation (0)" in main_text(browser)
    check_page(browser, axe, "console-2-confirmed")

    # Find the educator by license number and open their page.
    browser.find_element(By.LINK_TEXT, "Educators").click()
    wait_for(lambda: page_path(browser) == "/console/earners")
    browser.find_element(By.ID, "earner-search").send_keys(LICENSE)
    browser.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
    wait_for(lambda: "1 educator matching" in main_text(browser))
    assert "Sam Other" not in main_text(browser)
    check_page(browser, axe, "console-3-search")
    browser.find_element(By.LINK_TEXT, "Lee Chen").click()
    wait_for(lambda: page_path(browser) == f"/console/earners/{district['earner_id']}")
    assert "Completed" in main_text(browser)
    check_page(browser, axe, "console-4-educator")

    # Open the award, ask to revoke: without a reason the form says so; with one it revokes.
    browser.find_element(By.LINK_TEXT, "Formative Assessment").click()
    wait_for(lambda: page_path(browser).startswith("/console/awards/"))
    award_path = page_path(browser)
    check_page(browser, axe, "console-5-award")
    browser.find_element(By.LINK_TEXT, "Revoke this award").click()
    wait_for(lambda: page_path(browser).endswith("/revoke"))
    check_page(browser, axe, "console-6-revoke-question")
    browser.execute_script("document.getElementById('reason').removeAttribute('required')")
    browser.find_element(By.CSS_SELECTOR, "#revoke-form button[type=submit]").click()
    wait_for(lambda: "Give the reason for revoking" in main_text(browser))
    check_page(browser, axe, "console-7-revoke-needs-reason")
    browser.find_element(By.ID, "reason").send_keys("The evidence was not the educator's own.")
    browser.find_element(By.CSS_SELECTOR, "#revoke-form button[type=submit]").click()
    wait_for(
        lambda: page_path(browser) == award_path and "The award is revoked" in main_text(browser)
    )
    assert "The evidence was not the educator's own." in main_text(browser)
    check_page(browser, axe, "console-8-revoked")

    # The console's pages at 375 px, as on a phone.
    phone_width(browser)
    for name, path in (
        ("dashboard", "/console"),
        ("educators", f"/console/earners?q={LICENSE}"),
        ("educator", f"/console/earners/{district['earner_id']}"),
        ("add-educator", "/console/earners/new"),
        ("awards", "/console/awards"),
        ("award", award_path),
        ("imports", "/console/imports"),
        ("exports", "/console/exports"),
        ("webhooks", "/console/webhooks"),
    ):
        browser.get(f"{site.url}{path}")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
        check_page(browser, axe, f"console-phone-{name}")
