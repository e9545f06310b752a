"""``GET /api/v1/ptsb/notices`` as a list call (SPEC §8): each item names its educator, program
and issuer beside every field it had; ``limit``/``offset`` pages with the total; ``status`` and
``q`` (name or license number) filter; an unknown status answers 422."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def desk(api, district) -> dict[str, Any]:
    """Three awards from one district: Ada (LIC-7), Bob (LIC-900) and Cy (no license)."""
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    people = {}
    for name, email, license_number in (
        ("Ada Lovelace", "ada@school.example.org", "LIC-7"),
        ("Bob Brown", "bob@school.example.org", "LIC-900"),
        ("Cy Young", "cy@school.example.org", None),
    ):
        extra = {"license_number": license_number} if license_number else {}
        earner_id = api.earner(admin, email=email, name=name, **extra)
        enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id, earner_id=earner_id)
        people[name] = (earner_id, api.complete(admin, enrollment_id)["id"])
    return {"issuer_id": issuer_id, "program_id": program_id, "people": people}


def names(body: dict[str, Any]) -> list[str]:
    return [item["earner"]["name"] for item in body["items"]]


def test_each_notice_keeps_its_fields_and_names_earner_program_and_issuer(api, desk):
    item = api.ok("GET", "/ptsb/notices", api.ptsb)["items"][0]
    earner_id, award_id = desk["people"]["Ada Lovelace"]
    assert {
        "id",
        "award_id",
        "earner_id",
        "program_id",
        "credit_hours",
        "status",
        "created_at",
    } <= (item.keys())
    assert (item["award_id"], item["earner_id"], item["status"]) == (award_id, earner_id, "pending")
    assert item["earner"] == {"id": earner_id, "name": "Ada Lovelace", "license_number": "LIC-7"}
    assert item["program"] == {
        "id": desk["program_id"],
        "name": "Formative Assessment",
        "version": 1,
    }
    assert item["issuer"] == {"id": desk["issuer_id"], "name": "Metro School District"}


def test_limit_and_offset_page_the_notices_oldest_first_with_the_total(api, desk):
    body = api.ok("GET", "/ptsb/notices?limit=2&offset=1", api.ptsb)
    assert (names(body), body["total"]) == (["Bob Brown", "Cy Young"], 3)


def test_q_finds_notices_by_part_of_the_educators_name_in_any_case(api, desk):
    body = api.ok("GET", "/ptsb/notices?q=lovel", api.ptsb)
    assert (names(body), body["total"]) == (["Ada Lovelace"], 1)


def test_q_finds_notices_by_license_number(api, desk):
    body = api.ok("GET", "/ptsb/notices?q=lic-9", api.ptsb)
    assert (names(body), body["total"]) == (["Bob Brown"], 1)


def test_status_filters_acknowledged_from_pending_notices(api, desk):
    first = api.ok("GET", "/ptsb/notices?q=Bob", api.ptsb)["items"][0]["id"]
    api.ok(
        "POST",
        f"/ptsb/notices/{first}/acknowledge",
        api.ptsb,
        {"license_number": "LIC-900", "certificate_reference": "PTSB-1"},
        status=200,
    )
    done = api.ok("GET", "/ptsb/notices?status=acknowledged", api.ptsb)
    waiting = api.ok("GET", "/ptsb/notices?status=pending", api.ptsb)
    assert (names(done), done["total"]) == (["Bob Brown"], 1)
    assert done["items"][0]["certificate_reference"] == "PTSB-1"
    assert (names(waiting), waiting["total"]) == (["Ada Lovelace", "Cy Young"], 2)


def test_status_and_q_combine(api, desk):
    body = api.ok("GET", "/ptsb/notices?status=acknowledged&q=Ada", api.ptsb)
    assert (body["items"], body["total"]) == ([], 0)


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=lost", "status"), ("limit=201", "limit"), ("offset=-1", "offset"), ("q=%00", "q")],
)
def test_a_wrong_filter_value_answers_422_naming_it(api, desk, query, field):
    response = api.call("GET", f"/ptsb/notices?{query}", api.ptsb)
    assert response.status_code == 422
    assert field in response.get_json()["message"]


def test_an_issuer_admin_may_not_list_notices(api, district, desk):
    response = api.call("GET", "/ptsb/notices?q=Ada", district[1])
    assert (response.status_code, response.get_json()["error"]) == (403, "wrong_role")
