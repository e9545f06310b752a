"""Issue 11's walk: the whole workflow over the API, the mail runner delivering to a real SMTP
server (aiosmtpd, STARTTLS on a self-signed certificate, AUTH), each message of SPEC §9 arriving
once at its person with both parts, and its links doing what they say."""

from __future__ import annotations

from collections import Counter

from issuer.domain.actors import SYSTEM
from issuer.workflow.integrations.mail_reminders import queue_expiry_reminders
from tests.conftest import BASE_URL
from tests.mail.messages import links_in
from tests.web.conftest import csrf_from, set_password, sign_in

EDUCATOR = "ada.walk@school.example.org"


def _walk(api, district, client) -> None:
    """Invitation, program submitted and decided, enrolment, two attempts with both outcomes,
    an award that completes a stack, a reminder, a revocation and a password reset."""
    issuer_id, admin = district
    api.ok("POST", "/accounts", admin, {"role": "earner", "email": EDUCATOR})
    earner_id = api.earner(admin, EDUCATOR, name="Ada Walker")
    program_id = api.approved_program(
        admin, issuer_id, name="Formative Assessment", validity_days=20
    )
    api.ok(
        "POST",
        "/stacks",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "Assessment Leader",
            "description": "One program.",
            "programs": [program_id],
        },
        status=201,
    )
    enrollment_id = api.enrol(admin, program_id, earner_id)
    reviewers = api.reviewers(issuer_id, admin)
    api.score(reviewers, api.submit(admin, enrollment_id), [2, 2, 3])
    api.score(reviewers, api.submit(admin, enrollment_id), [3, 4, 3])
    award = api.complete(admin, enrollment_id)
    services = client.application.extensions["issuer.services"]
    with services.db.transaction() as session:
        assert queue_expiry_reminders(services.context(session, SYSTEM)) >= 1
    api.ok(
        "POST",
        f"/awards/{award['id']}/revoke",
        admin,
        {"reason": "Evidence was copied."},
        status=200,
    )
    page = client.get("/account/forgot-password")
    answer = client.post(
        "/account/forgot-password",
        data={"email": EDUCATOR, "csrf_token": csrf_from(page.data.decode())},
    )
    assert answer.status_code in (200, 302)


def test_every_message_arrives_once_at_its_person_with_both_parts(
    api, district, client, outbox, mail_runner, smtp_server
):
    _walk(api, district, client)
    sent = _deliver_all(mail_runner, smtp_server)
    stored = outbox.messages()
    assert sent == len(stored)
    assert {m["state"] for m in stored} == {"sent"}
    to_educator = Counter(m["kind"] for m in stored if m["to_address"] == EDUCATOR)
    assert to_educator == {
        "invitation": 1,
        "enrollment_confirmed": 1,
        "submission_received": 2,
        "review_outcome": 2,
        "award_issued": 1,
        "stack_earned": 1,
        "expiry_reminder": 1,
        "award_revoked": 1,
        "password_reset": 1,
    }
    kinds = Counter(m["kind"] for m in stored)
    assert kinds["program_submitted"] >= 1 and kinds["program_decided"] >= 1
    for message in stored:
        [received] = [
            r
            for r in smtp_server.to(message["to_address"])
            if r["Message-ID"] == message["message_id"]
        ]
        assert received.get_body(("plain",)) is not None
        assert received.get_body(("html",)) is not None
    assert len(smtp_server.messages) == len(stored)  # nothing twice
    assert mail_runner.deliver(mail_runner.smtp(smtp_server)).sent == 0


def _deliver_all(mail_runner, smtp_server) -> int:
    """Runner passes (a pass takes a batch) until nothing is due; how many were sent."""
    sent = 0
    while (run := mail_runner.deliver(mail_runner.smtp(smtp_server))).sent:
        assert run.failed == 0 and run.retried == 0
        sent += run.sent
    return sent


def _received_text(smtp_server, kind_subject_part: str) -> str:
    [message] = [m for m in smtp_server.to(EDUCATOR) if kind_subject_part in m["Subject"]]
    return message.get_body(("plain",)).get_content()


def test_the_links_that_arrive_do_what_they_say(
    api, district, client, outbox, mail_runner, smtp_server
):
    _walk(api, district, client)
    _deliver_all(mail_runner, smtp_server)

    # The password link from the reset email sets a password, and the person signs in with it.
    reset = _received_text(smtp_server, "new password")
    [link] = [u for u in links_in(reset) if "/account/password" in u]
    assert set_password(client, link).status_code == 302
    assert sign_in(client, EDUCATOR).status_code == 302
    assert client.get("/portfolio").status_code == 200

    # The unsubscribe link of the reminder stops reminders, by the RFC 8058 one-click POST.
    reminder = outbox.one("expiry_reminder", EDUCATOR)
    unsubscribe = reminder["headers"]["List-Unsubscribe"].strip("<>")
    path = unsubscribe.removeprefix(BASE_URL)
    assert client.get(path).status_code == 200
    assert client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    ).status_code in (200, 204)
    services = client.application.extensions["issuer.services"]
    with services.db.transaction() as session:
        queue_expiry_reminders(services.context(session, SYSTEM))
    assert len(outbox.messages("expiry_reminder", EDUCATOR)) == 1

    # Every link in the messages the educator received opens.
    for message in outbox.messages(to=EDUCATOR):
        for url in links_in(message["text_body"]):
            answer = client.get(url.removeprefix(BASE_URL).split("#")[0])
            assert answer.status_code == 200, (message["kind"], url, answer.status_code)
