"""SPEC §9: every message is composed and stored in the same transaction as its cause, with a
plain-text part and an HTML alternative, people's text escaped, the issuer as sender."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from issuer.domain.actors import SYSTEM
from issuer.domain.mail import MailKind, MailState
from issuer.mail.compose import compose, one_line
from issuer.models import MailPreference, MailSuppression
from issuer.workflow.integrations.mail_outbox import queue_mail

LINK = re.compile(r"https://badges\.test/account/password#token=[\w.\-]+")


def test_invited_person_receives_the_password_link_and_nobody_else_sees_it(api, district, outbox):
    issuer_id, admin = district
    answer = api.ok("POST", "/accounts", admin, {"role": "reviewer", "email": "Rae@Example.org"})
    assert "token" not in answer and "password_setup_url" not in answer
    message = outbox.one("invitation", "rae@example.org")
    assert message["state"] == "pending"
    assert message["sender_name"] == "Metro School District"
    assert message["reply_to"] == "pd@district.example.org"
    assert LINK.search(message["text_body"]) and LINK.search(message["html_body"])
    assert LINK.search(message["text_body"]).group() == LINK.search(message["html_body"]).group()
    assert message["message_id"].startswith("<") and message["message_id"].endswith("@badges.test>")


def test_invitation_link_opens_the_password_page_and_sets_a_password(api, district, outbox, client):
    _, admin = district
    api.ok("POST", "/accounts", admin, {"role": "earner", "email": "ed@example.org"})
    link = LINK.search(outbox.one("invitation", "ed@example.org")["text_body"]).group()
    page = client.get(link.removeprefix("https://badges.test").split("#")[0])
    assert page.status_code == 200
    assert b"password" in page.data.lower()


def test_a_refused_invitation_queues_nothing(api, district, outbox):
    _, admin = district
    api.ok("POST", "/accounts", admin, {"role": "earner", "email": "twice@example.org"})
    refused = api.call("POST", "/accounts", admin, {"role": "earner", "email": "twice@example.org"})
    assert refused.get_json()["error"] == "account_exists"
    assert len(outbox.messages("invitation", "twice@example.org")) == 1


def test_peoples_text_is_escaped_in_the_html_part_and_kept_on_one_line_in_the_subject():
    composed = compose(
        MailKind.INVITATION,
        {
            "sender": 'Evil <script>alert(1)</script> & "Co"\r\nBcc: x@evil.example',
            "role_words": "educator",
            "password_link": "https://badges.test/account/password#token=abc",
            "expires_on": datetime(2026, 12, 11, tzinfo=UTC),
            "base_url": "https://badges.test",
            "to_address": "ed@example.org",
        },
    )
    assert "<script>" not in composed.html and "&lt;script&gt;" in composed.html
    assert "\n" not in composed.subject and "\r" not in composed.subject
    assert "11 December 2026" in composed.text


def test_one_line_drops_control_characters_and_line_breaks():
    assert one_line("a\r\nb\x00c\u2028d") == "a b c d"


def _queue(app, kind: MailKind, to: str, **kw):
    services = app.extensions["issuer.services"]
    with services.db.transaction() as session:
        ctx = services.context(session, SYSTEM)
        message = queue_mail(ctx, kind, to, _reminder_context(), **kw)
        return None if message is None else (message.state, message.id)


def _reminder_context() -> dict:
    return {
        "earner_name": "Ada",
        "badge_name": "PL Foundations",
        "expires_on": datetime(2027, 1, 3, tzinfo=UTC),
        "verify_url": "https://badges.test/ob2/assertions/x",
        "unsubscribe_url": "https://badges.test/mail/unsubscribe#token=x",
    }


def test_a_reminder_is_not_queued_for_someone_who_turned_reminders_off(app):
    services = app.extensions["issuer.services"]
    with services.db.transaction() as session:
        session.add(
            MailPreference(address="ada@example.org", reminders=False, updated_at=datetime.now(UTC))
        )
    assert _queue(app, MailKind.EXPIRY_REMINDER, "Ada@example.org") is None


def test_an_address_that_bounced_gets_its_message_stored_suppressed(app):
    services = app.extensions["issuer.services"]
    with services.db.transaction() as session:
        session.add(
            MailSuppression(address="gone@example.org", reason="550", created_at=datetime.now(UTC))
        )
    state, _ = _queue(app, MailKind.EXPIRY_REMINDER, "gone@example.org")
    assert state == MailState.SUPPRESSED.value


def test_a_once_only_message_is_queued_once(app):
    first = _queue(app, MailKind.EXPIRY_REMINDER, "ada@example.org", dedupe_key="expiry:award-1")
    again = _queue(app, MailKind.EXPIRY_REMINDER, "ada@example.org", dedupe_key="expiry:award-1")
    assert first is not None and again is None
