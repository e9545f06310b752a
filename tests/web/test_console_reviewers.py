"""The facilitator's reviewers page (SPEC §8, Review cycles): the issuer's reviewers listed, and
"Invite a reviewer" creating a reviewer account of the issuer whose owner alone gets the link."""

from __future__ import annotations

from sqlalchemy import func, select

from issuer.models import Account, MailMessage

from .conftest import csrf_from, set_password, sign_in

ADMIN_EMAIL = "facilitator@district.example.org"


def _db(client):
    return client.application.extensions["issuer.services"].db


def _signed_in_facilitator(api, client, issuer_id: int) -> None:
    api.account("issuer_admin", issuer_id, email=ADMIN_EMAIL)
    assert set_password(client, api.password_link(ADMIN_EMAIL)).status_code == 302
    assert sign_in(client, ADMIN_EMAIL).status_code == 302


def _invite(client, email: str):
    token = csrf_from(client.get("/console/reviewers").data.decode())
    return client.post("/console/reviewers", data={"email": email, "csrf_token": token})


def test_the_page_lists_the_issuers_reviewers_and_not_another_issuers(api, district, client):
    issuer_id, admin = district
    api.ok(
        "POST", "/accounts", admin, {"role": "reviewer", "email": "rev.one@district.example.org"}
    )
    other_id, _ = api.issuer("Other District")
    api.account("reviewer", other_id, email="rev.elsewhere@other.example.org")
    _signed_in_facilitator(api, client, issuer_id)
    page = client.get("/console/reviewers")
    html = page.data.decode()
    assert page.status_code == 200
    assert "rev.one@district.example.org" in html and "Invited, no password set yet" in html
    assert "rev.elsewhere@other.example.org" not in html


def test_inviting_a_reviewer_creates_a_reviewer_of_the_issuer_and_mails_them_the_link(
    api, district, client
):
    issuer_id, _ = district
    _signed_in_facilitator(api, client, issuer_id)
    answer = _invite(client, "  New.Reviewer@District.example.org ")
    assert answer.status_code == 303 and answer.location.endswith("/console/reviewers")
    assert "on its way to new.reviewer@district.example.org" in client.get(answer.location).text
    with _db(client).session() as session:
        account = session.scalar(
            select(Account).where(Account.email == "new.reviewer@district.example.org")
        )
        assert (account.role, account.issuer_id) == ("reviewer", issuer_id)
        [mail] = session.scalars(
            select(MailMessage).where(MailMessage.to_address == "new.reviewer@district.example.org")
        ).all()
        assert mail.kind == "invitation"


def test_a_reposted_invitation_creates_no_second_account_and_says_so(api, district, client):
    issuer_id, _ = district
    _signed_in_facilitator(api, client, issuer_id)
    assert _invite(client, "rev@district.example.org").status_code == 303
    again = _invite(client, "rev@district.example.org")
    assert again.status_code == 303
    assert "already has an account" in client.get(again.location).text
    with _db(client).session() as session:
        count = select(func.count()).select_from(Account)
        assert session.scalar(count.where(Account.email == "rev@district.example.org")) == 1
        mails = select(func.count()).select_from(MailMessage)
        assert (
            session.scalar(mails.where(MailMessage.to_address == "rev@district.example.org")) == 1
        )


def test_a_malformed_email_comes_back_at_the_field_without_an_account(api, district, client):
    issuer_id, _ = district
    _signed_in_facilitator(api, client, issuer_id)
    answer = _invite(client, "not-an-email")
    assert answer.status_code == 422
    assert 'id="email-error"' in answer.text and 'value="not-an-email"' in answer.text
    with _db(client).session() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Account).where(Account.role == "reviewer")
            )
            == 0
        )


def test_reviewers_page_is_for_issuer_admins_only(api, district, client):
    issuer_id, _ = district
    api.account("reviewer", issuer_id, email="rev@district.example.org")
    set_password(client, api.password_link("rev@district.example.org"))
    sign_in(client, "rev@district.example.org")
    assert client.get("/console/reviewers").status_code == 403
