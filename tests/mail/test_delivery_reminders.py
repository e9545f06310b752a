"""Issue 11: expiry reminders, once per award 30 days before it expires, and the signed one-click
unsubscribe link (RFC 8058) that turns them off."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from issuer.domain.actors import SYSTEM
from issuer.models import Award, MailPreference
from issuer.workflow.integrations import mail_reminders

UNSUBSCRIBE = re.compile(r"https://badges\.test(/mail/unsubscribe/[\w.\-]+)")


def award_expiring_in(api, district, days: int | None, email: str) -> str:
    issuer_id, admin = district
    program = api.approved_program(admin, issuer_id, name=f"Program {email}")
    earner = api.earner(admin, email=email)
    enrollment, _ = api.passed_enrollment(admin, issuer_id, program, earner)
    award_id = api.complete(admin, enrollment)["id"]
    services = api.client.application.extensions["issuer.services"]
    expires = None if days is None else services.clock() + timedelta(days=days)
    with services.db.transaction() as session:
        session.execute(update(Award).where(Award.id == award_id).values(expires_at=expires))
    return award_id


def remind(runner) -> int:
    result = runner.invoke(args=["mail", "remind"])
    assert result.exit_code == 0, result.output
    return int(result.output.split(":")[1].strip(" }\n"))


def test_the_finder_queues_one_reminder_per_award_expiring_within_30_days(
    api, district, outbox, runner
):
    soon = award_expiring_in(api, district, 20, "soon@school.example.org")
    award_expiring_in(api, district, 90, "far@school.example.org")
    award_expiring_in(api, district, None, "never@school.example.org")
    assert remind(runner) == 1
    assert remind(runner) == 0
    [message] = outbox.messages("expiry_reminder")
    assert message["to_address"] == "soon@school.example.org"
    assert message["dedupe_key"] == mail_reminders.dedupe_key(soon)
    assert message["issuer_id"] == district[0]


def test_a_revoked_award_gets_no_reminder(api, district, outbox, runner):
    award_id = award_expiring_in(api, district, 10, "revoked@school.example.org")
    api.ok("POST", f"/awards/{award_id}/revoke", district[1], {"reason": "Error"}, status=200)
    assert remind(runner) == 0
    assert outbox.messages("expiry_reminder") == []


def test_a_reminder_carries_the_one_click_unsubscribe_headers(api, district, outbox, runner):
    award_expiring_in(api, district, 10, "soon@school.example.org")
    remind(runner)
    message = outbox.one("expiry_reminder", "soon@school.example.org")
    header = message["headers"]["List-Unsubscribe"]
    assert message["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert UNSUBSCRIBE.fullmatch(header.strip("<>"))
    assert header.strip("<>") in message["text_body"]


def _link(api, district, outbox, runner) -> str:
    award_expiring_in(api, district, 10, "soon@school.example.org")
    remind(runner)
    message = outbox.one("expiry_reminder", "soon@school.example.org")
    return UNSUBSCRIBE.search(message["text_body"]).group(1)


def _reminders_on(app, address: str) -> bool:
    with app.extensions["issuer.services"].db.session() as session:
        preference = session.get(MailPreference, address)
        return preference is None or preference.reminders


def test_the_unsubscribe_link_opens_a_page_with_a_button(
    app, api, district, outbox, runner, client
):
    page = client.get(_link(api, district, outbox, runner))
    assert page.status_code == 200
    assert b"Stop reminders" in page.data and b"soon@school.example.org" in page.data
    assert _reminders_on(app, "soon@school.example.org")  # a GET changes nothing


def test_the_one_click_post_stops_reminders(app, api, district, outbox, runner, client):
    link = _link(api, district, outbox, runner)
    answer = client.post(
        link,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    assert not _reminders_on(app, "soon@school.example.org")
    award_expiring_in(api, district, 5, "soon-two@school.example.org")
    services = app.extensions["issuer.services"]
    with services.db.transaction() as session:  # a second award of the same person: no reminder
        session.execute(
            update(Award)
            .where(Award.earner_name == "Ada Teacher", Award.expires_at.is_(None))
            .values(expires_at=services.clock() + timedelta(days=3))
        )
    before = len(outbox.messages("expiry_reminder", "soon@school.example.org"))
    remind(runner)
    assert len(outbox.messages("expiry_reminder", "soon@school.example.org")) == before


def test_a_forged_unsubscribe_token_is_refused(app, client):
    services = app.extensions["issuer.services"]
    with services.db.session() as session:
        ctx = services.context(session, SYSTEM)
        genuine = mail_reminders.unsubscribe_url(ctx, "ada@example.org")
    forged = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    path = forged.removeprefix("https://badges.test")
    assert client.get(path).status_code == 400
    answer = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 400
    assert _reminders_on(app, "ada@example.org")


def test_a_token_made_for_another_purpose_is_refused(app, api, district, client):
    from itsdangerous import URLSafeSerializer

    other = URLSafeSerializer("test-secret", salt="password-setup").dumps("ada@example.org")
    answer = client.post(
        f"/mail/unsubscribe/{other}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 400
    assert _reminders_on(app, "ada@example.org")
