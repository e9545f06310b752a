"""SPEC §9 for review cycles: each reviewer given work by an assignment run receives one message
listing it (program and attempt, the due date, their queue), never the educator's name or email;
a run that gives nothing sends nothing; "submission received" names the closing date of the cycle
that will review it."""

from __future__ import annotations

from tests.mail.messages import assert_links_open, assert_well_formed
from tests.web.conftest import set_password, sign_in

DISTRICT = "Metro School District"


def _reviewers(api, admin, issuer_id, n=3):
    emails = [f"reviewer{i}@district.example.org" for i in range(n)]
    for email in emails:
        api.ok(
            "POST", "/accounts", admin, {"role": "reviewer", "email": email, "issuer_id": issuer_id}
        )
    return emails


def _submitted(api, admin, program_id, email, name="Ada Teacher"):
    enrollment_id = api.enrol(admin, program_id, api.earner(admin, email=email, name=name))
    return api.submit(admin, enrollment_id)


def test_each_reviewer_gets_one_message_per_run_listing_program_attempt_and_due_date(
    api, district, outbox, client
):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id)
    _submitted(api, admin, program_id, "grace@school.example.org", name="Grace Hopper")
    _submitted(api, admin, program_id, "alan@school.example.org", name="Alan Kay")
    cycle = api.ok(
        "POST", f"/issuers/{issuer_id}/review-cycles", admin, {"closes_on": "2099-01-31"}
    )
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    for email in reviewers:
        message = outbox.one("reviewer_assigned", email)
        assert_well_formed(
            message, DISTRICT, "Formative Assessment", "attempt 1", "31 January 2099"
        )
        assert "2 submissions to review" in message["subject"]
        body = message["text_body"] + message["html_body"]
        for private in ("Grace", "Alan", "grace@", "alan@"):
            assert private not in body
        assert message["reply_to"] == "pd@district.example.org"
    assert (
        "https://badges.test/reviews" in outbox.one("reviewer_assigned", reviewers[0])["text_body"]
    )


def test_the_queue_link_opens_for_the_signed_in_reviewer(api, district, outbox, client):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id)
    _submitted(api, admin, program_id, "grace@school.example.org")
    cycle = api.ok("POST", f"/issuers/{issuer_id}/review-cycles", admin, {})
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    assert set_password(client, api.password_link(reviewers[0])).status_code == 302
    assert sign_in(client, reviewers[0]).status_code == 302
    assert_links_open(client, outbox.one("reviewer_assigned", reviewers[0])["text_body"])


def test_an_assignment_run_that_gives_nothing_sends_nothing(api, district, outbox):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id)
    _submitted(api, admin, program_id, "grace@school.example.org")
    cycle = api.ok("POST", f"/issuers/{issuer_id}/review-cycles", admin, {})
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    assert all(len(outbox.messages("reviewer_assigned", e)) == 1 for e in reviewers)


def test_a_reviewer_given_nothing_gets_no_message(api, district, outbox):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id, 4)
    _submitted(api, admin, program_id, "grace@school.example.org")
    cycle = api.ok("POST", f"/issuers/{issuer_id}/review-cycles", admin, {})
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    assert sorted(len(outbox.messages("reviewer_assigned", e)) for e in reviewers) == [0, 1, 1, 1]


def test_submission_received_names_the_closing_date_of_the_open_cycle(api, district, outbox):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    api.ok("POST", f"/issuers/{issuer_id}/review-cycles", admin, {"closes_on": "2099-02-28"})
    api.ok("POST", f"/issuers/{issuer_id}/review-cycles", admin, {"closes_on": "2099-01-31"})
    _submitted(api, admin, program_id, "grace@school.example.org")
    message = outbox.one("submission_received", "grace@school.example.org")
    assert_well_formed(message, DISTRICT, "review cycle that closes on 31 January 2099")


def test_submission_received_without_an_open_cycle_names_no_date(api, district, outbox):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    _submitted(api, admin, program_id, "grace@school.example.org")
    message = outbox.one("submission_received", "grace@school.example.org")
    assert "review cycle" not in message["text_body"]


def test_reviewer_assignments_arrive_over_smtp_with_both_parts(
    api, district, outbox, mail_runner, smtp_server
):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id)
    _submitted(api, admin, program_id, "grace@school.example.org")
    cycle = api.ok(
        "POST", f"/issuers/{issuer_id}/review-cycles", admin, {"closes_on": "2099-01-31"}
    )
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    while mail_runner.deliver(mail_runner.smtp(smtp_server)).sent:
        pass
    for email in reviewers:
        [received] = [m for m in smtp_server.to(email) if "to review" in m["Subject"]]
        assert "31 January 2099" in received.get_body(("plain",)).get_content()
        assert received.get_body(("html",)) is not None
        stored = outbox.one("reviewer_assigned", email)
        assert received["Message-ID"] == stored["message_id"]
