"""SPEC §9: each message of the workflow reaches the right person once, with both parts, the
issuer named, the key facts and links that open; nobody else's data; a rolled-back cause sends
nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from issuer.domain.mail import MailState
from issuer.errors import Conflict
from issuer.models import MailSuppression
from issuer.workflow.integrations import mail_messages
from tests.mail.messages import assert_links_open, assert_well_formed, signed_in_educator

DISTRICT = "Metro School District"
NEXT_STEPS = {"online": "Join the online cohort on Monday.\nBring one lesson plan."}


def _program(api, district, **fields):
    issuer_id, admin = district
    return api.approved_program(admin, issuer_id, next_steps=NEXT_STEPS, **fields)


def test_enrolment_confirms_with_the_next_steps_of_the_chosen_method(api, district, outbox, client):
    issuer_id, admin = district
    program_id = _program(api, district)
    other = api.earner(admin, email="someone.else@school.example.org", name="Zed Other")
    api.enrol(admin, program_id, other)
    earner_id = api.earner(admin, email="ada@school.example.org")
    api.enrol(admin, program_id, earner_id, method="online")
    message = outbox.one("enrollment_confirmed", "ada@school.example.org")
    assert_well_formed(message, DISTRICT, "Formative Assessment", "Join the online cohort")
    assert "Bring one lesson plan." in message["text_body"]
    assert message["reply_to"] == "pd@district.example.org"
    assert "Zed Other" not in message["text_body"] + message["html_body"]
    assert "someone.else" not in message["text_body"] + message["html_body"]
    links = assert_links_open(client, message["text_body"])
    assert f"https://badges.test/programs/{program_id}" in links


def test_enrolment_without_next_steps_for_the_method_says_the_facilitator_will_write(
    api, district, outbox
):
    _, admin = district
    program_id = _program(api, district)
    api.enrol(admin, program_id, api.earner(admin, email="f2f@school.example.org"), "face_to_face")
    message = outbox.one("enrollment_confirmed", "f2f@school.example.org")
    assert "Join the online cohort" not in message["text_body"]
    assert "badge facilitator" in message["text_body"]


def test_switching_method_does_not_send_the_confirmation_again(api, district, outbox):
    _, admin = district
    program_id = _program(api, district)
    enrollment_id = api.enrol(admin, program_id, api.earner(admin, email="sw@school.example.org"))
    api.ok("PATCH", f"/enrollments/{enrollment_id}", admin, {"learning_method": "own_path"})
    assert len(outbox.messages("enrollment_confirmed", "sw@school.example.org")) == 1


def test_a_refused_enrolment_queues_nothing(api, district, outbox):
    _, admin = district
    program_id = _program(api, district)
    earner_id = api.earner(admin, email="twice@school.example.org")
    api.enrol(admin, program_id, earner_id)
    refused = api.call(
        "POST",
        f"/programs/{program_id}/enrollments",
        admin,
        {"earner_id": earner_id, "learning_method": "online"},
    )
    assert refused.get_json()["error"] == "already_enrolled"
    assert len(outbox.messages("enrollment_confirmed", "twice@school.example.org")) == 1


def test_submission_received_tells_the_educator_three_reviewers_will_score_it(
    api, district, outbox
):
    _, admin = district
    program_id = _program(api, district)
    enrollment_id = api.enrol(admin, program_id, api.earner(admin, email="sub@school.example.org"))
    api.submit(admin, enrollment_id)
    message = outbox.one("submission_received", "sub@school.example.org")
    assert_well_formed(message, DISTRICT, "Formative Assessment", "Three reviewers")


def _reviewed(api, district, email, scores, feedbacks=None):
    issuer_id, admin = district
    program_id = _program(api, district)
    enrollment_id = api.enrol(admin, program_id, api.earner(admin, email=email))
    submission_id = api.submit(admin, enrollment_id)
    reviewers = api.reviewers(issuer_id, admin)
    feedbacks = feedbacks or [f"Feedback number {i}" for i in (1, 2, 3)]
    for token, score, feedback in zip(reviewers, scores, feedbacks, strict=True):
        api.ok(
            "POST",
            f"/submissions/{submission_id}/reviews",
            token,
            {"score": score, "feedback": feedback},
        )
    return enrollment_id


def test_needs_revision_sends_the_three_feedbacks_as_reviewers_1_2_3_and_the_resubmit_link(
    api, district, outbox, client
):
    enrollment_id = _reviewed(api, district, "rev@school.example.org", [2, 1, 3])
    message = outbox.one("review_outcome", "rev@school.example.org")
    assert_well_formed(message, DISTRICT, "Formative Assessment", "needs a revision")
    for n in (1, 2, 3):
        assert f"Reviewer {n}" in message["text_body"] and f"Reviewer {n}" in message["html_body"]
        assert f"Feedback number {n}" in message["text_body"]
    assert "score of record is 2 out of 4" in message["text_body"]
    assert "reviewer-" not in message["text_body"] + message["html_body"]  # no reviewer email
    signed_in_educator(api, client, "rev@school.example.org")
    resubmit = f"https://badges.test/learning/enrollments/{enrollment_id}"
    assert resubmit in assert_links_open(client, message["text_body"])
    assert f'href="{resubmit}"' in message["html_body"]


def test_passed_review_says_the_district_confirms_next(api, district, outbox):
    _reviewed(api, district, "pass@school.example.org", [3, 4, 2])
    message = outbox.one("review_outcome", "pass@school.example.org")
    assert_well_formed(message, DISTRICT, "Formative Assessment", "passed")
    assert f"waiting for {DISTRICT} to confirm" in message["text_body"]
    assert "Reviewer 1" not in message["text_body"]


def test_only_the_third_review_sends_an_outcome(api, district, outbox):
    issuer_id, admin = district
    program_id = _program(api, district)
    enrollment_id = api.enrol(admin, program_id, api.earner(admin, email="two@school.example.org"))
    submission_id = api.submit(admin, enrollment_id)
    api.score(api.reviewers(issuer_id, admin)[:2], submission_id, [3, 3])
    assert outbox.messages("review_outcome", "two@school.example.org") == []


def test_award_issued_links_the_verification_page_portfolio_certificate_and_downloads(
    api, district, outbox, client
):
    issuer_id, admin = district
    program_id = _program(api, district)
    earner_id = api.earner(admin, email="win@school.example.org")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
    award = api.complete(admin, enrollment_id)
    message = outbox.one("award_issued", "win@school.example.org")
    assert_well_formed(message, DISTRICT, "Formative Assessment", award["id"])
    signed_in_educator(api, client, "win@school.example.org")
    links = assert_links_open(client, message["text_body"])
    for expected in (
        f"https://badges.test/ob2/assertions/{award['id']}",
        f"https://badges.test/awards/{award['id']}/certificate.pdf",
        f"https://badges.test/ob2/assertions/{award['id']}.png",
        f"https://badges.test/ob3/credentials/{award['id']}.svg",
        "https://badges.test/portfolio",
    ):
        assert expected in links
    assert any(link.endswith("/image.png") for link in links)
    assert outbox.messages("stack_earned", "win@school.example.org") == []


def test_an_award_to_an_address_that_bounced_is_stored_suppressed(app, api, district, outbox):
    """The completion reads the suppression with the enrollment it locks: the award's message
    to a bounced address is kept, visible in the log, and not sent."""
    issuer_id, admin = district
    program_id = _program(api, district)
    earner_id = api.earner(admin, email="gone@school.example.org")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
    with app.extensions["issuer.services"].db.transaction() as session:
        session.add(
            MailSuppression(
                address="gone@school.example.org", reason="550", created_at=datetime.now(UTC)
            )
        )
    api.complete(admin, enrollment_id)
    message = outbox.one("award_issued", "gone@school.example.org")
    assert message["state"] == MailState.SUPPRESSED.value


def test_a_completion_replayed_with_its_key_sends_nothing_more(api, district, outbox):
    issuer_id, admin = district
    program_id = _program(api, district)
    earner_id = api.earner(admin, email="again@school.example.org")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
    api.complete(admin, enrollment_id, key="k-1")
    api.complete(admin, enrollment_id, key="k-1", status=200)
    assert len(outbox.messages("award_issued", "again@school.example.org")) == 1


def test_a_completion_that_fails_after_its_message_was_queued_sends_nothing(
    api, district, outbox, monkeypatch
):
    issuer_id, admin = district
    program_id = _program(api, district)
    earner_id = api.earner(admin, email="fail@school.example.org")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
    queue = mail_messages.award_issued

    def queue_then_fail(ctx, award):
        queue(ctx, award)
        raise Conflict("Something failed after the message was queued.", code="test_failure")

    monkeypatch.setattr(mail_messages, "award_issued", queue_then_fail)
    answer = api.call(
        "POST",
        f"/enrollments/{enrollment_id}/complete",
        admin,
        headers={"Idempotency-Key": "x"},
    )
    assert answer.status_code == 409
    assert outbox.messages("award_issued", "fail@school.example.org") == []
    assert api.ok("GET", f"/enrollments/{enrollment_id}", admin)["status"] == "passed"


def test_a_stack_award_sends_stack_earned_besides_the_program_award(api, district, outbox, client):
    issuer_id, admin = district
    program_id = _program(api, district)
    api.ok(
        "POST",
        "/stacks",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "Assessment Leader",
            "description": "Every assessment badge.",
            "programs": [program_id],
        },
    )
    earner_id = api.earner(admin, email="stack@school.example.org")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
    api.complete(admin, enrollment_id)
    program_message = outbox.one("award_issued", "stack@school.example.org")
    stack_message = outbox.one("stack_earned", "stack@school.example.org")
    assert "Formative Assessment" in program_message["subject"]
    assert_well_formed(stack_message, DISTRICT, "Assessment Leader", "Every assessment badge.")
    signed_in_educator(api, client, "stack@school.example.org")
    assert_links_open(client, stack_message["text_body"])


def test_award_revoked_gives_the_reason(api, district, outbox, client):
    issuer_id, admin = district
    program_id = _program(api, district)
    earner_id = api.earner(admin, email="rv@school.example.org")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
    award = api.complete(admin, enrollment_id)
    reason = "The evidence was not the educator's own work."
    api.ok("POST", f"/awards/{award['id']}/revoke", admin, {"reason": reason}, status=200)
    message = outbox.one("award_revoked", "rv@school.example.org")
    assert_well_formed(message, DISTRICT, "Formative Assessment")
    assert reason in message["text_body"]
    assert "educator&#39;s own work" in message["html_body"]
    assert_links_open(client, message["text_body"])


def test_program_submitted_reaches_every_ptsb_account_and_no_one_else(api, district, outbox):
    issuer_id, admin = district
    api.account("ptsb", email="second@ptsb.test")
    program_id = api.program(admin, issuer_id)["id"]
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    for address in ("board@ptsb.test", "second@ptsb.test"):
        message = outbox.one("program_submitted", address)
        assert_well_formed(message, DISTRICT, "Formative Assessment", DISTRICT)
    assert {m["to_address"] for m in outbox.messages("program_submitted")} == {
        "board@ptsb.test",
        "second@ptsb.test",
    }


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_program_decision_reaches_every_admin_of_the_issuer_with_the_comment(
    api, district, outbox, client, decision
):
    issuer_id, _ = district
    admins = ["one@district.example.org", "two@district.example.org"]
    first = api.account("issuer_admin", issuer_id, email=admins[0])
    api.account("issuer_admin", issuer_id, email=admins[1])
    other_issuer, _ = api.issuer("Elsewhere District")
    api.account("issuer_admin", other_issuer, email="else@elsewhere.example.org")
    program_id = api.program(first, issuer_id)["id"]
    api.ok("POST", f"/programs/{program_id}/submit", first, status=200)
    comment = "Clear criteria; add a second competency next time."
    api.ok("POST", f"/programs/{program_id}/{decision}", api.ptsb, {"comment": comment}, status=200)
    for address in admins:
        message = outbox.one("program_decided", address)
        assert comment in message["text_body"] and "Formative Assessment" in message["html_body"]
        assert ("is approved" in message["subject"]) is (decision == "approve")
        assert_links_open(client, message["text_body"])
    assert outbox.messages("program_decided", "else@elsewhere.example.org") == []


def test_award_issued_links_the_portfolios_add_to_a_wallet_not_a_live_offer(
    api, district, outbox, client
):
    issuer_id, admin = district
    program_id = _program(api, district)
    earner_id = api.earner(admin, email="wallet@school.example.org")
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id)
    award = api.complete(admin, enrollment_id)
    message = outbox.one("award_issued", "wallet@school.example.org")
    wallet_link = f"https://badges.test/portfolio#wallet-{award['id']}"
    assert wallet_link in message["text_body"]
    assert f'href="{wallet_link}"' in message["html_body"]
    assert "openid-credential-offer" not in message["text_body"] + message["html_body"]
    assert "lcw.app" not in message["text_body"] + message["html_body"]
    signed_in_educator(api, client, "wallet@school.example.org")
    portfolio = client.get("/portfolio").data.decode()
    assert f'id="wallet-{award["id"]}"' in portfolio
