"""The facilitator authors a program through pages only, in real Chromium, each page checked by
axe-core: a new program with next steps per learning method, rubric descriptors of its own and a
badge image; a refused field shown at the field; the preview of the spec sheet; submitted for PTSB's
approval. Then the pages at 375 px."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import (
    check_page,
    click,
    main_text,
    page_path,
    phone_width,
    set_password,
    sign_in,
    type_into,
    wait_for,
)

pytestmark = pytest.mark.browser

IMAGES = Path(__file__).resolve().parents[1] / "fixtures" / "images"
EMAIL = "pat.rivera@riverside.example.org"


@pytest.fixture
def district(site):
    """A district with one approved program (a prerequisite to choose) and its facilitator."""
    api = site.api
    issuer_id, admin = api.issuer("Riverside Unified School District")
    foundations = api.approved_program(admin, issuer_id, name="PL Foundations")
    api.account("issuer_admin", issuer_id, email=EMAIL)
    return {
        "api": api,
        "admin": admin,
        "foundations": foundations,
        "setup_url": api.password_link(EMAIL),
    }


def test_a_facilitator_creates_previews_and_submits_a_program_through_pages_only(
    browser, axe, site, district
):
    from selenium.webdriver.common.by import By

    api = district["api"]
    # Set a password from the invitation link, then sign in.
    set_password(browser, district["setup_url"])
    sign_in(browser, EMAIL)
    wait_for(lambda: page_path(browser) == "/")

    # "Our programs" in the navigation; PL Foundations is approved; "New program".
    browser.find_element(By.LINK_TEXT, "Our programs").click()
    wait_for(lambda: page_path(browser) == "/console/programs")
    assert "PL Foundations" in main_text(browser) and "Approved" in main_text(browser)
    check_page(browser, axe, "authoring-1-our-programs")
    browser.find_element(By.LINK_TEXT, "New program").click()
    wait_for(lambda: page_path(browser) == "/console/programs/new")
    check_page(browser, axe, "authoring-2-new-program")

    # The whole form: text, methods with their next steps, an image, an alignment, the rubric.
    type_into(browser, "name", "Peer Coaching")
    type_into(browser, "description", "Coaches a colleague through a cycle of observation.")
    type_into(browser, "criteria", "A coaching log and a reflection scored 3 or higher.")
    type_into(browser, "competencies", "Observes without judging\nGives specific feedback")
    type_into(browser, "estimated_hours", "ten")  # refused: not a number
    click(browser, "label[for=method-online]")
    click(browser, "label[for=method-face_to_face]")
    type_into(browser, "next_steps-online", "Open https://learn.example.org with the code PC-2026.")
    type_into(browser, "next_steps-face_to_face", "Meet your coach on Tuesdays in room 12.")
    browser.find_element(By.ID, "image").send_keys(str(IMAGES / "badge.png"))
    type_into(browser, "alignment-0-target_name", "Coaching Standard 1")
    type_into(browser, "alignment-0-target_url", "https://standards.example.org/coaching/1")
    click(browser, f"label[for=prerequisite-{district['foundations']}]")
    type_into(browser, "rubric-3", "The log shows three full cycles with feedback.", clear=True)
    type_into(browser, "rubric-4", "The cycles changed the colleague's practice.", clear=True)
    click(browser, "button[value=save]:not([hidden])")

    # Refused: the error summary names the field; every value is kept, the image too.
    wait_for(lambda: "There is a problem" in main_text(browser))
    error = browser.find_element(By.ID, "estimated_hours-error").text
    assert "number" in error
    assert browser.find_element(By.ID, "name").get_attribute("value") == "Peer Coaching"
    assert "PC-2026" in browser.find_element(By.ID, "next_steps-online").get_attribute("value")
    assert browser.find_element(By.ID, "method-online").is_selected()
    assert "The image you chose is kept." in main_text(browser)
    check_page(browser, axe, "authoring-3-refused-field")
    type_into(browser, "estimated_hours", "10", clear=True)
    click(browser, "button[value=save]:not([hidden])")
    wait_for(
        lambda: (
            page_path(browser).startswith("/console/programs/") and "Draft" in main_text(browser)
        )
    )
    program_id = int(page_path(browser).rsplit("/", 1)[1])
    assert "saved as a draft" in main_text(browser)
    check_page(browser, axe, "authoring-4-program-draft")

    # The preview: the spec sheet of the draft, marked as not published.
    browser.find_element(By.LINK_TEXT, "Preview the spec sheet").click()
    wait_for(lambda: page_path(browser).endswith("/preview"))
    main = main_text(browser)
    assert "Preview — not published" in main
    assert "PC-2026" in main and "room 12" in main
    assert "The cycles changed the colleague's practice." in main
    assert "PL Foundations" in main and "Coaching Standard 1" in main
    badge = browser.find_element(By.CSS_SELECTOR, "img.spec-badge")
    assert browser.execute_script("return arguments[0].naturalWidth", badge) > 0
    check_page(browser, axe, "authoring-5-preview")

    # Submit for approval, confirmed first.
    browser.find_element(By.LINK_TEXT, "Back to the program").click()
    browser.find_element(By.LINK_TEXT, "Submit for approval").click()
    wait_for(lambda: page_path(browser).endswith("/submit"))
    check_page(browser, axe, "authoring-6-confirm-submit")
    click(browser, "form.confirm-form button[type=submit]")
    wait_for(lambda: "Awaiting PTSB" in main_text(browser))
    assert "is sent to PTSB" in main_text(browser)
    stored = api.ok("GET", f"/programs/{program_id}", district["admin"], status=200)
    assert stored["status"] == "submitted"
    assert stored["next_steps"]["face_to_face"] == "Meet your coach on Tuesdays in room 12."
    assert stored["rubric"][3]["descriptor"] == "The cycles changed the colleague's practice."
    assert stored["has_image"] and stored["prerequisites"] == [district["foundations"]]
    check_page(browser, axe, "authoring-7-submitted")

    # The facilitator's pages at 375 px, as on a phone.
    phone_width(browser)
    for name, path in (
        ("programs", "/console/programs"),
        ("program", f"/console/programs/{program_id}"),
        ("new", "/console/programs/new"),
        ("preview", f"/console/programs/{program_id}/preview"),
        ("stacks", "/console/stacks"),
        ("new-stack", "/console/stacks/new"),
    ):
        browser.get(f"{site.url}{path}")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
        check_page(browser, axe, f"authoring-phone-{name}")
