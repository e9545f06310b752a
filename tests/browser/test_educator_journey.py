"""Issue 12: an educator's whole journey through pages only, in real Chromium, each page checked
by axe-core and photographed. The district's staff (reviewers, the facilitator) act through the
API between the educator's steps: their pages come with issue 13."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .conftest import check_page, click, page_path, phone_width, set_password, sign_in, wait_for

pytestmark = pytest.mark.browser

EVIDENCE = Path(__file__).resolve().parents[1] / "fixtures" / "evidence"
EMAIL = "lee.chen@riverside.example.org"


@pytest.fixture
def district_programs(site):
    """PL Foundations, then Peer Coaching behind it; an educator invited to sign in."""
    api = site.api
    issuer_id, admin = api.issuer("Riverside Unified School District")
    foundations = api.approved_program(admin, issuer_id, name="PL Foundations")
    coaching = api.approved_program(
        admin, issuer_id, name="Peer Coaching", prerequisites=[foundations]
    )
    earner_id = api.earner(admin, email=EMAIL, name="Lee Chen")
    api.ok("POST", "/accounts", admin, {"role": "earner", "email": EMAIL})
    return {
        "api": api,
        "admin": admin,
        "reviewers": api.reviewers(issuer_id, admin),
        "foundations": foundations,
        "coaching": coaching,
        "earner_id": earner_id,
        "setup_url": api.password_link(EMAIL),
    }


def _latest_submission(world) -> int:
    api, admin = world["api"], world["admin"]
    [line] = api.ok("GET", f"/enrollments?earner_id={world['earner_id']}", admin)["items"]
    return api.ok("GET", f"/enrollments/{line['id']}", admin)["submissions"][-1]["id"]


def test_an_educator_finds_enrols_submits_resubmits_and_earns_through_pages_only(
    browser, axe, site, district_programs
):
    from selenium.webdriver.common.by import By

    world = district_programs
    # Set a password from the invitation link, then sign in.
    set_password(browser, world["setup_url"])
    sign_in(browser, EMAIL)
    wait_for(lambda: page_path(browser) == "/portfolio")

    # Find Peer Coaching in the catalog and open its specification sheet.
    browser.get(f"{site.url}/programs")
    browser.find_element(By.ID, "q").send_keys("Coaching")
    browser.find_element(By.CSS_SELECTOR, "form[role=search] button[type=submit]").click()
    wait_for(lambda: "q=Coaching" in browser.current_url)
    check_page(browser, axe, "journey-1-catalog")
    browser.find_element(By.LINK_TEXT, "Peer Coaching").click()
    wait_for(lambda: page_path(browser) == f"/programs/{world['coaching']}")
    check_page(browser, axe, "journey-2-spec-sheet")

    # Enrolling is refused with the prerequisite named and linked (the spec sheet names it too,
    # so wait for the refusal itself, not the name).
    click(browser, "main form button[type=submit]")
    wait_for(lambda: "The enrolment was refused" in browser.find_element(By.TAG_NAME, "main").text)
    assert "PL Foundations" in browser.find_element(By.TAG_NAME, "main").text
    check_page(browser, axe, "journey-3-prerequisite-first")
    browser.find_element(By.CSS_SELECTOR, "main").find_element(
        By.LINK_TEXT, "PL Foundations"
    ).click()
    wait_for(lambda: page_path(browser) == f"/programs/{world['foundations']}")
    click(browser, "main form button[type=submit]")
    wait_for(lambda: page_path(browser).startswith("/learning/enrollments/"))
    enrollment_page = browser.current_url
    check_page(browser, axe, "journey-4-enrolled")

    # The performance task: narrative, a PDF and an image.
    browser.find_element(By.ID, "narrative").send_keys("How I used exit tickets this month.")
    files = browser.find_element(By.ID, "files")
    files.send_keys(f"{EVIDENCE / 'lesson.pdf'}\n{EVIDENCE / 'pixel.png'}")
    browser.find_element(By.CSS_SELECTOR, "#performance-task button[type=submit]").click()
    wait_for(lambda: "In review" in browser.find_element(By.TAG_NAME, "main").text)
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "lesson.pdf" in main and "pixel.png" in main
    check_page(browser, axe, "journey-5-in-review")

    # Three reviewers score it below 3: the feedback arrives as Reviewer 1/2/3.
    world["api"].score(world["reviewers"], _latest_submission(world), [2, 1, 2])
    browser.get(enrollment_page)
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Reviewer 1" in main and "Reviewer 3" in main and "reviewer-" not in main
    check_page(browser, axe, "journey-6-needs-revision")

    # Resubmit; the second attempt passes and waits for the district.
    browser.find_element(By.ID, "narrative").send_keys("Revised with student work samples.")
    browser.find_element(By.CSS_SELECTOR, "#performance-task button[type=submit]").click()
    wait_for(lambda: "Attempt 2" in browser.find_element(By.TAG_NAME, "main").text)
    world["api"].score(world["reviewers"], _latest_submission(world), [3, 4, 3])
    browser.get(enrollment_page)
    assert "waiting for your district to confirm" in browser.find_element(By.TAG_NAME, "main").text
    check_page(browser, axe, "journey-7-passed")

    # The facilitator confirms; the badge is in the portfolio.
    [line] = world["api"].ok("GET", f"/enrollments?earner_id={world['earner_id']}", world["admin"])[
        "items"
    ]
    world["api"].complete(world["admin"], line["id"])
    browser.get(f"{site.url}/portfolio")
    assert "PL Foundations" in browser.find_element(By.TAG_NAME, "main").text
    check_page(browser, axe, "journey-8-portfolio")

    # The educator's pages at 375 px, as on a phone.
    phone_width(browser)
    for name, path in (
        ("catalog", "/programs"),
        ("spec-sheet", f"/programs/{world['coaching']}"),
        ("my-learning", "/learning"),
        ("enrollment", urlsplit(enrollment_page).path),
        ("account", "/account"),
    ):
        browser.get(f"{site.url}{path}")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
        check_page(browser, axe, f"journey-phone-{name}")
