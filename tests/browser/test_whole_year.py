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

import pytest

from tests.web.conftest import PASSWORD

from .conftest import ARTIFACTS, check_page, click, main_text, nav, page_path, type_into, wait_for

pytestmark = pytest.mark.browser

IMAGES = Path(__file__).resolve().parents[1] / "fixtures" / "images"
EVIDENCE = Path(__file__).resolve().parents[1] / "fixtures" / "evidence"
BOARD = "board@ptsb.test"  # the PTSB account the Api fixture creates
FACILITATOR = "pat.rivera@lakeside.example.org"
REVIEWERS = [f"reviewer{n}@lakeside.example.org" for n in (1, 2, 3)]
EDUCATOR = "lee.chen@lakeside.example.org"
LICENSE = "TN-40417"
PROGRAM = "Peer Coaching"


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


class Year:
    """One browser through the year: every page it shows is photographed and checked by axe-core
    (``look``), numbered in the order visited (tests/artifacts/screenshots/year-NN-name.png)."""

    def __init__(self, browser, axe, site) -> None:
        self.browser, self.axe, self.site = browser, axe, site
        self.mail = Mailbox(site)
        self.visited = 0
        for old in ARTIFACTS.glob("year-*.png"):
            old.unlink()

    def look(self, name: str) -> None:
        self.visited += 1
        check_page(self.browser, self.axe, f"year-{self.visited:02d}-{name}")

    def main(self) -> str:
        return main_text(self.browser)

    def nav(self, label: str, path: str) -> None:
        nav(self.browser, label, path)
        self.look(path.strip("/").replace("/", "-"))

    def set_password_and_sign_in(self, link: str, email: str, who: str) -> None:
        """Open the one-time link from the email, choose a password, then sign in."""
        self.set_password(link, who)
        self.sign_in(email, who)

    def set_password(self, link: str, who: str) -> None:
        self.browser.get(link)
        wait_for(lambda: "password" in self.main().lower())
        self.look(f"{who}-set-password")
        type_into(self.browser, "password", PASSWORD)
        click(self.browser, "main form button[type=submit]")
        wait_for(lambda: page_path(self.browser) == "/login")
        self.look(f"{who}-password-set")

    def sign_in(self, email: str, who: str) -> None:
        """From the sign-in page (the navigation's "Sign in" when not already on it)."""
        from selenium.webdriver.common.by import By

        if page_path(self.browser) != "/login":
            self.browser.find_element(By.CSS_SELECTOR, "nav").find_element(
                By.LINK_TEXT, "Sign in"
            ).click()
            wait_for(lambda: page_path(self.browser) == "/login")
            self.look(f"{who}-sign-in")
        type_into(self.browser, "email", email)
        type_into(self.browser, "password", PASSWORD)
        click(self.browser, "main form button[type=submit]")
        wait_for(
            lambda: (
                page_path(self.browser) != "/login"
                and 'id="signed-in-as"' in self.browser.page_source
            )
        )
        shown = self.browser.find_element(By.ID, "signed-in-as").text
        assert shown in (email, "Lee Chen"), shown  # staff by email, the educator by name
        self.look(f"{who}-signed-in")

    def sign_out(self, who: str) -> None:
        from selenium.webdriver.common.by import By

        self.browser.find_element(By.CSS_SELECTOR, "form.sign-out button").click()
        wait_for(lambda: page_path(self.browser) == "/" and "Sign out" not in self.main())
        self.look(f"{who}-signed-out")

    def score(self, email: str, who: str, score: int) -> None:
        """A reviewer signs in, opens the one submission in their queue and scores it."""
        from selenium.webdriver.common.by import By

        self.sign_in(email, who)
        self.nav("My review queue", "/reviews")
        assert PROGRAM in self.main() and "Lee Chen" not in self.main()
        [item] = self.browser.find_elements(By.CSS_SELECTOR, "#review-queue a")
        item.click()
        wait_for(
            lambda: page_path(self.browser).startswith("/reviews/") and "Feedback" in self.main()
        )
        # The program's own rubric descriptor; no other reviewer's score before mine.
        assert "The coaching changed the colleague's practice." in self.main()
        assert "Score 2:" not in self.main() and "Score 3:" not in self.main()
        self.look(f"{who}-scoring")
        click(self.browser, f"label[for=score-{score}]")
        words = "clear cycles." if score >= 3 else "add student data."
        type_into(self.browser, "feedback", f"Score {score}: {words}")
        click(self.browser, "#score-form button[type=submit]")
        wait_for(lambda: "your score and feedback are recorded" in self.main())
        assert "Nothing to review right now" in self.main()
        self.look(f"{who}-scored")
        self.sign_out(who)


def test_the_whole_year_of_a_micro_credential_through_pages_only(browser, axe, site):
    from selenium.webdriver.common.by import By

    year = Year(browser, axe, site)
    mail = year.mail
    browser.get(f"{site.url}/")
    year.look("home")

    # 1. PTSB signs in on its own page (the operator handed it its link: `accounts invite`),
    #    registers the district and invites its facilitator.
    year.set_password_and_sign_in(site.api.password_link(BOARD), BOARD, "ptsb")
    year.nav("Issuers", "/ptsb/issuers")
    for field, value in (
        ("name", "Lakeside Unified School District"),
        ("url", "https://lakeside.example.org"),
        ("email", "pd@lakeside.example.org"),
        ("description", "A district of twelve schools."),
        ("admin_email", FACILITATOR),
    ):
        type_into(browser, field, value)
    click(browser, "form[aria-labelledby=new-issuer] button")
    wait_for(lambda: "Lakeside Unified School District is registered" in year.main())
    assert FACILITATOR in year.main()
    year.look("ptsb-issuer-registered")
    year.sign_out("ptsb")

    # 2. The facilitator opens the invitation email, sets a password, authors and submits.
    year.set_password_and_sign_in(mail.password_link(FACILITATOR), FACILITATOR, "facilitator")
    year.nav("Our programs", "/console/programs")
    browser.find_element(By.LINK_TEXT, "New program").click()
    wait_for(lambda: page_path(browser) == "/console/programs/new")
    year.look("new-program")
    type_into(browser, "name", PROGRAM)
    type_into(browser, "description", "Coaches a colleague through a cycle of observation.")
    type_into(browser, "criteria", "A coaching log and a reflection scored 3 or higher.")
    type_into(browser, "competencies", "Observes without judging\nGives specific feedback")
    type_into(browser, "estimated_hours", "10")
    click(browser, "label[for=method-online]")
    click(browser, "label[for=method-face_to_face]")
    type_into(browser, "next_steps-online", "Open https://learn.example.org with the code PC-2026.")
    type_into(browser, "next_steps-face_to_face", "Meet your coach on Tuesdays in room 12.")
    browser.find_element(By.ID, "image").send_keys(str(IMAGES / "badge.png"))
    type_into(browser, "rubric-3", "The log shows three full cycles with feedback.", clear=True)
    type_into(browser, "rubric-4", "The coaching changed the colleague's practice.", clear=True)
    click(browser, "button[value=save]:not([hidden])")
    wait_for(lambda: "saved as a draft" in year.main())
    program_id = int(page_path(browser).rsplit("/", 1)[1])
    year.look("program-draft")
    browser.find_element(By.LINK_TEXT, "Submit for approval").click()
    wait_for(lambda: page_path(browser).endswith("/submit"))
    year.look("confirm-submit")
    click(browser, "form.confirm-form button[type=submit]")
    wait_for(lambda: "is sent to PTSB" in year.main())
    year.look("program-submitted")
    year.sign_out("facilitator")

    # 3. PTSB compares the new program with the version in force (none) and approves it.
    year.sign_in(BOARD, "ptsb")
    year.nav("Approvals", "/ptsb/approvals")
    browser.find_element(By.LINK_TEXT, PROGRAM).click()
    wait_for(lambda: page_path(browser) == f"/ptsb/approvals/{program_id}")
    assert "PC-2026" in year.main() and "room 12" in year.main()
    year.look("ptsb-comparison")
    type_into(browser, "comment", "Clear criteria and rubric; approved.")
    click(browser, "button[value=approve]")
    wait_for(lambda: "is approved and published" in year.main())
    year.look("ptsb-approved")
    year.sign_out("ptsb")

    # 4. The facilitator invites three reviewers, then registers and invites the educator.
    year.sign_in(FACILITATOR, "facilitator")
    year.nav("Reviewers", "/console/reviewers")
    for email in REVIEWERS:
        type_into(browser, "email", email)
        click(browser, "#invite-reviewer button[type=submit]")
        wait_for(lambda email=email: f"on its way to {email}" in year.main())
        year.look("reviewer-invited")
    assert year.main().count("Invited, no password set yet") == 3
    year.nav("Educators", "/console/earners")
    browser.find_element(By.CSS_SELECTOR, "main").find_element(
        By.LINK_TEXT, "Add an educator"
    ).click()
    wait_for(lambda: page_path(browser) == "/console/earners/new")
    year.look("add-educator")
    type_into(browser, "name", "Lee Chen")
    type_into(browser, "email", EDUCATOR)
    type_into(browser, "license_number", LICENSE)
    type_into(browser, "position", "Grade 5 teacher")
    click(browser, "#add-educator button[type=submit]")
    wait_for(lambda: "is added to your educators" in year.main())
    year.look("educator-added")
    click(browser, "form[action$='/invite'] button[type=submit]")
    wait_for(lambda: f"on its way to {EDUCATOR}" in year.main())
    year.look("educator-invited")
    year.sign_out("facilitator")
    for n, email in enumerate(REVIEWERS, start=1):
        year.set_password(mail.password_link(email), f"reviewer{n}")

    # The educator enrols from the spec sheet (online) and submits the performance task.
    year.set_password_and_sign_in(mail.password_link(EDUCATOR), EDUCATOR, "educator")
    year.nav("Programs", "/programs")
    browser.find_element(By.CSS_SELECTOR, "main").find_element(By.LINK_TEXT, PROGRAM).click()
    wait_for(lambda: page_path(browser) == f"/programs/{program_id}")
    assert "PC-2026" in year.main() and "The coaching changed" in year.main()
    year.look("spec-sheet")
    click(browser, "label[for=method-online]")
    click(browser, "main form[action^='/learning/enrol'] button[type=submit]")
    wait_for(lambda: page_path(browser).startswith("/learning/enrollments/"))
    enrollment_path = page_path(browser)
    year.look("enrolled")
    assert any("PC-2026" in text for text in mail.texts(EDUCATOR))  # the online next steps
    type_into(browser, "narrative", "Three coaching cycles with Ms. Ortiz, logs attached.")
    browser.find_element(By.ID, "files").send_keys(str(EVIDENCE / "lesson.pdf"))
    click(browser, "#performance-task button[type=submit]")
    wait_for(lambda: "In review" in year.main() and "lesson.pdf" in year.main())
    year.look("in-review")
    year.sign_out("educator")

    # 5. The facilitator opens a cycle (the end of the month) and assigns three reviewers.
    year.sign_in(FACILITATOR, "facilitator")
    year.nav("Review cycles", "/console/cycles")
    click(browser, "#open-cycle button[type=submit]")
    wait_for(lambda: "1 waiting for reviewers" in year.main())
    cycle_path = page_path(browser)
    year.look("cycle-opened")
    click(browser, "#assign button[type=submit]")
    wait_for(lambda: "Reviewers assigned to 1 submission" in year.main())
    assert all(email in year.main() for email in REVIEWERS)
    year.look("cycle-assigned")
    year.sign_out("facilitator")
    # Two of three below 3: the score of record (the median) is 2, so it needs revision.
    for n, (email, score) in enumerate(zip(REVIEWERS, (2, 3, 2), strict=True), start=1):
        year.score(email, f"reviewer{n}-first", score)

    # The educator reads the feedback (as Reviewer 1/2/3) and resubmits.
    year.sign_in(EDUCATOR, "educator")
    year.nav("My learning", "/learning")
    browser.find_element(By.CSS_SELECTOR, "main").find_element(By.LINK_TEXT, PROGRAM).click()
    wait_for(lambda: page_path(browser) == enrollment_path)
    main = year.main()
    assert "Reviewer 1" in main and "Reviewer 3" in main and "add student data." in main
    assert "reviewer1@" not in main
    year.look("needs-revision")
    type_into(browser, "narrative", "Revised: student data from each cycle added.")
    click(browser, "#performance-task button[type=submit]")
    wait_for(lambda: "Attempt 2" in year.main())
    year.look("resubmitted")
    year.sign_out("educator")

    # The facilitator finds the resubmission on the dashboard under its cycle and assigns it in
    # the same cycle (the previous attempt's reviewers); the reviewers pass it.
    year.sign_in(FACILITATOR, "facilitator")
    year.nav("Console", "/console")
    group = browser.find_element(By.CSS_SELECTOR, f"#review-cycle-{cycle_path.rsplit('/', 1)[1]}")
    assert "Lee Chen" in group.text and "Review cycle closing on" in group.text
    group.find_element(By.PARTIAL_LINK_TEXT, "Open the review cycle").click()
    wait_for(lambda: page_path(browser) == cycle_path and "1 waiting for reviewers" in year.main())
    year.look("cycle-again")
    click(browser, "#assign button[type=submit]")
    wait_for(lambda: "Reviewers assigned to 1 submission" in year.main())
    year.look("cycle-assigned-again")
    year.sign_out("facilitator")
    for n, (email, score) in enumerate(zip(REVIEWERS, (3, 4, 3), strict=True), start=1):
        year.score(email, f"reviewer{n}-second", score)

    # 6. The facilitator confirms the completion from the dashboard.
    year.sign_in(FACILITATOR, "facilitator")
    year.nav("Console", "/console")
    assert "Passed, awaiting your confirmation (1)" in year.main()
    click(browser, "#passed-queue button[name=enrollment_id]")
    wait_for(lambda: "Completion confirmed for 1 enrollment" in year.main())
    assert "Passed, awaiting your confirmation (0)" in year.main()
    year.look("completion-confirmed")
    year.sign_out("facilitator")

    # 7. PTSB records the award on the educator's license with a certificate reference.
    year.sign_in(BOARD, "ptsb")
    year.nav("License desk", "/ptsb/notices")
    for text in ("Lee Chen", LICENSE, "Grade 5 teacher", PROGRAM, "Lakeside"):
        assert text in year.main(), text
    license_input = browser.find_element(By.CSS_SELECTOR, "input[name=license_number]")
    assert license_input.get_attribute("value") == LICENSE
    reference = browser.find_element(By.CSS_SELECTOR, "input[name=certificate_reference]")
    reference.send_keys("PTSB-MC-0107")
    click(browser, "li.license-desk-item form button[type=submit]")
    wait_for(lambda: "is recorded on the license of Lee Chen" in year.main())
    year.look("ptsb-acknowledged")
    year.sign_out("ptsb")

    # 8. The educator's portfolio: the badge, with its record on the license.
    year.sign_in(EDUCATOR, "educator")
    year.nav("My portfolio", "/portfolio")
    assert f"On your license: {LICENSE}, certificate PTSB-MC-0107" in year.main()
    badge = browser.find_element(By.CSS_SELECTOR, "ul.cards h3 a")
    assert badge.text == PROGRAM
    badge.click()  # the badge's verification page, the one anybody can open
    wait_for(lambda: "/assertions/" in page_path(browser) and PROGRAM in year.main())
    assert browser.find_element(By.ID, "status").text == "Valid"
    year.look("badge")
