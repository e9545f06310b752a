"""Bulk import (issue 6): a PD system's roster as CSV or JSON rows; every bad row reported with its
line, field and reason; all or nothing in one transaction; dry runs; idempotent re-runs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from issuer.config import SCHEMAS_DIR
from issuer.domain.roster import MAX_ROWS
from issuer.models import AuditEntry, Earner, Enrollment
from tests.conftest import Api

HEADER = "email,name,license_number,position,program_id,learning_method"


@pytest.fixture
def program(api: Api, district: tuple[int, str]) -> int:
    issuer_id, admin = district
    return api.approved_program(admin, issuer_id, learning_methods=["online", "face_to_face"])


def csv_file(*lines: str) -> str:
    return "\r\n".join([HEADER, *lines]) + "\r\n"


def roster(program_id: int, count: int) -> list[str]:
    return [
        f"teacher{n}@district.example.org,Teacher {n},TN-{n},Teacher,{program_id},online"
        for n in range(count)
    ]


def post_csv(api: Api, issuer_id: int, token: str, text: str | bytes, query: str = "") -> Any:
    return api.call(
        "POST",
        f"/issuers/{issuer_id}/imports{query}",
        token,
        data=text.encode() if isinstance(text, str) else text,
        content_type="text/csv",
    )


def counts(app: Flask) -> dict[str, int]:
    session = app.extensions["issuer.services"].db.session()
    try:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Earner, Enrollment, AuditEntry)
        }
    finally:
        session.close()


def stored_rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """What the database holds: earners (email, name, license) and enrolments (email, program,
    method, status), read apart from the API."""
    session = app.extensions["issuer.services"].db.session()
    try:
        earners = session.execute(
            select(Earner.email, Earner.name, Earner.license_number).order_by(Earner.email)
        )
        enrollments = session.execute(
            select(
                Earner.email, Enrollment.program_id, Enrollment.learning_method, Enrollment.status
            )
            .join(Earner, Enrollment.earner_id == Earner.id)
            .order_by(Earner.email)
        )
        return {
            "earners": [tuple(row) for row in earners],
            "enrollments": [tuple(row) for row in enrollments],
        }
    finally:
        session.close()


def problems_at(body: dict[str, Any], key: str = "line") -> list[tuple[int, str]]:
    return [(p[key], p["field"]) for p in body["problems"]]


# --- importing -------------------------------------------------------------------------------


def test_csv_rows_create_earners_and_enrollments(api, district, program):
    issuer_id, admin = district
    text = csv_file(
        f"ada@district.example.org,Ada Teacher,TN-1,Coach,{program},online",
        "grace@district.example.org,Grace Teacher,,,,",
    )
    response = post_csv(api, issuer_id, admin, text)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["earners"] == {"created": 2, "existing": 0}
    assert body["enrollments"] == {"created": 1, "existing": 0}
    first, second = body["results"]
    assert (first["line"], first["earner"], first["enrollment"]) == (2, "created", "created")
    assert (second["line"], second["enrollment_id"], second["enrollment"]) == (3, None, None)
    enrollment = api.ok("GET", f"/enrollments/{first['enrollment_id']}", admin)
    assert (enrollment["program_id"], enrollment["status"]) == (program, "enrolled")
    earner = api.ok("GET", f"/earners/{first['earner_id']}", admin)
    assert (earner["license_number"], earner["position"]) == ("TN-1", "Coach")


def test_json_rows_import_like_csv_rows(api, district, program):
    issuer_id, admin = district
    ada = {"email": "ada@district.example.org", "name": "Ada", "program_id": program}
    rows = [
        {**ada, "learning_method": "online"},
        {"email": "grace@district.example.org", "name": "Grace", "license_number": None},
    ]
    body = api.ok("POST", f"/issuers/{issuer_id}/imports", admin, rows, status=200)
    assert [r["index"] for r in body["results"]] == [0, 1]
    assert body["enrollments"]["created"] == 1 and body["earners"]["created"] == 2


def test_known_email_in_other_case_is_the_same_earner(api, district, program):
    issuer_id, admin = district
    earner_id = api.earner(admin, email="ada@district.example.org")
    text = csv_file(f"  ADA@District.Example.org ,Ada Teacher,,,{program},online")
    body = post_csv(api, issuer_id, admin, text).get_json()
    assert body["results"][0]["earner_id"] == earner_id
    assert body["earners"] == {"created": 0, "existing": 1}


def test_known_earner_keeps_their_record_when_a_row_has_a_license_number(api, district):
    issuer_id, admin = district
    earner_id = api.earner(admin, email="ada@district.example.org")
    body = post_csv(api, issuer_id, admin, csv_file("ada@district.example.org,Ada,TN-9,,,"))
    assert body.get_json()["earners"] == {"created": 0, "existing": 1}
    record = api.ok("GET", f"/earners/{earner_id}", api.ptsb)
    assert (record["name"], record["license_number"]) == ("Ada Teacher", None)


def test_rerunning_a_file_imports_nothing_new(api, app, district, program):
    issuer_id, admin = district
    text = csv_file(*roster(program, 5))
    first = post_csv(api, issuer_id, admin, text).get_json()
    before = counts(app)
    again = post_csv(api, issuer_id, admin, text)
    assert again.status_code == 200
    body = again.get_json()
    assert body["earners"] == {"created": 0, "existing": 5}
    assert body["enrollments"] == {"created": 0, "existing": 5}
    assert [r["enrollment_id"] for r in body["results"]] == [
        r["enrollment_id"] for r in first["results"]
    ]
    assert {k: v for k, v in counts(app).items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }


def test_withdrawn_enrollment_is_enrolled_again(api, district, program):
    issuer_id, admin = district
    earner_id = api.earner(admin, email="ada@district.example.org")
    enrollment_id = api.enrol(admin, program, earner_id)
    api.ok("POST", f"/enrollments/{enrollment_id}/withdraw", admin, status=200)
    body = post_csv(
        api, issuer_id, admin, csv_file(f"ada@district.example.org,Ada,,,{program},online")
    )
    result = body.get_json()["results"][0]
    assert result["enrollment"] == "created" and result["enrollment_id"] != enrollment_id


def test_import_is_recorded_in_the_audit_log(api, district, program):
    issuer_id, admin = district
    post_csv(api, issuer_id, admin, csv_file(*roster(program, 2)))
    entries = api.ok("GET", "/audit", api.ptsb)["items"]
    imported = next(e for e in entries if e["action"] == "roster.imported")
    assert imported["subject_id"] == str(issuer_id)
    assert imported["detail"] == {"rows": 2, "earners_created": 2, "enrollments_created": 2}


# --- every problem, nothing imported ---------------------------------------------------------


def test_bad_rows_are_all_reported_and_nothing_is_imported(api, app, district, program):
    issuer_id, admin = district
    lines = roster(program, 6)
    lines[1] = f"not-an-email,Teacher,TN-1,,{program},online"
    lines[4] = f"t4@district.example.org,Teacher 4,,,{program},by_carrier_pigeon"
    before = counts(app)
    response = post_csv(api, issuer_id, admin, csv_file(*lines))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "rows_rejected"
    assert problems_at(body) == [(3, "email"), (6, "learning_method")]
    assert all(p["reason"] and p["error"] for p in body["problems"])
    assert counts(app) == before


def test_row_problems_name_the_enrolment_rule_broken(api, app, district, program):
    issuer_id, admin = district
    other_issuer, other_admin = api.issuer("Other District")
    foreign = api.approved_program(other_admin, other_issuer)
    draft = api.program(admin, issuer_id, name="Draft")["id"]
    advanced = api.approved_program(admin, issuer_id, name="Advanced", prerequisites=[program])
    text = csv_file(
        f"a@district.example.org,A,,,{foreign},online",
        f"b@district.example.org,B,,,{draft},online",
        f"c@district.example.org,C,,,{advanced},online",
        f"d@district.example.org,D,,,{program},own_path",
        f"e@district.example.org,E,,,{program},prior_training",
        "f@district.example.org,F,,,99999,online",
        f"g@district.example.org,G,,,{program},",
    )
    body = post_csv(api, issuer_id, admin, text).get_json()
    found = {(p["line"], p["field"], p["error"]) for p in body["problems"]}
    assert found == {
        (2, "program_id", "program_not_found"),
        (3, "program_id", "program_not_approved"),
        (4, "program_id", "prerequisites_missing"),
        (5, "learning_method", "invalid_fields"),
        (6, "learning_method", "prior_training_missing"),
        (7, "program_id", "program_not_found"),
        (8, "learning_method", "invalid_fields"),
    }


def test_same_email_twice_in_a_file_is_one_earner(api, district, program):
    issuer_id, admin = district
    second = api.approved_program(admin, issuer_id, name="Second")
    text = csv_file(
        f"ada@district.example.org,Ada,,,{program},online",
        f"ada@district.example.org,Ada,,,{second},online",
    )
    body = post_csv(api, issuer_id, admin, text).get_json()
    assert body["earners"] == {"created": 1, "existing": 1}
    assert body["enrollments"]["created"] == 2


def test_json_row_problems_carry_the_item_index(api, district, program):
    issuer_id, admin = district
    rows = [
        {"email": "ada@district.example.org", "name": "Ada"},
        {"email": "grace@district.example.org", "name": "Grace", "colour": "blue"},
        {"email": "x@district.example.org"},
        "not an object",
    ]
    response = api.call("POST", f"/issuers/{issuer_id}/imports", admin, rows)
    assert response.status_code == 422
    assert problems_at(response.get_json(), "index") == [(1, "colour"), (2, "name"), (3, "(row)")]


def test_control_character_in_a_cell_is_a_row_problem(api, district):
    issuer_id, admin = district
    body = post_csv(api, issuer_id, admin, csv_file("ada@district.example.org,Ada\x07,,,,"))
    assert body.status_code == 422
    assert problems_at(body.get_json()) == [(2, "name")]


def test_line_numbers_count_physical_lines_of_the_file(api, district):
    issuer_id, admin = district
    text = (
        f"{HEADER}\n"
        "\n"  # line 2: blank, skipped
        'ada@district.example.org,"Ada\nTeacher",,,,\n'  # lines 3-4: a quoted line break
        "not-an-email,Grace,,,,\n"  # line 5
    )
    body = post_csv(api, issuer_id, admin, text).get_json()
    assert problems_at(body) == [(5, "email")]


def test_row_with_the_wrong_number_of_cells_is_a_row_problem(api, district):
    issuer_id, admin = district
    body = post_csv(api, issuer_id, admin, csv_file("ada@district.example.org,Ada,,,,,extra"))
    assert [(p["line"], p["field"], p["error"]) for p in body.get_json()["problems"]] == [
        (2, "(row)", "csv_cells")
    ]


# --- dry run ---------------------------------------------------------------------------------


def test_dry_run_reports_what_would_be_imported_and_writes_nothing(api, app, district, program):
    issuer_id, admin = district
    before = counts(app)
    response = post_csv(api, issuer_id, admin, csv_file(*roster(program, 3)), "?dry_run=true")
    assert response.status_code == 200
    body = response.get_json()
    assert body["dry_run"] is True
    assert body["earners"]["created"] == 3 and body["enrollments"]["created"] == 3
    assert {r["earner_id"] for r in body["results"]} == {None}
    assert counts(app) == before


def test_dry_run_with_a_bad_row_answers_422_with_the_problem(api, app, district, program):
    issuer_id, admin = district
    lines = [*roster(program, 2), "bad,Bad,,,,"]
    before = counts(app)
    response = post_csv(api, issuer_id, admin, csv_file(*lines), "?dry_run=1")
    assert response.status_code == 422
    assert problems_at(response.get_json()) == [(4, "email")]
    assert counts(app) == before


def test_dry_run_flag_must_be_a_boolean(api, district):
    issuer_id, admin = district
    response = post_csv(api, issuer_id, admin, csv_file(), "?dry_run=maybe")
    assert (response.status_code, set(response.get_json()["fields"])) == (422, {"dry_run"})


# --- who may import --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["reviewer", "other_admin", "ptsb", "earner"])
def test_only_the_issuers_own_admins_may_import(api, app, district, program, who):
    issuer_id, admin = district
    other_issuer, other_admin = api.issuer("Other District")
    token = {
        "reviewer": lambda: api.account("reviewer", issuer_id, token=admin),
        "other_admin": lambda: other_admin,
        "ptsb": lambda: api.ptsb,
        "earner": lambda: api.account("earner", token=admin),
    }[who]()
    before = counts(app)
    response = post_csv(api, issuer_id, token, csv_file(*roster(program, 2)))
    assert response.status_code == 403, response.get_json()
    assert counts(app) == before


def test_import_without_a_token_answers_401(api, district):
    issuer_id, _ = district
    assert post_csv(api, issuer_id, None, csv_file()).status_code == 401


# --- malformed files -------------------------------------------------------------------------


def test_csv_that_is_not_utf8_answers_400(api, app, district):
    issuer_id, admin = district
    data = (HEADER + "\r\nj\xf6rg@district.example.org,J\xf6rg,,,,\r\n").encode("latin-1")
    response = post_csv(api, issuer_id, admin, data)
    assert (response.status_code, response.get_json()["error"]) == (400, "malformed_csv")
    assert "line 2" in response.get_json()["message"]


def test_utf8_with_byte_order_mark_is_accepted(api, app, district, program):
    issuer_id, admin = district
    row = f"jörg@district.example.org,Jörg,TN-7,,{program},online"
    data = "\ufeff".encode() + csv_file(row).encode()
    response = post_csv(api, issuer_id, admin, data)
    assert response.status_code == 200, response.get_json()
    assert stored_rows(app) == {
        "earners": [("jörg@district.example.org", "Jörg", "TN-7")],
        "enrollments": [("jörg@district.example.org", program, "online", "enrolled")],
    }


def test_missing_required_column_answers_422_naming_it(api, district):
    issuer_id, admin = district
    response = post_csv(api, issuer_id, admin, "name,program_id\r\nAda,1\r\n")
    body = response.get_json()
    assert (response.status_code, body["error"]) == (422, "csv_header")
    assert set(body["fields"]) == {"email"}


def test_unknown_column_answers_422_naming_it(api, district):
    issuer_id, admin = district
    response = post_csv(api, issuer_id, admin, "email,name,licence\r\na@b.org,A,1\r\n")
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"licence"}


def test_header_names_ignore_case_and_spaces(api, app, district, program):
    issuer_id, admin = district
    text = (
        " Email , NAME ,License_Number, PROGRAM_ID ,Learning_Method\r\n"
        f"ada@district.example.org,Ada,TN-3,{program},face_to_face\r\n"
    )
    response = post_csv(api, issuer_id, admin, text)
    assert response.status_code == 200, response.get_json()
    assert stored_rows(app) == {
        "earners": [("ada@district.example.org", "Ada", "TN-3")],
        "enrollments": [("ada@district.example.org", program, "face_to_face", "enrolled")],
    }


def test_unterminated_quote_answers_400(api, district):
    issuer_id, admin = district
    response = post_csv(api, issuer_id, admin, csv_file('ada@district.example.org,"Ada,,,,'))
    assert (response.status_code, response.get_json()["error"]) == (400, "malformed_csv")


@pytest.mark.parametrize("text", ["", HEADER + "\r\n", "\r\n\r\n"])
def test_file_without_rows_answers_422(api, district, text):
    issuer_id, admin = district
    response = post_csv(api, issuer_id, admin, text)
    assert response.status_code == 422


def test_csv_in_another_charset_answers_415(api, district):
    issuer_id, admin = district
    response = api.call(
        "POST",
        f"/issuers/{issuer_id}/imports",
        admin,
        data=csv_file().encode(),
        content_type="text/csv; charset=iso-8859-1",
    )
    assert response.status_code == 415


def test_other_media_type_answers_415(api, district):
    issuer_id, admin = district
    response = api.call(
        "POST", f"/issuers/{issuer_id}/imports", admin, data=csv_file(), content_type="text/plain"
    )
    assert (response.status_code, response.get_json()["error"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize("raw", ['{"email": "a@b.org", "name": "A"}', "null", '"rows"', "42"])
def test_json_body_that_is_not_an_array_answers_422(api, district, raw):
    issuer_id, admin = district
    response = api.call(
        "POST", f"/issuers/{issuer_id}/imports", admin, data=raw, content_type="application/json"
    )
    assert (response.status_code, set(response.get_json()["fields"])) == (422, {"(body)"})


def test_more_rows_than_the_limit_answers_413(api, app, district):
    issuer_id, admin = district
    lines = [f"t{n}@district.example.org,T{n},,,," for n in range(MAX_ROWS + 1)]
    before = counts(app)
    response = post_csv(api, issuer_id, admin, csv_file(*lines))
    assert (response.status_code, response.get_json()["error"]) == (413, "too_many_rows")
    assert counts(app) == before


def test_more_json_rows_than_the_limit_answer_413(api, district):
    issuer_id, admin = district
    rows = [{"email": f"t{n}@d.org", "name": "T"} for n in range(MAX_ROWS + 1)]
    response = api.call("POST", f"/issuers/{issuer_id}/imports", admin, rows)
    assert (response.status_code, response.get_json()["error"]) == (413, "too_many_rows")


def test_row_schema_documents_the_row_limit():
    schema = json.loads((SCHEMAS_DIR / "api" / "roster_import.json").read_text())
    assert schema["maxItems"] == MAX_ROWS


def test_csv_over_10_mib_answers_413(api, district):
    issuer_id, admin = district
    data = csv_file().encode() + b"x" * (10 * 1024 * 1024)
    response = post_csv(api, issuer_id, admin, data)
    assert (response.status_code, response.get_json()["error"]) == (413, "payload_too_large")


def test_json_rows_over_1_mib_answer_413(api, district):
    issuer_id, admin = district
    raw = json.dumps([{"email": "a@b.org", "name": "x" * (1024 * 1024)}])
    response = api.call(
        "POST", f"/issuers/{issuer_id}/imports", admin, data=raw, content_type="application/json"
    )
    assert response.status_code == 413


def test_openapi_documents_csv_and_json_bodies(client):
    document = client.get("/api/openapi.json").get_json()
    operation = document["paths"]["/api/v1/issuers/{issuer_id}/imports"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "text/csv"}
    assert "dry_run" in {p["name"] for p in operation["parameters"]}


# --- the done-when: 1,000 rows ------------------------------------------------------


def commits_during(app: Flask, action: Any) -> tuple[Any, int]:
    """Run ``action`` and count the database commits it made."""
    engine = app.extensions["issuer.services"].db.engine
    commits: list[object] = []

    def on_commit(connection: object) -> None:
        commits.append(connection)

    event.listen(engine, "commit", on_commit)
    try:
        return action(), len(commits)
    finally:
        event.remove(engine, "commit", on_commit)


@pytest.fixture
def thousand(program: int) -> list[str]:
    return roster(program, 1000)


@pytest.mark.slow
def test_thousand_rows_with_three_bad_ones_report_exactly_those_and_import_nothing(
    api, app, district, program, thousand
):
    issuer_id, admin = district
    lines = list(thousand)
    lines[9] = f"teacher9-at-district.example.org,Teacher 9,,,{program},online"  # line 11
    lines[499] = f"teacher499@district.example.org,Teacher 499,,,{program},carrier_pigeon"
    lines[998] = "teacher998@district.example.org,,TN-998,,,"  # line 1000: no name
    before = counts(app)
    response = post_csv(api, issuer_id, admin, csv_file(*lines))
    assert response.status_code == 422
    body = response.get_json()
    assert problems_at(body) == [(11, "email"), (501, "learning_method"), (1000, "name")]
    assert all(p["reason"] for p in body["problems"])
    assert body["message"].startswith("3 of 1000 rows")
    assert counts(app) == before


@pytest.mark.slow
def test_thousand_valid_rows_import_in_one_transaction(api, app, district, thousand):
    issuer_id, admin = district
    before = counts(app)
    response, commits = commits_during(
        app, lambda: post_csv(api, issuer_id, admin, csv_file(*thousand))
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["earners"]["created"] == 1000 and body["enrollments"]["created"] == 1000
    assert commits == 1
    after = counts(app)
    assert after["earners"] - before["earners"] == 1000
    assert after["enrollments"] - before["enrollments"] == 1000


@pytest.mark.slow
def test_rerunning_the_thousand_rows_imports_nothing_new(api, app, district, thousand):
    issuer_id, admin = district
    text = csv_file(*thousand)
    assert post_csv(api, issuer_id, admin, text).status_code == 200
    before = counts(app)
    body = post_csv(api, issuer_id, admin, text).get_json()
    assert body["earners"] == {"created": 0, "existing": 1000}
    assert body["enrollments"] == {"created": 0, "existing": 1000}
    after = counts(app)
    assert (after["earners"], after["enrollments"]) == (before["earners"], before["enrollments"])
