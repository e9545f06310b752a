"""Completion exports (issue 6) for PD and license systems: CSV and JSON, filtered by date and
issuer, scoped by role, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from issuer.domain.actors import SYSTEM
from issuer.workflow.awards import exports
from tests.conftest import Api

COLUMNS = [
    "award_id",
    "kind",
    "issuer_id",
    "earner_name",
    "email",
    "license_number",
    "program_id",
    "program_name",
    "program_version",
    "stack_id",
    "credit_hours",
    "awarded_on",
    "expires_on",
    "status",
    "assertion_url",
    "credential_url",
]


@pytest.fixture
def program(api: Api, district: tuple[int, str]) -> int:
    issuer_id, admin = district
    return api.approved_program(admin, issuer_id, name="Formative Assessment")


@pytest.fixture
def award(api: Api, district: tuple[int, str], program: int) -> Callable[..., dict[str, Any]]:
    """Issue one award in the district's program to a new earner (fields: name, license...)."""
    issuer_id, admin = district

    def issue(program_id: int = program, **earner: Any) -> dict[str, Any]:
        earner_id = api.earner(admin, **earner)
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
        return api.complete(admin, enrollment_id)

    return issue


def set_clock(app: Flask, at: datetime) -> None:
    app.extensions["issuer.services"].clock = lambda: at


def export(api: Api, token: str | None, query: str = "") -> Any:
    return api.call("GET", f"/exports/completions{query}", token)


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def json_items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["items"]  # type: ignore[no-any-return]


# --- content ---------------------------------------------------------------------------------


def test_csv_export_has_a_header_and_one_row_per_award(api, district, program, award):
    issuer_id, admin = district
    issued = award(name="Ada Teacher", email="ada@district.example.org", license_number="TN-1")
    response = export(api, admin)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True)
    assert text.splitlines()[0].split(",") == COLUMNS
    assert text.endswith("\r\n")
    (row,) = csv_rows(response)
    assert row == {
        "award_id": issued["id"],
        "kind": "program",
        "issuer_id": str(issuer_id),
        "earner_name": "Ada Teacher",
        "email": "ada@district.example.org",
        "license_number": "TN-1",
        "program_id": str(program),
        "program_name": "Formative Assessment",
        "program_version": "1",
        "stack_id": "",
        "credit_hours": "0.5",
        "awarded_on": issued["issued_on"],
        "expires_on": "",
        "status": "active",
        "assertion_url": issued["ob2"]["assertion"],
        "credential_url": issued["ob3"]["credential"],
    }


def test_json_export_carries_the_same_fields_typed(api, district, award):
    _, admin = district
    issued = award(license_number="TN-2")
    (item,) = json_items(export(api, admin, "?format=json"))
    assert list(item) == COLUMNS
    assert (item["award_id"], item["credit_hours"], item["program_version"]) == (
        issued["id"],
        0.5,
        1,
    )
    assert (item["license_number"], item["stack_id"], item["status"]) == ("TN-2", None, "active")


def test_awards_are_exported_oldest_first(api, app, district, award):
    _, admin = district
    set_clock(app, datetime(2026, 3, 2, 9, tzinfo=UTC))
    later = award()
    set_clock(app, datetime(2026, 3, 1, 9, tzinfo=UTC))
    earlier = award()
    assert [i["award_id"] for i in json_items(export(api, admin, "?format=json"))] == [
        earlier["id"],
        later["id"],
    ]


def test_revoked_award_is_exported_as_revoked(api, district, award):
    _, admin = district
    issued = award()
    api.ok("POST", f"/awards/{issued['id']}/revoke", admin, {"reason": "Error"}, status=200)
    assert [row["status"] for row in csv_rows(export(api, admin))] == ["revoked"]


def test_award_past_its_validity_is_exported_as_expired(api, app, district, award):
    issuer_id, admin = district
    short = api.approved_program(admin, issuer_id, name="Short", validity_days=30)
    issued = award(program_id=short)
    set_clock(app, datetime.now(UTC) + timedelta(days=31))
    (row,) = csv_rows(export(api, admin))
    assert (row["status"], row["expires_on"]) == ("expired", issued["expires_at"][:10])


def test_stack_credential_is_exported_with_its_kind(api, district, program, award):
    issuer_id, admin = district
    stack = api.ok(
        "POST",
        "/stacks",
        admin,
        {"issuer_id": issuer_id, "name": "Leader", "description": "D", "programs": [program]},
    )
    award()
    rows = {row["kind"]: row for row in csv_rows(export(api, admin))}
    assert set(rows) == {"program", "stack"}
    stack_row = rows["stack"]
    assert (stack_row["stack_id"], stack_row["program_name"]) == (str(stack["id"]), "Leader")
    assert (stack_row["program_id"], stack_row["program_version"]) == ("", "")


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def three_days(app: Flask, award: Callable[..., dict[str, Any]]) -> dict[date, str]:
    """Awards issued late on 31 January, on 1 February and on 28 February 2026 (UTC)."""
    issued = {}
    for at in (
        datetime(2026, 1, 31, 23, 59, tzinfo=UTC),
        datetime(2026, 2, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 2, 28, 23, 59, tzinfo=UTC),
    ):
        set_clock(app, at)
        issued[at.date()] = award()["id"]
    return issued


@pytest.mark.parametrize(
    ("query", "days"),
    [
        ("?from=2026-02-01&to=2026-02-28", [date(2026, 2, 1), date(2026, 2, 28)]),
        ("?from=2026-02-01", [date(2026, 2, 1), date(2026, 2, 28)]),
        ("?to=2026-02-01", [date(2026, 1, 31), date(2026, 2, 1)]),
        ("?from=2026-02-28&to=2026-02-28", [date(2026, 2, 28)]),
        ("?from=2026-03-01", []),
    ],
)
def test_date_filters_are_whole_days_inclusive(api, district, three_days, query, days):
    _, admin = district
    exported = [row["award_id"] for row in csv_rows(export(api, admin, query))]
    assert exported == [three_days[day] for day in days]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=2026-13-01", "from"),
        ("?to=yesterday", "to"),
        ("?from=20260101", "from"),
        ("?from=2026-03-01&to=2026-02-01", "from"),
        ("?format=xml", "format"),
        ("?issuer_id=abc", "issuer_id"),
        ("?issuer_id=99999999999", "issuer_id"),
    ],
)
def test_bad_query_parameter_answers_422_naming_it(api, district, query, field):
    _, admin = district
    response = export(api, admin, query)
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {field}


# --- who sees what ---------------------------------------------------------------------------


@pytest.fixture
def two_issuers(api: Api, district: tuple[int, str], award: Callable[..., dict[str, Any]]) -> Any:
    """An award of the district and one of another issuer; returns both issuers and awards."""
    issuer_id, admin = district
    other_issuer, other_admin = api.issuer("Other District")
    other_program = api.approved_program(other_admin, other_issuer)
    earner_id = api.earner(other_admin)
    enrollment_id, _ = api.passed_enrollment(
        other_admin, other_issuer, other_program, earner_id=earner_id
    )
    other_award = api.complete(other_admin, enrollment_id)["id"]
    return {
        "own": (issuer_id, admin, award()["id"]),
        "other": (other_issuer, other_admin, other_award),
    }


def test_issuer_admin_exports_only_their_own_issuer(api, two_issuers):
    issuer_id, admin, own_award = two_issuers["own"]
    assert [row["award_id"] for row in csv_rows(export(api, admin))] == [own_award]
    same = csv_rows(export(api, admin, f"?issuer_id={issuer_id}"))
    assert [row["award_id"] for row in same] == [own_award]


def test_issuer_admin_asking_for_another_issuer_answers_403(api, two_issuers):
    _, admin, _ = two_issuers["own"]
    other_issuer, _, _ = two_issuers["other"]
    response = export(api, admin, f"?issuer_id={other_issuer}")
    assert (response.status_code, response.get_json()["error"]) == (403, "other_issuer")


def test_ptsb_exports_every_issuer_or_one(api, two_issuers):
    _, _, own_award = two_issuers["own"]
    other_issuer, _, other_award = two_issuers["other"]
    everything = {row["award_id"] for row in csv_rows(export(api, api.ptsb))}
    assert everything == {own_award, other_award}
    one = csv_rows(export(api, api.ptsb, f"?issuer_id={other_issuer}"))
    assert [row["award_id"] for row in one] == [other_award]


def test_ptsb_filter_on_an_unknown_issuer_answers_404(api):
    assert export(api, api.ptsb, "?issuer_id=999999").status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "earner"])
def test_reviewers_and_earners_may_not_export(api, district, award, role):
    issuer_id, admin = district
    award()
    token = api.account(role, issuer_id if role == "reviewer" else None, token=admin)
    response = export(api, token)
    assert (response.status_code, response.get_json()["error"]) == (403, "wrong_role")


def test_export_without_a_token_answers_401(api):
    assert export(api, None).status_code == 401


# --- spreadsheet safety ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ['=HYPERLINK("https://evil.example","x")', "+1", "-1", "@SUM(A1)"])
def test_cells_that_start_like_a_formula_are_defused(api, district, award, name):
    _, admin = district
    award(name=name)
    (row,) = csv_rows(export(api, admin))
    assert row["earner_name"] == "'" + name
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


def test_commas_quotes_and_line_breaks_survive_a_round_trip(api, district, award):
    _, admin = district
    name = 'Lovelace, Ada "Countess"\nof Lovelace'
    award(name=name)
    (row,) = csv_rows(export(api, admin))
    assert row["earner_name"] == name


# --- streaming -------------------------------------------------------------------------------


def test_batches_neither_skip_nor_repeat_awards_issued_at_the_same_instant(app, district, award):
    issuer_id, _ = district
    set_clock(app, datetime(2026, 4, 1, 12, tzinfo=UTC))
    issued = sorted(award()["id"] for _ in range(3))
    services = app.extensions["issuer.services"]
    with services.db.session() as session:
        ctx = services.context(session, SYSTEM)
        scope = exports.completion_filter(ctx, issuer_id)
        for batch in (1, 2, 3):
            ids = [r.award_id for r in exports.completion_records(ctx, scope, batch=batch)]
            assert ids == issued, batch
