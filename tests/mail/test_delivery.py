"""Issue 11, delivery: the outbox reaches a real SMTP server (aiosmtpd on loopback, STARTTLS on a
self-signed certificate, AUTH required) once per message, survives the server being down, a
runner dying mid-send, temporary and permanent refusals, and two runners at once."""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from email.utils import parseaddr

import pytest

from issuer.domain.actors import SYSTEM
from issuer.mail.mime import Envelope, build_message
from issuer.mail.transport import EmlFolder
from issuer.models import MailAttempt, MailSuppression
from issuer.workflow.integrations.mail_delivery import claim_due
from tests.mail.smtp_server import USER, SmtpServer


def invite(api, admin: str, email: str) -> None:
    api.ok("POST", "/accounts", admin, {"role": "earner", "email": email})


def attempts(app, message_pk: int) -> list[MailAttempt]:
    with app.extensions["issuer.services"].db.session() as session:
        rows = session.query(MailAttempt).filter_by(message_id=message_pk).order_by(MailAttempt.id)
        return list(rows)


def test_an_invitation_arrives_once_with_both_parts_the_issuer_as_sender_and_its_message_id(
    api, district, outbox, mail_runner, smtp_server
):
    _, admin = district
    invite(api, admin, "ed@example.org")
    run = mail_runner.deliver(mail_runner.smtp(smtp_server))
    assert (run.sent, run.retried, run.failed) == (1, 0, 0)
    [received] = smtp_server.to("ed@example.org")
    stored = outbox.one("invitation", "ed@example.org")
    assert received["Message-ID"] == stored["message_id"]
    assert received["From"].addresses[0].display_name == "Metro School District"
    assert received["From"].addresses[0].addr_spec == "badges@badges.test"
    assert parseaddr(str(received["Reply-To"]))[1] == "pd@district.example.org"
    assert received["Subject"] == stored["subject"]
    text = received.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.strip() == stored["text_body"].strip()
    assert "<html" in received.get_body(("html",)).get_content().lower()
    assert "List-Unsubscribe" not in received  # account messages cannot be turned off
    assert stored["state"] == "sent" and stored["attempts"] == 1
    assert mail_runner.deliver(mail_runner.smtp(smtp_server)).sent == 0
    assert len(smtp_server.messages) == 1


def test_auth_is_used_when_a_user_name_is_configured(api, district, mail_runner, smtp_server):
    invite(api, district[1], "ed@example.org")
    mail_runner.deliver(mail_runner.smtp(smtp_server))
    assert [r.authenticated_as for r in smtp_server.handler.received] == [USER]


def test_refused_credentials_keep_the_message_pending_with_the_error_logged(
    app, api, district, outbox, mail_runner, smtp_server
):
    invite(api, district[1], "ed@example.org")
    run = mail_runner.deliver(mail_runner.smtp(smtp_server, smtp_password="wrong-password"))
    assert (run.sent, run.retried) == (0, 1)
    stored = outbox.one("invitation", "ed@example.org")
    assert stored["state"] == "pending" and "AUTH refused" in stored["last_error"]
    [attempt] = attempts(app, stored["id"])
    assert attempt.smtp_code == 535 and attempt.worker == "runner-1"
    assert smtp_server.messages == []


def test_a_certificate_nobody_trusts_is_refused_and_the_message_waits(
    api, district, outbox, mail_runner, smtp_server
):
    invite(api, district[1], "ed@example.org")
    run = mail_runner.deliver(mail_runner.smtp(smtp_server, smtp_ca_file=None))
    assert run.retried == 1 and smtp_server.messages == []
    assert "CERTIFICATE_VERIFY_FAILED" in outbox.one("invitation", "ed@example.org")["last_error"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize(("tls", "auth"), [("ssl", True), ("none", False)])
def test_ssl_and_plain_modes_deliver(api, district, mail_runner, tmp_path, tls, auth):
    server = SmtpServer(tmp_path, tls=tls, auth=auth).start()
    try:
        invite(api, district[1], "ed@example.org")
        assert mail_runner.deliver(mail_runner.smtp(server)).sent == 1
        assert len(server.to("ed@example.org")) == 1
    finally:
        server.stop()


def test_smtp_down_when_the_cause_commits_then_the_message_arrives_after_it_returns(
    app, api, district, outbox, mail_runner, tmp_path
):
    server = SmtpServer(tmp_path)  # not started: connection refused
    invite(api, district[1], "ed@example.org")
    first = mail_runner.deliver(mail_runner.smtp(server))
    assert first.retried == 1
    stored = outbox.one("invitation", "ed@example.org")
    assert stored["state"] == "pending" and stored["next_attempt_at"] > mail_runner.now
    assert "Connection" in attempts(app, stored["id"])[0].error
    server.start()
    try:
        assert mail_runner.deliver(mail_runner.smtp(server)).sent == 0  # backing off
        mail_runner.later(minutes=2)
        assert mail_runner.deliver(mail_runner.smtp(server)).sent == 1
        [received] = server.to("ed@example.org")
        assert received["Message-ID"] == stored["message_id"]
    finally:
        server.stop()


def test_a_runner_killed_mid_send_leaves_the_message_to_another_with_the_same_message_id(
    app, api, district, outbox, mail_runner, smtp_server
):
    invite(api, district[1], "ed@example.org")
    services = mail_runner.services
    with services.db.transaction() as session:  # runner A claims, then dies before recording
        [claimed] = claim_due(services.context(session, SYSTEM), "runner-A")
    assert mail_runner.deliver(mail_runner.smtp(smtp_server), worker="runner-B").sent == 0
    mail_runner.later(minutes=6)  # runner A's lease has expired
    assert mail_runner.deliver(mail_runner.smtp(smtp_server), worker="runner-B").sent == 1
    [received] = smtp_server.to("ed@example.org")
    assert received["Message-ID"] == claimed.envelope.message_id
    assert outbox.one("invitation", "ed@example.org")["state"] == "sent"


def test_a_550_for_the_recipient_fails_the_message_and_suppresses_the_address(
    app, api, district, outbox, mail_runner, smtp_server
):
    smtp_server.handler.refuse_rcpt["gone@example.org"] = "550 5.1.1 No such user"
    invite(api, district[1], "gone@example.org")
    run = mail_runner.deliver(mail_runner.smtp(smtp_server))
    assert (run.sent, run.retried, run.failed) == (0, 0, 1)
    stored = outbox.one("invitation", "gone@example.org")
    assert stored["state"] == "failed" and attempts(app, stored["id"])[0].smtp_code == 550
    with app.extensions["issuer.services"].db.session() as session:
        assert session.get(MailSuppression, "gone@example.org") is not None
    mail_runner.later(days=1)
    assert mail_runner.deliver(mail_runner.smtp(smtp_server)).failed == 0  # not retried
    assert len(attempts(app, stored["id"])) == 1


def test_a_bounced_address_is_not_mailed_again(api, district, outbox, mail_runner, smtp_server):
    smtp_server.handler.refuse_rcpt["gone@example.org"] = "550 5.1.1 No such user"
    invite(api, district[1], "gone@example.org")
    mail_runner.deliver(mail_runner.smtp(smtp_server))
    api.ok("POST", "/accounts", district[1], {"role": "reviewer", "email": "other@example.org"})
    from issuer.domain.mail import MailKind
    from issuer.workflow.integrations.mail_outbox import queue_mail

    services = mail_runner.services
    with services.db.transaction() as session:
        queue_mail(
            services.context(session, SYSTEM),
            MailKind.INVITATION,
            "gone@example.org",
            {
                "role_words": "educator",
                "password_link": "https://badges.test/x",
                "expires_on": mail_runner.now,
            },
        )
    mail_runner.deliver(mail_runner.smtp(smtp_server))
    states = [m["state"] for m in outbox.messages("invitation", "gone@example.org")]
    assert states == ["failed", "suppressed"]
    assert smtp_server.to("gone@example.org") == []


def test_a_451_is_retried_later_and_then_delivered(
    app, api, district, outbox, mail_runner, smtp_server
):
    smtp_server.handler.data_answer = "451 4.3.0 Try again later"
    invite(api, district[1], "ed@example.org")
    assert mail_runner.deliver(mail_runner.smtp(smtp_server)).retried == 1
    stored = outbox.one("invitation", "ed@example.org")
    assert stored["state"] == "pending" and stored["attempts"] == 1
    assert attempts(app, stored["id"])[0].smtp_code == 451
    smtp_server.handler.data_answer = None
    mail_runner.later(minutes=1, seconds=1)
    assert mail_runner.deliver(mail_runner.smtp(smtp_server)).sent == 1
    assert len(smtp_server.to("ed@example.org")) == 1


def test_a_message_still_refused_after_two_days_is_failed(
    api, district, outbox, mail_runner, tmp_path
):
    server = SmtpServer(tmp_path)  # never started
    invite(api, district[1], "ed@example.org")
    mail_runner.deliver(mail_runner.smtp(server))
    mail_runner.later(days=2, minutes=1)
    run = mail_runner.deliver(mail_runner.smtp(server))
    assert run.failed == 1
    assert outbox.one("invitation", "ed@example.org")["state"] == "failed"


def test_two_runners_at_once_send_no_message_twice(api, district, outbox, mail_runner, smtp_server):
    addresses = [f"person{i}@example.org" for i in range(8)]
    for address in addresses:
        invite(api, district[1], address)
    transport = mail_runner.smtp(smtp_server)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for _ in range(3):
                mail_runner.deliver(transport, worker=name)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"runner-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)) == len(addresses)
    assert {m["state"] for m in outbox.messages("invitation")} == {"sent"}


def test_without_smtp_host_each_message_is_a_parseable_eml_file_named_after_its_message_id(
    app, api, district, outbox, mail_runner
):
    folder = app.extensions["issuer.services"].settings.instance_dir / "mail"
    invite(api, district[1], "ed@example.org")
    assert mail_runner.deliver(EmlFolder(folder)).sent == 1
    [written] = list(folder.glob("*.eml"))
    parsed = message_from_bytes(written.read_bytes(), policy=policy.default)
    stored = outbox.one("invitation", "ed@example.org")
    assert parsed["Message-ID"] == stored["message_id"]
    assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None
    assert written.stat().st_mode & 0o077 == 0


def test_a_repeat_overwrites_the_eml_file_instead_of_adding_one(tmp_path):
    folder = EmlFolder(tmp_path / "mail")
    message = build_message(_envelope(), "badges@badges.test")
    folder.send(message)
    folder.send(message)
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


@pytest.mark.parametrize("field", ["subject", "sender_name", "to", "reply_to", "message_id"])
def test_a_line_break_in_any_header_is_refused(field):
    hostile = {field: "x@example.org\r\nBcc: victim@example.org"}
    with pytest.raises(ValueError):
        build_message(_envelope(**hostile), "badges@badges.test")


def test_a_header_that_is_not_allowed_is_refused():
    with pytest.raises(ValueError):
        build_message(_envelope(headers={"Bcc": "x@example.org"}), "badges@badges.test")


def test_the_issuers_name_is_encoded_in_the_display_name():
    message = build_message(_envelope(sender_name='Distrito Escolar Peñasco, "Norte"'), "b@x.org")
    raw = message.as_bytes()
    assert b"Pe\xc3\xb1asco" not in raw  # encoded, 7-bit headers
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["From"].addresses[0].display_name == 'Distrito Escolar Peñasco, "Norte"'


def _envelope(**changes) -> Envelope:
    from datetime import UTC, datetime

    values = {
        "message_id": "<abc@badges.test>",
        "to": "ed@example.org",
        "sender_name": "Metro School District",
        "subject": "Welcome",
        "text": "Hello\n",
        "html": "<html><body>Hello</body></html>",
        "date": datetime(2026, 12, 4, tzinfo=UTC),
        "reply_to": "pd@district.example.org",
    }
    return Envelope(**{**values, **changes})
