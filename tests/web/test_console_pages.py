"""The facilitator's console, operations part (SPEC §8, Facilitator): the dashboard of queues and
confirming completions, educators (search, add, their page and its actions), awards and revoking,
roster imports, exports and webhooks. Signed-in issuer admins of their own issuer only."""

from __future__ import annotations

import io
import re
import threading

import pytest
from sqlalchemy import func, select

from issuer.models import (
    Award,
    Earner,
    Enrollment,
    MailMessage,
    PriorTraining,
    WebhookSubscription,
)
from issuer.web import console_integrations
from tests.conftest import BASE_URL
from tests.wallets.oid4vci_client import Holder, Wallet

from .conftest import csrf_from, set_password, sign_in

ADMIN_EMAIL = "facilitator@district.example.org"
PAGES = [
    "/console",
    "/console/earners",
    "/console/earners/new",
    "/console/awards",
    "/console/imports",
    "/console/exports",
    "/console/webhooks",
]


def _db(client):
    return client.application.extensions["issuer.services"].db


def _count(client, model, *where) -> int:
    with _db(client).session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _token(client, path: str = "/console") -> str:
    return csrf_from(client.get(path).data.decode())


def _html(response) -> str:
    return response.data.decode()


def _signed_in_as(api, client, role: str, issuer_id: int | None, email: str) -> None:
    api.account(role, issuer_id, email=email)
    assert set_password(client, api.password_link(email)).status_code == 302
    assert sign_in(client, email).status_code == 302


@pytest.fixture
def console(api, district, client):
    """(issuer id, admin token, program id): the district's facilitator signed in on ``client``."""
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    _signed_in_as(api, client, "issuer_admin", issuer_id, ADMIN_EMAIL)
    return issuer_id, admin, program_id


def _passed(api, console, name: str = "Ada Teacher", **fields) -> tuple[int, int]:
    """(enrollment id, earner id) of a passed enrollment in the console's program."""
    issuer_id, admin, program_id = console
    earner_id = api.earner(admin, name=name, **fields)
    return api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)


def _awarded(api, console, name: str = "Ada Teacher") -> tuple[dict, int]:
    enrollment_id, earner_id = _passed(api, console, name=name)
    return api.complete(console[1], enrollment_id), earner_id


def _confirm(client, **data):
    return client.post("/console/completions", data={"csrf_token": _token(client), **data})


# ---- Who may open the console --------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_a_visitor_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


@pytest.mark.parametrize("path", PAGES)
def test_an_educator_gets_the_403_page(client, api, district, path):
    _, admin = district
    email = "pat.lee@school.example.org"
    api.earner(admin, email=email)
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    assert set_password(client, api.password_link(email)).status_code == 302
    assert sign_in(client, email).status_code == 302
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "administrators" in _html(response)


def test_a_reviewer_gets_the_403_page(client, api, district):
    issuer_id, _ = district
    _signed_in_as(api, client, "reviewer", issuer_id, "scorer@district.example.org")
    assert client.get("/console", headers={"Accept": "text/html"}).status_code == 403


def test_another_issuers_admin_cannot_open_an_educator_or_an_award(client, api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, earner_id = api.passed_enrollment(admin, issuer_id, program_id)
    award = api.complete(admin, enrollment_id)
    other_issuer, _ = api.issuer("Lakeside District")
    _signed_in_as(api, client, "issuer_admin", other_issuer, "admin@lakeside.example.org")
    html = {"Accept": "text/html"}
    assert client.get(f"/console/earners/{earner_id}", headers=html).status_code == 403
    assert client.get(f"/console/awards/{award['id']}", headers=html).status_code == 403
    assert "Ada Teacher" not in _html(client.get("/console"))


def test_another_issuers_admin_cannot_confirm_this_issuers_enrollment(client, api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    other_issuer, _ = api.issuer("Lakeside District")
    _signed_in_as(api, client, "issuer_admin", other_issuer, "admin@lakeside.example.org")
    response = _confirm(client, enrollment_id=str(enrollment_id))
    assert response.status_code == 303
    assert _count(client, Award) == 0
    assert "not one of your issuer" in _html(client.get(response.headers["Location"]))


def test_the_navigation_offers_the_console_to_issuer_admins(client, console):
    html = _html(client.get("/console"))
    assert 'href="/console"' in html and 'href="/console/earners"' in html
    assert 'href="/console/awards"' in html


# ---- The dashboard -------------------------------------------------------------------------


def test_the_dashboard_lists_each_queue_with_its_count(client, api, console):
    issuer_id, admin, program_id = console
    _passed(api, console, name="Paula Passed")
    earner = api.earner(admin, name="Rita Revise")
    enrollment = api.enrol(admin, program_id, earner)
    api.score(api.reviewers(issuer_id, admin), api.submit(admin, enrollment), [2, 2, 3])
    waiting = api.enrol(admin, program_id, api.earner(admin, name="Walt Waiting"))
    api.submit(admin, waiting)
    draft = api.program(admin, issuer_id, name="Data Literacy")["id"]
    api.ok("POST", f"/programs/{draft}/submit", admin, status=200)
    html = _html(client.get("/console"))
    assert "Passed, awaiting your confirmation (1)" in html and "Paula Passed" in html
    assert "Needs revision (1)" in html and "Rita Revise" in html
    assert "Awaiting review (1)" in html and "Walt Waiting" in html
    assert "Programs awaiting PTSB (1)" in html and "Data Literacy" in html


def test_an_empty_dashboard_says_so_in_words(client, console):
    html = _html(client.get("/console"))
    assert "No passed enrollment is waiting for confirmation." in html
    assert "No work needs a revision." in html
    assert "No submitted work is waiting for review." in html
    assert "No program of yours is waiting for PTSB" in html


def test_confirming_one_row_issues_its_award_and_links_it(client, api, console):
    enrollment_id, _ = _passed(api, console)
    response = _confirm(client, enrollment_id=str(enrollment_id))
    assert response.status_code == 303
    assert _count(client, Award, Award.enrollment_id == enrollment_id) == 1
    html = _html(client.get(response.headers["Location"]))
    assert "Completion confirmed for 1 enrollment" in html
    with _db(client).session() as session:
        award_id = session.scalar(select(Award.id).where(Award.enrollment_id == enrollment_id))
    assert f'href="/console/awards/{award_id}"' in html


def test_confirm_selected_posted_twice_issues_exactly_one_award_per_enrollment(
    client, api, console
):
    first, _ = _passed(api, console, name="Ann One")
    second, _ = _passed(api, console, name="Bo Two")
    form = {"selected": [str(first), str(second)]}
    assert _confirm(client, **form).status_code == 303
    again = _confirm(client, **form)
    assert again.status_code == 303
    assert _count(client, Award, Award.enrollment_id.in_([first, second])) == 2
    assert _count(client, Award) == 2
    html = _html(client.get(again.headers["Location"]))
    assert "2 enrollments were already confirmed: no second badge was issued." in html
    assert html.count('href="/console/awards/') == 2  # each already-made award is linked


def test_confirm_selected_posted_from_two_tabs_at_once_issues_one_award_per_enrollment(
    app, client, api, console
):
    first, _ = _passed(api, console, name="Ann One")
    second, _ = _passed(api, console, name="Bo Two")
    tabs = [app.test_client() for _ in range(4)]
    for tab in tabs:
        assert sign_in(tab, ADMIN_EMAIL).status_code == 302
    forms = [{"selected": [str(first), str(second)], "csrf_token": _token(tab)} for tab in tabs]
    statuses: list[int] = []

    def post(tab, form) -> None:
        statuses.append(tab.post("/console/completions", data=form).status_code)

    threads = [threading.Thread(target=post, args=pair) for pair in zip(tabs, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 4
    assert _count(client, Award, Award.enrollment_id == first) == 1
    assert _count(client, Award, Award.enrollment_id == second) == 1


def test_a_reposted_row_confirmation_is_answered_kindly_with_the_award(client, api, console):
    enrollment_id, _ = _passed(api, console)
    _confirm(client, enrollment_id=str(enrollment_id))
    again = _confirm(client, enrollment_id=str(enrollment_id))
    html = _html(client.get(again.headers["Location"]))
    assert "1 enrollment was already confirmed" in html and "see the award" in html
    assert _count(client, Award, Award.enrollment_id == enrollment_id) == 1


def test_an_enrollment_completed_over_the_api_is_not_awarded_again_from_the_console(
    client, api, console
):
    enrollment_id, _ = _passed(api, console)
    api.complete(console[1], enrollment_id)
    _confirm(client, enrollment_id=str(enrollment_id))
    assert _count(client, Award, Award.enrollment_id == enrollment_id) == 1


def test_confirming_without_the_csrf_token_is_refused_and_issues_nothing(client, api, console):
    enrollment_id, _ = _passed(api, console)
    response = client.post("/console/completions", data={"enrollment_id": str(enrollment_id)})
    assert response.status_code == 400
    assert _count(client, Award) == 0


def test_confirming_nothing_selected_asks_to_select(client, console):
    response = _confirm(client)
    assert "Select at least one passed enrollment" in _html(
        client.get(response.headers["Location"])
    )


# ---- Educators -----------------------------------------------------------------------------


def test_search_finds_an_educator_by_license_number(client, api, console):
    _, admin, _ = console
    found = api.earner(admin, name="Lena Ortiz", license_number="TN-448812")
    api.earner(admin, name="Omar Other", license_number="TN-100000")
    html = _html(client.get("/console/earners?q=448812"))
    assert f'href="/console/earners/{found}">Lena Ortiz<' in html
    assert "Omar Other" not in html
    assert "1 educator matching" in html


def test_search_finds_by_email_and_name_and_says_when_nothing_matches(client, api, console):
    _, admin, _ = console
    api.earner(admin, name="Lena Ortiz", email="lena@school.example.org")
    assert "Lena Ortiz" in _html(client.get("/console/earners?q=LENA@school"))
    assert "Lena Ortiz" in _html(client.get("/console/earners?q=ortiz"))
    assert "No educator matches" in _html(client.get("/console/earners?q=nobody"))


def test_search_does_not_show_another_issuers_educators(client, api, console):
    other_issuer, other_admin = api.issuer("Lakeside District")
    api.earner(other_admin, name="Lakeside Lou", license_number="LK-1")
    assert "Lakeside Lou" not in _html(client.get("/console/earners?q=LK-1"))


def test_search_pages_through_many_educators(client, api, console):
    _, admin, _ = console
    for n in range(27):
        api.earner(admin, name=f"Teacher {n:02d}")
    first = _html(client.get("/console/earners"))
    assert "27 educators" in first and 'aria-label="Page 2"' in first
    second = _html(client.get("/console/earners?offset=25"))
    assert "Teacher 26" in second and "Teacher 00" not in second


def test_search_with_control_characters_is_refused_in_words(client, console):
    response = client.get("/console/earners?q=a%00b")
    assert response.status_code == 422
    assert "control characters" in _html(response)


def _add(client, **fields):
    data = {"name": "", "email": "", "license_number": "", "position": "", **fields}
    return client.post(
        "/console/earners/new", data={**data, "csrf_token": _token(client, "/console/earners/new")}
    )


def test_adding_an_educator_creates_the_record_and_opens_it(client, console):
    response = _add(
        client,
        name="Nia Brooks",
        email="Nia.Brooks@School.example.org",
        license_number="TN-5",
        position="Instructional coach",
    )
    assert response.status_code == 303
    with _db(client).session() as session:
        earner = session.scalar(
            select(Earner).where(Earner.email == "nia.brooks@school.example.org")
        )
    assert earner.license_number == "TN-5" and earner.position == "Instructional coach"
    assert response.headers["Location"].endswith(f"/console/earners/{earner.id}")
    assert "Nia Brooks is added" in _html(client.get(response.headers["Location"]))


def test_adding_a_known_email_answers_the_existing_record_unchanged(client, api, console):
    other_issuer, other_admin = api.issuer("Lakeside District")
    known = api.earner(other_admin, name="Nia Brooks", email="nia@school.example.org")
    response = _add(client, name="Someone Else", email="NIA@school.example.org")
    assert response.headers["Location"].endswith(f"/console/earners/{known}")
    assert _count(client, Earner) == 1
    html = _html(client.get(response.headers["Location"]))
    assert "already registered" in html and "Nia Brooks" in html and "Someone Else" not in html


def test_adding_without_name_or_a_valid_email_rerenders_the_form(client, console):
    response = _add(client, email="not-an-email")
    assert response.status_code == 422
    assert "Enter the educator&#39;s name." in _html(response)
    response = _add(client, name="Nia Brooks", email="not-an-email")
    assert response.status_code == 422
    assert "must be an email address" in _html(response)
    assert _count(client, Earner) == 0


def test_the_educator_page_shows_enrollments_awards_and_account_state(client, api, console):
    award, earner_id = _awarded(api, console)
    html = _html(client.get(f"/console/earners/{earner_id}"))
    assert "Ada Teacher" in html and "Completed" in html
    assert f'href="/console/awards/{award["id"]}"' in html
    assert "No account yet" in html


def test_invite_to_sign_in_queues_the_invitation_then_says_an_account_exists(client, api, console):
    _, admin, _ = console
    earner_id = api.earner(admin, name="Ivy Invite", email="ivy@school.example.org")
    path = f"/console/earners/{earner_id}"
    first = client.post(f"{path}/invite", data={"csrf_token": _token(client, path)})
    assert first.status_code == 303
    assert _count(client, MailMessage, MailMessage.to_address == "ivy@school.example.org") == 1
    assert "invitation to sign in is on its way" in _html(client.get(path))
    second = client.post(f"{path}/invite", data={"csrf_token": _token(client, path)})
    assert second.status_code == 303
    assert "already has an account" in _html(client.get(path))
    assert _count(client, MailMessage, MailMessage.to_address == "ivy@school.example.org") == 1


def test_prior_training_is_recorded_once_even_when_reposted(client, api, console):
    _, admin, _ = console
    earner_id = api.earner(admin)
    path = f"/console/earners/{earner_id}"
    for _ in range(2):
        response = client.post(
            f"{path}/prior-training",
            data={"description": "CDD training, spring 2025", "csrf_token": _token(client, path)},
        )
        assert response.status_code == 303
    assert _count(client, PriorTraining, PriorTraining.earner_id == earner_id) == 1
    html = _html(client.get(path))
    assert "CDD training, spring 2025" in html and "already recorded" in html


def test_prior_training_needs_a_description(client, api, console):
    earner_id = api.earner(console[1])
    path = f"/console/earners/{earner_id}"
    response = client.post(
        f"{path}/prior-training", data={"description": " ", "csrf_token": _token(client, path)}
    )
    assert response.status_code == 422
    assert "Describe the verified prior training" in _html(response)
    assert _count(client, PriorTraining) == 0


def test_enrolling_from_the_educator_page_enrols_once(client, api, console):
    _, admin, program_id = console
    earner_id = api.earner(admin)
    path = f"/console/earners/{earner_id}"
    data = {"program_id": str(program_id), "learning_method": "online"}
    for _ in range(2):
        client.post(f"{path}/enrollments", data={**data, "csrf_token": _token(client, path)})
    assert _count(client, Enrollment, Enrollment.earner_id == earner_id) == 1
    assert "already enrolled in this program" in _html(client.get(path))


def test_switching_the_learning_method_on_the_educators_behalf(client, api, console):
    _, admin, program_id = console
    earner_id = api.earner(admin)
    enrollment_id = api.enrol(admin, program_id, earner_id, method="online")
    path = f"/console/earners/{earner_id}"
    client.post(
        f"{path}/enrollments/{enrollment_id}/method",
        data={"learning_method": "face_to_face", "csrf_token": _token(client, path)},
    )
    with _db(client).session() as session:
        assert session.get(Enrollment, enrollment_id).learning_method == "face_to_face"


def test_withdrawing_asks_first_and_a_repost_changes_nothing(client, api, console):
    _, admin, program_id = console
    earner_id = api.earner(admin)
    enrollment_id = api.enrol(admin, program_id, earner_id)
    path = f"/console/earners/{earner_id}/enrollments/{enrollment_id}/withdraw"
    question = client.get(path)
    assert "Withdraw on the educator" in _html(question)
    with _db(client).session() as session:
        assert session.get(Enrollment, enrollment_id).status == "enrolled"
    token = csrf_from(_html(question))
    assert client.post(path, data={"csrf_token": token}).status_code == 303
    again = client.post(path, data={"csrf_token": token})
    assert again.status_code == 303
    with _db(client).session() as session:
        assert session.get(Enrollment, enrollment_id).status == "withdrawn"
    assert "cannot be withdrawn now" in _html(client.get(again.headers["Location"]))


# ---- Awards --------------------------------------------------------------------------------


def test_the_award_page_shows_the_award_with_its_links(client, api, console):
    award, earner_id = _awarded(api, console)
    html = _html(client.get(f"/console/awards/{award['id']}"))
    assert "Formative Assessment" in html and "Ada Teacher" in html and "Active" in html
    assert award["verify_url"] in html and award["certificate_pdf"] in html
    assert f"/console/awards/{award['id']}/revoke" in html


def test_the_award_page_lists_the_copies_in_wallets(client, api, console):
    award, _ = _awarded(api, console)
    assert "has not added this badge to a wallet" in _html(
        client.get(f"/console/awards/{award['id']}")
    )
    offer = api.ok("POST", f"/awards/{award['id']}/wallet-offers", console[1])["offer_url"]
    holder = Holder.did_key_ed25519()
    assert Wallet(client, BASE_URL).claim(offer, holder, "ldp_vc").status_code == 200
    copy = api.ok("GET", f"/awards/{award['id']}", console[1])["wallet_copies"][0]
    html = _html(client.get(f"/console/awards/{award['id']}"))
    table = html.split('id="wallet-copies"')[1].split("</table>")[0]
    assert copy["credential"] in table and "Data Integrity" in table
    assert holder.did[:40] in table


def test_the_awards_list_finds_by_educator_name(client, api, console):
    _awarded(api, console, name="Grace Hopper")
    _awarded(api, console, name="Alan Turing")
    html = _html(client.get("/console/awards?q=hopper"))
    assert "Grace Hopper" in html and "Alan Turing" not in html


def test_revoking_without_a_reason_rerenders_the_form_with_422(client, api, console):
    award, _ = _awarded(api, console)
    path = f"/console/awards/{award['id']}/revoke"
    response = client.post(path, data={"reason": "  ", "csrf_token": _token(client, path)})
    assert response.status_code == 422
    html = _html(response)
    assert "Give the reason for revoking" in html and 'id="revoke-form"' in html
    with _db(client).session() as session:
        assert session.get(Award, award["id"]).status == "active"


def test_revoking_with_a_reason_revokes_once_and_a_repost_is_kind(client, api, console):
    award, _ = _awarded(api, console)
    path = f"/console/awards/{award['id']}/revoke"
    token = _token(client, path)
    first = client.post(
        path, data={"reason": "Evidence was not the educator's own.", "csrf_token": token}
    )
    assert first.status_code == 303
    again = client.post(path, data={"reason": "Again", "csrf_token": token})
    assert again.status_code == 303
    with _db(client).session() as session:
        stored = session.get(Award, award["id"])
        assert stored.status == "revoked"
        assert stored.revocation_reason == "Evidence was not the educator's own."
    html = _html(client.get(again.headers["Location"]))
    assert "already revoked; nothing changed" in html and "Revoked" in html


def test_revoking_without_the_csrf_token_changes_nothing(client, api, console):
    award, _ = _awarded(api, console)
    response = client.post(f"/console/awards/{award['id']}/revoke", data={"reason": "x"})
    assert response.status_code == 400
    with _db(client).session() as session:
        assert session.get(Award, award["id"]).status == "active"


# ---- Imports -------------------------------------------------------------------------------


def _check(client, csv_text: str, filename: str = "roster.csv"):
    return client.post(
        "/console/imports/check",
        data={
            "roster": (io.BytesIO(csv_text.encode()), filename),
            "csrf_token": _token(client, "/console/imports"),
        },
        content_type="multipart/form-data",
    )


def test_the_dry_run_shows_each_row_problem_and_writes_nothing(client, api, console):
    _, _, program_id = console
    csv_text = (
        "email,name,program_id,learning_method\n"
        f"good@school.example.org,Good Row,{program_id},online\n"
        "not-an-email,Bad Email,,\n"
        f"nomethod@school.example.org,No Method,{program_id},\n"
    )
    response = _check(client, csv_text)
    assert response.status_code == 422
    html = _html(response)
    table = html[html.index('id="import-problems"') :]
    assert re.search(r">3</th><td[^>]*>Email</td>", table)
    assert re.search(r">4</th><td[^>]*>Learning method</td>", table)
    assert "nothing was imported" in html
    assert _count(client, Earner) == 0 and _count(client, Enrollment) == 0


def test_a_clean_dry_run_writes_nothing_then_import_writes_each_row(client, api, console):
    _, _, program_id = console
    csv_text = (
        "email,name,license_number,program_id,learning_method\n"
        f"a@school.example.org,Ann A,TN-1,{program_id},online\n"
        "b@school.example.org,Ben B,TN-2,,\n"
    )
    checked = _check(client, csv_text)
    assert checked.status_code == 200
    html = _html(checked)
    assert "has no problems" in html and "Nothing is written yet" in html
    assert _count(client, Earner) == 0
    token = re.search(r'name="roster" value="([^"]+)"', html).group(1)
    imported = client.post(
        "/console/imports/run", data={"roster": token, "csrf_token": csrf_from(html)}
    )
    assert imported.status_code == 200
    assert _count(client, Earner) == 2 and _count(client, Enrollment) == 1
    assert "What each row did" in _html(imported)
    again = client.post(
        "/console/imports/run", data={"roster": token, "csrf_token": csrf_from(html)}
    )
    assert again.status_code == 200 and "Already known" in _html(again)
    assert _count(client, Earner) == 2 and _count(client, Enrollment) == 1


def test_an_import_whose_carried_file_was_altered_is_refused(client, api, console):
    html = _html(_check(client, "email,name\na@school.example.org,Ann A\n"))
    token = re.search(r'name="roster" value="([^"]+)"', html).group(1)
    response = client.post(
        "/console/imports/run", data={"roster": token[:-2] + "xx", "csrf_token": csrf_from(html)}
    )
    assert response.status_code == 400
    assert "upload it again" in _html(response)
    assert _count(client, Earner) == 0


def test_a_file_too_large_to_carry_to_the_import_step_is_named_after_the_check(
    client, console, monkeypatch
):
    monkeypatch.setattr(console_integrations, "MAX_CARRIED", 10)
    response = _check(client, "email,name\na@school.example.org,Ann A\n")
    assert response.status_code == 422
    assert "too large to carry to the import step" in _html(response)
    assert _count(client, Earner) == 0


def test_a_file_with_unknown_columns_is_named(client, console):
    response = _check(client, "email,name,shoe_size\na@school.example.org,Ann,9\n")
    assert response.status_code == 422
    assert "shoe_size" in _html(response)


# ---- Exports -------------------------------------------------------------------------------


def test_the_completions_export_downloads_this_issuers_awards(client, api, console):
    award, _ = _awarded(api, console)
    other_issuer, other_admin = api.issuer("Lakeside District")
    other_program = api.approved_program(other_admin, other_issuer)
    other, _ = api.passed_enrollment(other_admin, other_issuer, other_program)
    other_award = api.complete(other_admin, other)
    response = client.get("/console/exports/completions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.data.decode()
    assert body.startswith("award_id,") and award["id"] in body and other_award["id"] not in body
    data = client.get("/console/exports/completions.json?from=2000-01-01").get_json()
    assert [item["award_id"] for item in data["items"]] == [award["id"]]


def test_an_export_with_a_bad_date_answers_the_form_with_the_problem(client, console):
    response = client.get("/console/exports/completions.csv?from=yesterday")
    assert response.status_code == 422
    assert "YYYY-MM-DD" in _html(response)
    response = client.get("/console/exports/completions.csv?from=2026-02-01&to=2026-01-01")
    assert response.status_code == 422


# ---- Webhooks ------------------------------------------------------------------------------


def _subscribe(client, url: str = "https://hooks.district.example.org/badges", **extra):
    data = {
        "url": url,
        "event_types": ["award.issued", "award.revoked"],
        "csrf_token": _token(client, "/console/webhooks"),
        **extra,
    }
    return client.post("/console/webhooks", data=data)


def test_subscribing_shows_the_secret_once_and_a_repost_does_not_subscribe_twice(client, console):
    first = _subscribe(client)
    assert first.status_code == 201
    secret = re.search(r'<code class="webhook-secret">(whsec_[^<]+)</code>', _html(first)).group(1)
    again = _subscribe(client)
    assert again.status_code == 303
    assert _count(client, WebhookSubscription) == 1
    listing = _html(client.get(again.headers["Location"]))
    assert "it was not added twice" in listing
    assert secret not in listing and "hooks.district.example.org/badges" in listing


def test_subscribing_to_a_private_address_names_the_problem(client, console):
    response = _subscribe(client, url="http://127.0.0.1/hook")
    assert response.status_code == 422
    assert "private, loopback or link-local" in _html(response)
    assert _count(client, WebhookSubscription) == 0


def test_subscribing_needs_an_event(client, console):
    response = _subscribe(client, event_types=[])
    assert response.status_code == 422
    assert "Choose at least one event" in _html(response)


def test_the_delivery_log_shows_each_delivery_of_a_subscription(client, api, console):
    _subscribe(client)
    _awarded(api, console)
    html = _html(client.get("/console/webhooks"))
    assert "Recent deliveries to https://hooks.district.example.org/badges" in html
    assert "An award is issued" in html and "Waiting to be sent" in html


def test_deleting_a_subscription_asks_first(client, console):
    _subscribe(client)
    with _db(client).session() as session:
        subscription_id = session.scalar(select(WebhookSubscription.id))
    path = f"/console/webhooks/{subscription_id}/delete"
    question = client.get(path)
    assert "Stop sending events to" in _html(question)
    assert client.post(path, data={"csrf_token": csrf_from(_html(question))}).status_code == 303
    with _db(client).session() as session:
        assert session.get(WebhookSubscription, subscription_id).deleted_at is not None
    assert "No subscription yet" in _html(client.get("/console/webhooks"))


def test_only_the_most_specific_navigation_link_is_current(client, api, console):
    earner_id = api.earner(console[1])
    html = _html(client.get(f"/console/earners/{earner_id}"))
    assert html.count('aria-current="page"') == 1
    assert re.search(r'href="/console/earners" class="[^"]*usa-current"', html)


def test_searched_words_come_back_as_text_never_markup(client, console):
    for path in ("/console/earners", "/console/awards"):
        html = _html(client.get(path, query_string={"q": '<img src=x onerror="alert(1)">'}))
        assert "<img src=x" not in html and "&lt;img src=x" in html


def _section(html: str, element_id: str) -> str:
    """The dashboard's block with ``element_id`` (one review group), up to the next group."""
    start = html.index(f'id="{element_id}"')
    end = html.find('class="review-group', start)
    return html[start : end if end != -1 else html.index('id="ptsb-heading"')]


def test_awaiting_review_without_a_cycle_is_listed_as_not_in_one_with_a_link_to_open_one(
    client, api, console
):
    issuer_id, admin, program_id = console
    api.submit(admin, api.enrol(admin, program_id, api.earner(admin, name="Walt Waiting")))
    html = _html(client.get("/console"))
    group = _section(html, "review-no-cycle")
    assert "Not in a review cycle yet (1)" in group and "Walt Waiting" in group
    assert 'href="/console/cycles#open-cycle"' in group
    assert 'id="review-cycle-' not in html


def test_awaiting_review_is_grouped_by_the_cycle_reviewing_it_with_its_closing_date_and_link(
    client, api, console
):
    from datetime import UTC, datetime, timedelta

    from issuer.models import ReviewCycle

    issuer_id, admin, program_id = console
    api.reviewers(issuer_id, admin)
    api.submit(admin, api.enrol(admin, program_id, api.earner(admin, name="Walt Waiting")))
    cycle = api.ok("POST", f"/issuers/{issuer_id}/review-cycles", admin, {})
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    # The month went by: the cycle's closing date passed and no new cycle is open yet, so work
    # submitted now is in no cycle while Walt's assigned work stays in his.
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with _db(client).session() as session, session.begin():
        session.get(ReviewCycle, cycle["id"]).closes_on = yesterday
    api.submit(admin, api.enrol(admin, program_id, api.earner(admin, name="Nina New")))

    html = _html(client.get("/console"))
    assert "Awaiting review (2)" in html
    closing = f"{yesterday.day} {yesterday:%B %Y}"
    in_cycle = _section(html, f"review-cycle-{cycle['id']}")
    assert f"Review cycle closing on {closing} (1)" in in_cycle
    assert f'href="/console/cycles/{cycle["id"]}"' in in_cycle
    assert "Walt Waiting" in in_cycle and "Nina New" not in in_cycle
    no_cycle = _section(html, "review-no-cycle")
    assert "Not in a review cycle yet (1)" in no_cycle and "Nina New" in no_cycle
    assert html.index(f"review-cycle-{cycle['id']}") < html.index("review-no-cycle")
