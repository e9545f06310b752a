"""Issue 13 in real Chromium, pages only: a facilitator opens a review cycle and assigns
reviewers; three reviewers each score from their queue. axe-core checks every page."""

from __future__ import annotations

import pytest

from .conftest import (
    check_page,
    main_text,
    page_path,
    phone_width,
    set_password,
    sign_in,
    sign_out,
    wait_for,
)

pytestmark = pytest.mark.browser

FACILITATOR = "fran.lopez@riverside.example.org"
REVIEWERS = [f"reviewer{n}@riverside.example.org" for n in (1, 2, 3)]


@pytest.fixture
def district(site):
    """A district with a program, a facilitator, three reviewers and two submissions waiting."""
    api = site.api
    issuer_id, admin = api.issuer("Riverside Unified School District")
    program_id = api.approved_program(admin, issuer_id, name="Peer Coaching")
    api.ok(
        "POST",
        "/accounts",
        api.ptsb,
        {"role": "issuer_admin", "email": FACILITATOR, "issuer_id": issuer_id},
    )
    for email in REVIEWERS:
        api.ok(
            "POST", "/accounts", admin, {"role": "reviewer", "email": email, "issuer_id": issuer_id}
        )
    enrollments = []
    for name, email in (
        ("Lee Chen", "lee@school.example.org"),
        ("Ana Ruiz", "ana@school.example.org"),
    ):
        enrollment_id = api.enrol(admin, program_id, api.earner(admin, email=email, name=name))
        api.submit(admin, enrollment_id)
        enrollments.append(enrollment_id)
    return {"api": api, "admin": admin, "enrollments": enrollments}


def test_a_facilitator_opens_and_assigns_a_cycle_and_three_reviewers_score_from_their_queues(
    browser, axe, site, district
):
    from selenium.webdriver.common.by import By

    # The facilitator opens a cycle (the end of the month is offered) and assigns reviewers.
    set_password(browser, site.api.password_link(FACILITATOR))
    sign_in(browser, FACILITATOR)
    browser.get(f"{site.url}/console/cycles")
    assert "No review cycle yet" in main_text(browser)
    check_page(browser, axe, "cycles-1-list")
    browser.find_element(By.CSS_SELECTOR, "#open-cycle button[type=submit]").click()
    wait_for(lambda: page_path(browser).startswith("/console/cycles/"))
    cycle_path = page_path(browser)
    assert "2 waiting for reviewers" in main_text(browser)
    check_page(browser, axe, "cycles-2-opened")
    browser.find_element(By.CSS_SELECTOR, "#assign button[type=submit]").click()
    wait_for(lambda: "Reviewers assigned to 2 submissions" in main_text(browser))
    main = main_text(browser)
    assert "Lee Chen" in main and "Ana Ruiz" in main and REVIEWERS[0] in main
    check_page(browser, axe, "cycles-3-assigned")
    sign_out(browser)

    # Each reviewer scores both submissions from their queue.
    for n, email in enumerate(REVIEWERS):
        set_password(browser, site.api.password_link(email))
        sign_in(browser, email)
        browser.get(f"{site.url}/reviews")
        main = main_text(browser)
        assert "Peer Coaching" in main and "Lee Chen" not in main
        if n == 0:
            check_page(browser, axe, "reviews-1-queue")
        for scored in range(2):
            browser.find_element(By.CSS_SELECTOR, "#review-queue a").click()
            wait_for(lambda: page_path(browser).startswith("/reviews/"))
            if n == 0 and scored == 0:
                assert "Proficient" in main_text(browser)
                check_page(browser, axe, "reviews-2-scoring")
                # Feedback is required: the form comes back with the error.
                browser.find_element(By.CSS_SELECTOR, "label[for=score-3]").click()
                browser.execute_script(
                    "document.getElementById('feedback').removeAttribute('required')"
                )
                browser.find_element(By.CSS_SELECTOR, "#score-form button[type=submit]").click()
                wait_for(lambda: "Write your feedback" in main_text(browser))
                check_page(browser, axe, "reviews-3-feedback-required")
            browser.find_element(By.CSS_SELECTOR, "label[for=score-3]").click()
            browser.find_element(By.ID, "feedback").send_keys(
                f"Reviewer {n + 1}: clear coaching cycle."
            )
            browser.find_element(By.CSS_SELECTOR, "#score-form button[type=submit]").click()
            wait_for(lambda: "your score and feedback are recorded" in main_text(browser))
        assert "Nothing to review right now" in main_text(browser)
        if n == 0:
            check_page(browser, axe, "reviews-4-queue-done")
            phone_width(browser)
            width = browser.execute_script("return document.documentElement.scrollWidth")
            assert width <= 375, width
            browser.set_window_size(1280, 900)
            browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        sign_out(browser)

    # Both submissions passed; the facilitator's page shows every score given.
    api, admin = district["api"], district["admin"]
    for enrollment_id in district["enrollments"]:
        assert api.ok("GET", f"/enrollments/{enrollment_id}", admin)["status"] == "passed"
    set_password(browser, site.api.password_link(FACILITATOR))
    sign_in(browser, FACILITATOR)
    browser.get(f"{site.url}{cycle_path}")
    assert "6 of 6 scores given" in main_text(browser)
    check_page(browser, axe, "cycles-4-done")
