"""Issue 11: the delivery log and bounced addresses for staff, over the API and the CLI; the log
never shows a body or a link, and an issuer's admins see only their issuer's messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from issuer.models import MailSuppression


def suppress(app, address: str) -> None:
    with app.extensions["issuer.services"].db.transaction() as session:
        session.add(
            MailSuppression(address=address, reason="550 5.1.1", created_at=datetime.now(UTC))
        )


def is_suppressed(app, address: str) -> bool:
    with app.extensions["issuer.services"].db.session() as session:
        return session.get(MailSuppression, address) is not None


def test_the_log_shows_kind_recipient_subject_and_state_but_no_body_or_link(api, district):
    api.ok("POST", "/accounts", district[1], {"role": "earner", "email": "ed@example.org"})
    log = api.ok("GET", "/mail/messages", api.ptsb)
    assert log["total"] == 1
    [item] = log["items"]
    assert (item["kind"], item["to"], item["state"]) == ("invitation", "ed@example.org", "pending")
    assert "text_body" not in item and "html_body" not in item and "headers" not in item
    assert "token" not in json.dumps(log) and "/account/password" not in json.dumps(log)


def test_an_issuers_admin_sees_only_that_issuers_messages(api, district):
    api.ok("POST", "/accounts", district[1], {"role": "earner", "email": "ed@example.org"})
    _, other_admin = api.issuer("Other District")
    api.ok("POST", "/accounts", other_admin, {"role": "earner", "email": "al@example.org"})
    mine = api.ok("GET", "/mail/messages", district[1])
    assert [i["to"] for i in mine["items"]] == ["ed@example.org"] and mine["total"] == 1
    assert api.ok("GET", "/mail/messages", api.ptsb)["total"] == 2


def test_the_log_filters_by_state_and_recipient_and_refuses_an_unknown_state(api, district):
    api.ok("POST", "/accounts", district[1], {"role": "earner", "email": "ed@example.org"})
    api.ok("POST", "/accounts", district[1], {"role": "earner", "email": "al@example.org"})
    assert api.ok("GET", "/mail/messages?to=AL@example.org", api.ptsb)["total"] == 1
    assert api.ok("GET", "/mail/messages?state=sent", api.ptsb)["total"] == 0
    refused = api.call("GET", "/mail/messages?state=lost", api.ptsb)
    assert refused.status_code == 422 and refused.get_json()["error"] == "invalid_fields"


def test_a_reviewer_may_not_read_the_log(api, district):
    reviewer = api.account("reviewer", district[0], token=district[1])
    refused = api.call("GET", "/mail/messages", reviewer)
    assert refused.status_code == 403 and refused.get_json()["error"] == "wrong_role"


def test_ptsb_clears_a_bounced_address(app, api):
    suppress(app, "gone@example.org")
    assert (
        api.ok("GET", "/mail/suppressions", api.ptsb)["items"][0]["address"] == "gone@example.org"
    )
    cleared = api.ok("DELETE", "/mail/suppressions/gone@example.org", api.ptsb)
    assert cleared["address"] == "gone@example.org"
    assert not is_suppressed(app, "gone@example.org")


def test_an_issuers_admin_clears_only_addresses_their_issuer_mailed(app, api, district):
    api.ok("POST", "/accounts", district[1], {"role": "earner", "email": "gone@example.org"})
    suppress(app, "gone@example.org")
    _, other_admin = api.issuer("Other District")
    refused = api.call("DELETE", "/mail/suppressions/gone@example.org", other_admin)
    assert refused.status_code == 404 and refused.get_json()["error"] == "suppression_not_found"
    assert api.ok("GET", "/mail/suppressions", other_admin)["items"] == []
    assert is_suppressed(app, "gone@example.org")
    api.ok("DELETE", "/mail/suppressions/gone@example.org", district[1])
    assert not is_suppressed(app, "gone@example.org")


def test_the_cli_clears_a_bounced_address(app, runner):
    suppress(app, "gone@example.org")
    result = runner.invoke(args=["mail", "unsuppress", "--email", "Gone@example.org"])
    assert result.exit_code == 0, result.output
    assert not is_suppressed(app, "gone@example.org")


def test_mail_run_once_writes_eml_files_and_mail_log_prints_them_sent(app, api, district, runner):
    api.ok("POST", "/accounts", district[1], {"role": "earner", "email": "ed@example.org"})
    result = runner.invoke(args=["mail", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["sent"] == 1
    folder = app.extensions["issuer.services"].settings.instance_dir / "mail"
    assert len(list(folder.glob("*.eml"))) == 1
    logged = runner.invoke(args=["mail", "log", "--state", "sent"])
    [entry] = [json.loads(line) for line in logged.stdout.splitlines()]
    assert entry["to"] == "ed@example.org" and entry["log"][0]["worker"]


def test_a_form_post_without_its_csrf_token_changes_nothing(app, client):
    from issuer.domain.actors import SYSTEM
    from issuer.workflow.integrations import mail_reminders

    services = app.extensions["issuer.services"]
    with services.db.session() as session:
        url = mail_reminders.unsubscribe_url(services.context(session, SYSTEM), "ada@example.org")
    answer = client.post(url.removeprefix("https://badges.test"), data={"anything": "else"})
    assert answer.status_code == 400
    from issuer.models import MailPreference

    with services.db.session() as session:
        assert session.get(MailPreference, "ada@example.org") is None
