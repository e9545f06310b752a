"""Issue 13, "Done when": the whole year of a micro-credential through pages only, in real
Chromium, each step by the person whose work it is, every page photographed and checked by
axe-core. PTSB registers a district and invites its facilitator; the facilitator (from the
invitation email) authors a program with next steps and rubric and submits it; PTSB compares and
approves it; the facilitator invites three reviewers and an educator; the educator enrols from the
spec sheet and submits; a review cycle is opened and assigned; the reviewers score it below 3 (the
median of record), the educator reads the feedback and resubmits, the cycle is assigned again and
the reviewers pass it; the facilitator confirms the completion; PTSB records it on the license;
the educator's portfolio shows the badge with the license record.

Invitation links are read from the ``.eml`` files the mail runner (``flask mail run --once``)
writes into ``instance/mail/``, as the person would open them. One browser; each person signs out
with "Sign out" in the navigation before the next signs in."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import PASSWORD

from .conftest import check_page
from .test_pages_in_chromium import wait_for

pytestmark = pytest.mark.browser

IMAGES = Path(__file__).resolve().parents[1] / "fixtures" / "images"
EVIDENCE = Path(__file__).resolve().parents[1] / "fixtures" / "evidence"
BOARD = "board@ptsb.test"  # the PTSB account the Api fixture creates
FACILITATOR = "pat.rivera@lakeside.example.org"
REVIEWERS = [f"reviewer{n}@lakeside.example.org" for n in (1, 2, 3)]
EDUCATOR = "lee.chen@lakeside.example.org"
LICENSE = "TN-40417"
PROGRAM = "Peer Coaching"


def _path(browser) -> str:
    return urlsplit(browser.current_url).path


def _main(browser) -> str:
    """The page's main text; "" while the page is being replaced (wait_for then asks again)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return browser.find_element(By.TAG_NAME, "main").text
    except (StaleElementReferenceException, NoSuchElementException):
        return ""


def _type(browser, element_id: str, text: str, clear: bool = False) -> None:
    from selenium.webdriver.common.by import By

    element = browser.find_element(By.ID, element_id)
    if clear:
        element.clear()
    element.send_keys(text)


def _click(browser, selector: str) -> None:
    from selenium.webdriver.common.by import By

    element = browser.find_element(By.CSS_SELECTOR, selector)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _nav(browser, label: str, path: str) -> None:
    """Follow a link of the primary navigation, as a person does."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, "nav").find_element(By.LINK_TEXT, label).click()
    wait_for(lambda: _path(browser) == path)


class Mailbox:
    """The mail runner's ``.eml`` files: the invitation each person opens."""

    def __init__(self, site) -> None:
        self.site = site
        self.folder = site.app.extensions["issuer.services"].settings.instance_dir / "mail"

    def texts(self, email: str) -> list[str]:
        """The plain text of every message delivered to ``email`` so far (the runner runs first)."""
        result = self.site.api.runner.invoke(args=["mail", "run", "--once"])
        assert result.exit_code == 0, result.output
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"].addresses[0].addr_spec == email:
                found.append(message.get_body(("plain",)).get_content())
        return found

    def password_link(self, email: str) -> str:
        links = [
            link
            for text in self.texts(email)
            for link in re.findall(r"http\S+/account/password#token=\S+", text)
        ]
        assert len(links) == 1, (email, links)
        return links[0]


def _set_password_and_sign_in(browser, link: str, email: str) -> None:
    browser.get(link)
    _type(browser, "password", PASSWORD)
    _click(browser, "main form button[type=submit]")
    wait_for(lambda: _path(browser) == "/login")
    _sign_in(browser, email)


def _sign_in(browser, email: str) -> None:
    _type(browser, "email", email)
    _type(browser, "password", PASSWORD)
    _click(browser, "main form button[type=submit]")
    wait_for(lambda: _path(browser) != "/login")


def _sign_out(browser) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, "form.sign-out button").click()
    wait_for(lambda: _path(browser) == "/" and "Sign in" in browser.page_source)


def _go_sign_in(browser, site, email: str) -> None:
    browser.get(f"{site.url}/login")
    _sign_in(browser, email)


def _score_queue(browser, site, axe, email: str, score: int, shot: str | None) -> None:
    """A reviewer signs in, opens the one submission in their queue and scores it."""
    from selenium.webdriver.common.by import By

    _go_sign_in(browser, site, email)
    _nav(browser, "My review queue", "/reviews")
    assert PROGRAM in _main(browser)
    if shot:
        check_page(browser, axe, f"year-{shot}-queue")
    [item] = browser.find_elements(By.CSS_SELECTOR, "#review-queue a")
    item.click()
    wait_for(lambda: _path(browser).startswith("/reviews/") and "Feedback" in _main(browser))
    main = _main(browser)
    assert "The coaching changed the colleague's practice." in main  # the program's descriptor
    if shot:
        check_page(browser, axe, f"year-{shot}-scoring")
    _click(browser, f"label[for=score-{score}]")
    _type(browser, "feedback", f"Score {score}: " + ("clear cycle." if score >= 3 else "add data."))
    _click(browser, "#score-form button[type=submit]")
    wait_for(lambda: "your score and feedback are recorded" in _main(browser))
    assert "Nothing to review right now" in _main(browser)
    _sign_out(browser)


def test_the_whole_year_of_a_micro_credential_through_pages_only(browser, axe, site):
    from selenium.webdriver.common.by import By

    api = site.api
    mail = Mailbox(site)

    # 1. PTSB signs in on its own page, registers the district and invites its facilitator.
    _set_password_and_sign_in(browser, api.password_link(BOARD), BOARD)
    _nav(browser, "Issuers", "/ptsb/issuers")
    check_page(browser, axe, "year-01-ptsb-issuers")
    for field, value in (
        ("name", "Lakeside Unified School District"),
        ("url", "https://lakeside.example.org"),
        ("email", "pd@lakeside.example.org"),
        ("description", "A district of twelve schools."),
        ("admin_email", FACILITATOR),
    ):
        _type(browser, field, value)
    _click(browser, "form[aria-labelledby=new-issuer] button")
    wait_for(lambda: "Lakeside Unified School District is registered" in _main(browser))
    check_page(browser, axe, "year-02-ptsb-issuer-registered")
    _sign_out(browser)

    # 2. The facilitator opens the invitation email, sets a password, authors and submits.
    _set_password_and_sign_in(browser, mail.password_link(FACILITATOR), FACILITATOR)
    _nav(browser, "Our programs", "/console/programs")
    browser.find_element(By.LINK_TEXT, "New program").click()
    wait_for(lambda: _path(browser) == "/console/programs/new")
    check_page(browser, axe, "year-03-new-program")
    _type(browser, "name", PROGRAM)
    _type(browser, "description", "Coaches a colleague through a cycle of observation.")
    _type(browser, "criteria", "A coaching log and a reflection scored 3 or higher.")
    _type(browser, "competencies", "Observes without judging\nGives specific feedback")
    _type(browser, "estimated_hours", "10")
    _click(browser, "label[for=method-online]")
    _type(browser, "next_steps-online", "Open https://learn.example.org with the code PC-2026.")
    browser.find_element(By.ID, "image").send_keys(str(IMAGES / "badge.png"))
    _type(browser, "rubric-3", "The log shows three full cycles with feedback.", clear=True)
    _type(browser, "rubric-4", "The coaching changed the colleague's practice.", clear=True)
    _click(browser, "button[value=save]")
    wait_for(lambda: "saved as a draft" in _main(browser))
    program_id = int(_path(browser).rsplit("/", 1)[1])
    check_page(browser, axe, "year-04-program-draft")
    browser.find_element(By.LINK_TEXT, "Submit for approval").click()
    wait_for(lambda: _path(browser).endswith("/submit"))
    check_page(browser, axe, "year-05-confirm-submit")
    _click(browser, "form.confirm-form button[type=submit]")
    wait_for(lambda: "is sent to PTSB" in _main(browser))
    check_page(browser, axe, "year-06-submitted")
    _sign_out(browser)

    # 3. PTSB compares the new program and approves it.
    _go_sign_in(browser, site, BOARD)
    _nav(browser, "Approvals", "/ptsb/approvals")
    check_page(browser, axe, "year-07-approval-queue")
    browser.find_element(By.LINK_TEXT, PROGRAM).click()
    wait_for(lambda: _path(browser) == f"/ptsb/approvals/{program_id}")
    assert "PC-2026" in _main(browser)
    check_page(browser, axe, "year-08-comparison")
    _type(browser, "comment", "Clear criteria and rubric; approved.")
    _click(browser, "button[value=approve]")
    wait_for(lambda: "is approved and published" in _main(browser))
    check_page(browser, axe, "year-09-approved")
    _sign_out(browser)

    # 4. The facilitator invites three reviewers and registers and invites the educator.
    _go_sign_in(browser, site, FACILITATOR)
    _nav(browser, "Reviewers", "/console/reviewers")
    check_page(browser, axe, "year-10-reviewers")
    for email in REVIEWERS:
        _type(browser, "email", email)
        _click(browser, "#invite-reviewer button[type=submit]")
        wait_for(lambda email=email: f"on its way to {email}" in _main(browser))
    assert _main(browser).count("Invited, no password set yet") == 3
    check_page(browser, axe, "year-11-reviewers-invited")
    _nav(browser, "Educators", "/console/earners")
    browser.get(f"{site.url}/console/earners/new")
    _type(browser, "name", "Lee Chen")
    _type(browser, "email", EDUCATOR)
    _type(browser, "license_number", LICENSE)
    _type(browser, "position", "Grade 5 teacher")
    _click(browser, "#add-educator button[type=submit]")
    wait_for(lambda: "is added to your educators" in _main(browser))
    _click(browser, "form[action$='/invite'] button[type=submit]")
    wait_for(lambda: f"on its way to {EDUCATOR}" in _main(browser))
    check_page(browser, axe, "year-12-educator-invited")
    _sign_out(browser)
    for email in REVIEWERS:
        link = mail.password_link(email)
        browser.get(link)
        _type(browser, "password", PASSWORD)
        _click(browser, "main form button[type=submit]")
        wait_for(lambda: _path(browser) == "/login")

    # The educator enrols from the spec sheet and submits the performance task.
    _set_password_and_sign_in(browser, mail.password_link(EDUCATOR), EDUCATOR)
    browser.get(f"{site.url}/programs/{program_id}")
    assert "PC-2026" in _main(browser)
    check_page(browser, axe, "year-13-spec-sheet")
    _click(browser, "label[for=method-online]")
    _click(browser, "main form[action^='/learning/enrol'] button[type=submit]")
    wait_for(lambda: _path(browser).startswith("/learning/enrollments/"))
    enrollment_url = browser.current_url
    check_page(browser, axe, "year-14-enrolled")
    assert any("PC-2026" in text for text in mail.texts(EDUCATOR))  # the online next steps
    _type(browser, "narrative", "Three coaching cycles with Ms. Ortiz, logs attached.")
    browser.find_element(By.ID, "files").send_keys(str(EVIDENCE / "lesson.pdf"))
    _click(browser, "#performance-task button[type=submit]")
    wait_for(lambda: "In review" in _main(browser))
    check_page(browser, axe, "year-15-in-review")
    _sign_out(browser)

    # 5. The facilitator opens a cycle and assigns; the reviewers score; two below 3.
    _go_sign_in(browser, site, FACILITATOR)
    _nav(browser, "Review cycles", "/console/cycles")
    check_page(browser, axe, "year-16-cycles")
    _click(browser, "#open-cycle button[type=submit]")
    wait_for(lambda: "1 waiting for reviewers" in _main(browser))
    cycle_path = _path(browser)
    check_page(browser, axe, "year-17-cycle-opened")
    _click(browser, "#assign button[type=submit]")
    wait_for(lambda: "Reviewers assigned to 1 submission" in _main(browser))
    check_page(browser, axe, "year-18-assigned")
    _sign_out(browser)
    for n, (email, score) in enumerate(zip(REVIEWERS, (2, 3, 2), strict=True)):
        _score_queue(browser, site, axe, email, score, "19-first" if n == 0 else None)

    # The educator reads the feedback (Reviewer 1/2/3) and resubmits.
    _go_sign_in(browser, site, EDUCATOR)
    browser.get(enrollment_url)
    main = _main(browser)
    assert "Reviewer 1" in main and "Reviewer 3" in main and "add data." in main
    assert "reviewer1@" not in main
    check_page(browser, axe, "year-20-needs-revision")
    _type(browser, "narrative", "Revised: student data from each cycle added.")
    _click(browser, "#performance-task button[type=submit]")
    wait_for(lambda: "Attempt 2" in _main(browser))
    check_page(browser, axe, "year-21-resubmitted")
    _sign_out(browser)

    # The facilitator finds the resubmission on the dashboard under its cycle and assigns it in
    # the same cycle; the reviewers pass it.
    _go_sign_in(browser, site, FACILITATOR)
    _nav(browser, "Console", "/console")
    group = browser.find_element(By.CSS_SELECTOR, f"#review-cycle-{cycle_path.rsplit('/', 1)[1]}")
    assert "Lee Chen" in group.text and "Review cycle closing on" in group.text
    check_page(browser, axe, "year-22-dashboard-awaiting-review")
    group.find_element(By.PARTIAL_LINK_TEXT, "Open the review cycle").click()
    wait_for(lambda: _path(browser) == cycle_path and "1 waiting for reviewers" in _main(browser))
    _click(browser, "#assign button[type=submit]")
    wait_for(lambda: "Reviewers assigned to 1 submission" in _main(browser))
    check_page(browser, axe, "year-23-assigned-again")
    _sign_out(browser)
    for n, (email, score) in enumerate(zip(REVIEWERS, (3, 4, 3), strict=True)):
        _score_queue(browser, site, axe, email, score, "24-second" if n == 0 else None)

    # 6. The facilitator confirms the completion from the dashboard.
    _go_sign_in(browser, site, FACILITATOR)
    _nav(browser, "Console", "/console")
    assert "Passed, awaiting your confirmation (1)" in _main(browser)
    check_page(browser, axe, "year-25-dashboard")
    _click(browser, "#passed-queue button[name=enrollment_id]")
    wait_for(lambda: "Completion confirmed for 1 enrollment" in _main(browser))
    check_page(browser, axe, "year-26-confirmed")
    _sign_out(browser)

    # 7. PTSB records the award on the educator's license with a certificate reference.
    _go_sign_in(browser, site, BOARD)
    _nav(browser, "License desk", "/ptsb/notices")
    main = _main(browser)
    for text in ("Lee Chen", LICENSE, "Grade 5 teacher", PROGRAM, "Lakeside"):
        assert text in main, text
    license_input = browser.find_element(By.CSS_SELECTOR, "input[name=license_number]")
    assert license_input.get_attribute("value") == LICENSE
    check_page(browser, axe, "year-27-license-desk")
    reference = browser.find_element(By.CSS_SELECTOR, "input[name=certificate_reference]")
    reference.send_keys("PTSB-MC-0107")
    _click(browser, "li.license-desk-item form button[type=submit]")
    wait_for(lambda: "is recorded on the license of Lee Chen" in _main(browser))
    check_page(browser, axe, "year-28-acknowledged")
    _sign_out(browser)

    # 8. The educator's portfolio: the badge, with its record on the license.
    _go_sign_in(browser, site, EDUCATOR)
    _nav(browser, "My portfolio", "/portfolio")
    main = _main(browser)
    assert PROGRAM in main
    assert f"On your license: {LICENSE}, certificate PTSB-MC-0107" in main
    badge = browser.find_element(By.CSS_SELECTOR, "ul.cards h3 a")
    assert badge.text == PROGRAM
    check_page(browser, axe, "year-29-portfolio")
    badge.click()  # the badge's verification page, the one anybody can open
    wait_for(lambda: "/assertions/" in _path(browser) and PROGRAM in _main(browser))
    assert browser.find_element(By.ID, "status").text == "Valid"
    check_page(browser, axe, "year-30-badge")
