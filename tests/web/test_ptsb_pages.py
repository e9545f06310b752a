"""PTSB's pages (SPEC §8, PTSB): the approval queue and comparison (approve, reject with a
required comment), the license desk (acknowledge once, history, search, CSV export that defuses
formulas), credit hours per educator, and issuers (register one, invite its first admin). Board
staff only; forms CSRF-protected and post/redirect/get."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from issuer.models import Account, AuditEntry, Issuer, MailMessage, Notice
from issuer.web import ptsb_license_desk

from .conftest import csrf_from, set_password, sign_in

BOARD_EMAIL = "board@ptsb.test"  # the PTSB account tests/conftest.py's Api creates
PAGES = [
    "/ptsb/approvals",
    "/ptsb/notices",
    "/ptsb/educators",
    "/ptsb/issuers",
    "/ptsb/notices.csv",
]


def _db(client):
    return client.application.extensions["issuer.services"].db


def _count(client, model, *where) -> int:
    with _db(client).session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def board(client, api):
    """The board's staff member, signed in on ``client``."""
    assert set_password(client, api.password_link(BOARD_EMAIL)).status_code == 302
    assert sign_in(client, BOARD_EMAIL).status_code == 302
    return api


def _token(client, path: str = "/ptsb/issuers") -> str:
    return csrf_from(client.get(path).data.decode())


@pytest.fixture
def changed_program(api, district):
    """An approved program with a submitted version 2 whose description and competencies changed."""
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    api.ok(
        "PATCH",
        f"/programs/{program_id}",
        admin,
        {
            "description": "Uses exit tickets to adjust the next lesson.",
            "competencies": ["Designs checks for understanding", "Acts on the evidence"],
        },
        status=200,
    )
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    return program_id


@pytest.fixture
def new_program(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id, name="Peer Coaching")["id"]
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    return program_id


def _award(api, district, name: str, email: str, **fields) -> str:
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id, name=f"Program of {email}")
    earner_id = api.earner(admin, email=email, name=name, **fields)
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
    return api.complete(admin, enrollment_id)["id"]


@pytest.fixture
def notice(api, district):
    """(notice id, award id): a pending notice for Maria Alvarez, license TN-12345, a coach."""
    award_id = _award(
        api,
        district,
        "Maria Alvarez",
        "maria@school.example.org",
        license_number="TN-12345",
        position="Instructional coach",
    )
    item = api.ok("GET", "/ptsb/notices?status=pending", api.ptsb)["items"][0]
    return item["id"], award_id


def _acknowledge(client, notice_id: int, **fields):
    data = {
        "license_number": "TN-12345",
        "certificate_reference": "PTSB-MC-0042",
        "date": "2026-12-01",
        "csrf_token": _token(client, "/ptsb/notices"),
        **fields,
    }
    return client.post(f"/ptsb/notices/{notice_id}/acknowledge", data=data)


# ---- who may open the pages -------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_a_visitor_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


@pytest.mark.parametrize("path", PAGES)
def test_an_issuer_admin_gets_the_403_page(client, api, district, path):
    issuer_id, _ = district
    email = "admin.two@district.example.org"
    api.ok(
        "POST",
        "/accounts",
        api.ptsb,
        {"role": "issuer_admin", "email": email, "issuer_id": issuer_id},
    )
    assert set_password(client, api.password_link(email)).status_code == 302
    assert sign_in(client, email).status_code == 302
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "for the board" in response.data.decode() and "text/html" in response.content_type


def test_the_navigation_offers_the_boards_pages(client, board):
    html = client.get("/ptsb/approvals").data.decode()
    for label, path in (
        ("Approvals", "/ptsb/approvals"),
        ("License desk", "/ptsb/notices"),
        ("Issuers", "/ptsb/issuers"),
    ):
        assert f'href="{path}"' in html and label in html


def test_a_form_without_its_csrf_token_is_refused(client, board, notice):
    notice_id, _ = notice
    response = client.post(
        f"/ptsb/notices/{notice_id}/acknowledge",
        data={"license_number": "TN-12345", "certificate_reference": "PTSB-1"},
    )
    assert response.status_code == 400
    with _db(client).session() as session:
        assert session.get(Notice, notice_id).status == "pending"


# ---- approvals ---------------------------------------------------------------------------------


def test_the_queue_lists_each_submitted_version_with_issuer_and_version(
    client, board, changed_program, new_program
):
    html = client.get("/ptsb/approvals").data.decode()
    assert f'href="/ptsb/approvals/{changed_program}">Formative Assessment<' in html
    assert f'href="/ptsb/approvals/{new_program}">Peer Coaching<' in html
    assert "Metro School District" in html
    assert "New program" in html and "Change to an approved program" in html


def test_the_comparison_marks_changed_fields_and_shows_both_versions(
    client, board, changed_program
):
    html = client.get(f"/ptsb/approvals/{changed_program}").data.decode()
    assert "Compared with version 1" in html and "2 fields changed" in html
    description = html.split(">Description<", 1)[1].split("</tr>", 1)[0]
    assert "Uses formative assessment" in description and "Uses exit tickets" in description
    assert "Changed" in description
    name = html.split(">Name<", 1)[1].split("</tr>", 1)[0]
    assert "Changed" not in name and "Same" in name
    competencies = html.split(">Competencies<", 1)[1].split("</tr>", 1)[0]
    assert "<li>Acts on the evidence</li>" in competencies and "Changed" in competencies


def test_a_new_program_is_compared_with_nothing(client, board, new_program):
    html = client.get(f"/ptsb/approvals/{new_program}").data.decode()
    assert "New program" in html and "In force" not in html
    assert "Peer Coaching" in html


def test_prerequisites_are_compared_by_name(client, board, api, district):
    issuer_id, admin = district
    first = api.approved_program(admin, issuer_id, name="PL Foundations")
    second = api.program(admin, issuer_id, name="Peer Coaching", prerequisites=[first])["id"]
    api.ok("POST", f"/programs/{second}/submit", admin, status=200)
    html = client.get(f"/ptsb/approvals/{second}").data.decode()
    prerequisites = html.split(">Prerequisites<", 1)[1].split("</tr>", 1)[0]
    assert "PL Foundations" in prerequisites


def test_next_steps_alignments_and_rubric_are_compared_readably(client, board, api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id, next_steps={"online": "Module 1 first."})
    rubric = [
        {"level": n, "label": f"Level {n}", "descriptor": f"What level {n} shows."}
        for n in range(1, 5)
    ]
    changes = {
        "next_steps": {"online": "Open the course with code EXIT-42."},
        "alignments": [{"target_name": "Standard 5", "target_url": "https://std.example.org/5"}],
        "rubric": rubric,
    }
    api.ok("PATCH", f"/programs/{program_id}", admin, changes, status=200)
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    html = client.get(f"/ptsb/approvals/{program_id}").data.decode()

    def row(label: str) -> str:
        return html.split(f">{label}<", 1)[1].split("</tr>", 1)[0]

    assert "Module 1 first." in row("How it works: Online")
    assert "EXIT-42" in row("How it works: Online") and "Changed" in row("How it works: Online")
    assert "Standard 5 (https://std.example.org/5)" in row("Alignments")
    assert "4 Level 4: What level 4 shows." in row("Rubric") and "Changed" in row("Rubric")
    assert "Changed" not in row("How it works: Face to face")


def test_approving_with_a_comment_approves_the_version(client, board, api, changed_program):
    response = client.post(
        f"/ptsb/approvals/{changed_program}/decision",
        data={"decision": "approve", "comment": "Clearer.", "csrf_token": _token(client)},
    )
    assert response.status_code == 303
    program = api.ok("GET", f"/programs/{changed_program}", api.ptsb)
    assert (program["version"], program["status"]) == (2, "approved")
    assert "is approved and published" in client.get(response.headers["Location"]).data.decode()


def test_rejecting_without_a_comment_is_refused_on_the_comment_field(
    client, board, api, changed_program
):
    response = client.post(
        f"/ptsb/approvals/{changed_program}/decision",
        data={"decision": "reject", "comment": "  ", "csrf_token": _token(client)},
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert 'id="comment-error"' in html and "Say why the version is rejected" in html
    assert 'aria-invalid="true"' in html
    assert api.ok("GET", f"/programs/{changed_program}", api.ptsb)["status"] == "submitted"


def test_rejecting_with_a_comment_sends_the_version_back(client, board, api, changed_program):
    response = client.post(
        f"/ptsb/approvals/{changed_program}/decision",
        data={"decision": "reject", "comment": "Name the rubric.", "csrf_token": _token(client)},
    )
    assert response.status_code == 303
    program = api.ok("GET", f"/programs/{changed_program}", api.ptsb)
    assert program["status"] == "rejected"


def test_a_reposted_decision_says_it_was_already_decided(client, board, changed_program):
    data = {"decision": "approve", "comment": "", "csrf_token": _token(client)}
    client.post(f"/ptsb/approvals/{changed_program}/decision", data=data)
    again = client.post(f"/ptsb/approvals/{changed_program}/decision", data=data)
    assert again.status_code == 303
    assert "already decided" in client.get(again.headers["Location"]).data.decode()
    assert (
        _count(client, AuditEntry, AuditEntry.action == "program.approved")
        == 2  # version 1 by the fixture, version 2 once
    )


def test_the_board_cannot_approve_a_program_of_its_own(client, board, api):
    with _db(client).session() as session:
        board_issuer = session.scalar(select(Issuer.id).where(Issuer.is_board.is_(True)))
    if board_issuer is None:  # the board's issuer row is made on first start
        pytest.fail("the board has no issuer row")
    admin = api.account("issuer_admin", board_issuer)
    program_id = api.program(admin, board_issuer, name="Board Program")["id"]
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    response = client.post(
        f"/ptsb/approvals/{program_id}/decision",
        data={"decision": "approve", "comment": "", "csrf_token": _token(client)},
    )
    assert response.status_code == 403
    assert api.ok("GET", f"/programs/{program_id}", api.ptsb)["status"] == "submitted"


# ---- the license desk ---------------------------------------------------------------------------


def test_the_desk_shows_a_pending_notice_with_what_the_board_records(client, board, notice):
    notice_id, award_id = notice
    html = client.get("/ptsb/notices").data.decode()
    for text in (
        "Maria Alvarez",
        "TN-12345",
        "Instructional coach",
        "Program of maria@school.example.org",
        "Metro School District",
        "0.5",
        f"/ob2/assertions/{award_id}",
    ):
        assert text in html, text
    assert f'id="license_number-{notice_id}" name="license_number"' in html
    assert 'value="TN-12345"' in html  # prefilled from the educator's record


def test_acknowledging_records_the_license_and_moves_it_to_history(client, board, notice):
    notice_id, _ = notice
    response = _acknowledge(client, notice_id)
    assert response.status_code == 303
    with _db(client).session() as session:
        row = session.get(Notice, notice_id)
        assert (row.status, row.certificate_reference, row.acknowledged_on.isoformat()) == (
            "acknowledged",
            "PTSB-MC-0042",
            "2026-12-01",
        )
    history = client.get("/ptsb/notices?status=acknowledged").data.decode()
    assert "PTSB-MC-0042" in history and "2026-12-01" in history
    assert "No pending notice" in client.get("/ptsb/notices").data.decode()


def test_acknowledging_twice_is_refused_kindly_and_stored_once(client, board, notice):
    notice_id, _ = notice
    _acknowledge(client, notice_id)
    again = _acknowledge(client, notice_id, certificate_reference="PTSB-OTHER")
    assert again.status_code == 303
    assert "already acknowledged" in client.get(again.headers["Location"]).data.decode()
    with _db(client).session() as session:
        assert session.get(Notice, notice_id).certificate_reference == "PTSB-MC-0042"
    assert _count(client, AuditEntry, AuditEntry.action == "notice.acknowledged") == 1


def test_the_certificate_reference_is_required(client, board, notice):
    notice_id, _ = notice
    response = _acknowledge(client, notice_id, certificate_reference="")
    assert response.status_code == 422
    assert f'id="certificate_reference-{notice_id}-error"' in response.data.decode()
    with _db(client).session() as session:
        assert session.get(Notice, notice_id).status == "pending"


def test_the_desk_finds_notices_by_license_number(client, board, api, district, notice):
    _award(api, district, "Sam Lee", "sam@school.example.org", license_number="TN-777")
    html = client.get("/ptsb/notices?q=tn-77").data.decode()
    assert "Sam Lee" in html and "Maria Alvarez" not in html


def test_the_desk_pages_its_notices(client, board, api, district, monkeypatch):
    monkeypatch.setattr(ptsb_license_desk, "PER_PAGE", 2)
    for n in range(3):
        _award(api, district, f"Educator {n}", f"e{n}@school.example.org")
    first = client.get("/ptsb/notices").data.decode()
    second = client.get("/ptsb/notices?offset=2").data.decode()
    assert "Educator 0" in first and "Educator 2" not in first
    assert 'aria-label="Pages of notices"' in first and 'href="/ptsb/notices?offset=2"' in first
    assert "Educator 2" in second and "Educator 0" not in second


def test_an_unknown_list_is_refused_in_words(client, board):
    response = client.get("/ptsb/notices?status=lost")
    assert response.status_code == 400
    assert "Choose Pending or History" in response.data.decode()


def test_the_csv_export_defuses_a_name_starting_with_a_formula(client, board, api, district):
    _award(api, district, '=HYPERLINK("http://evil")', "evil@school.example.org")
    response = client.get("/ptsb/notices.csv?status=pending")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode())))
    assert rows[0][:3] == ["notice_id", "status", "educator"]
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'


def test_the_csv_export_keeps_the_search(client, board, api, district, notice):
    _award(api, district, "Sam Lee", "sam@school.example.org")
    rows = list(csv.reader(io.StringIO(client.get("/ptsb/notices.csv?q=Sam").data.decode())))
    assert [row[2] for row in rows[1:]] == ["Sam Lee"]


def test_educators_show_credit_hours_recorded_and_pending(client, board, api, district, notice):
    notice_id, _ = notice
    _acknowledge(client, notice_id)
    issuer_id, admin = district
    second = api.approved_program(admin, issuer_id, name="Second", credit_hours=1.5)
    [earner] = api.ok("GET", "/earners?q=TN-12345", api.ptsb)["items"]
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, second, earner_id=earner["id"])
    api.complete(admin, enrollment_id)
    html = client.get("/ptsb/educators?q=alvarez").data.decode()
    row = html.split('data-label="Educator"', 1)[1].split("</tr>", 1)[0]
    assert "Maria Alvarez" in row
    cells = dict(re.findall(r'data-label="([^"]+)">([^<]*)</td>', row))
    assert cells == {
        "License number": "TN-12345",
        "Awards": "2",
        "Credit hours recorded": "0.5",
        "Credit hours pending": "1.5",
    }


# ---- issuers -----------------------------------------------------------------------------------


def _register(client, **fields):
    data = {
        "name": "Lakeside Academy",
        "url": "https://lakeside.example.org",
        "email": "pd@lakeside.example.org",
        "description": "A charter network.",
        "admin_email": "Head@Lakeside.example.org",
        "csrf_token": _token(client),
        **fields,
    }
    return client.post("/ptsb/issuers", data=data)


def test_registering_an_issuer_invites_its_first_admin_by_email(client, board):
    response = _register(client)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).data.decode()
    assert "Lakeside Academy is registered" in page and "head@lakeside.example.org" in page
    assert "#token=" not in page  # the password link goes to the admin alone
    with _db(client).session() as session:
        issuer = session.scalar(select(Issuer).where(Issuer.name == "Lakeside Academy"))
        admin = session.scalar(select(Account).where(Account.email == "head@lakeside.example.org"))
        assert (admin.role, admin.issuer_id, admin.password_hash) == (
            "issuer_admin",
            issuer.id,
            None,
        )
        mail = session.scalar(
            select(MailMessage).where(MailMessage.to_address == "head@lakeside.example.org")
        )
        assert mail.kind == "invitation" and "/account/password" in mail.text_body


def test_an_issuer_form_with_problems_names_each_field(client, board):
    response = _register(client, name="", url="lakeside", admin_email="nobody")
    assert response.status_code == 422
    html = response.data.decode()
    for field in ("name", "url", "admin_email"):
        assert f'id="{field}-error"' in html
    assert _count(client, Issuer, Issuer.name == "") == 0


def test_a_reposted_issuer_form_does_not_register_it_twice(client, board):
    _register(client)
    again = _register(client)
    assert again.status_code == 409
    assert "If you just sent this form" in again.data.decode()
    assert _count(client, Issuer, Issuer.name == "Lakeside Academy") == 1
