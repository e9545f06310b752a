"""SPEC §8 list calls for programs: ``GET /api/v1/programs?status&issuer_id&limit&offset`` answers
``{"items", "total"}``, honours its filters and refuses unknown values; and errors that name
programs by name, not by id (issue 10)."""

from __future__ import annotations

import pytest

from tests.conftest import Api


@pytest.fixture
def catalog(api: Api, district: tuple[int, str]) -> dict[str, int]:
    """One program in each status: approved, draft, submitted."""
    issuer_id, admin = district
    approved = api.approved_program(admin, issuer_id, name="Approved one")
    draft = api.program(admin, issuer_id, name="Draft one")["id"]
    submitted = api.program(admin, issuer_id, name="Submitted one")["id"]
    api.ok("POST", f"/programs/{submitted}/submit", admin, status=200)
    return {"approved": approved, "draft": draft, "submitted": submitted}


@pytest.mark.parametrize("status", ["approved", "draft", "submitted"])
def test_status_filter_lists_only_programs_in_that_status(api, catalog, status):
    listed = api.ok("GET", f"/programs?status={status}", api.ptsb)
    assert [p["id"] for p in listed["items"]] == [catalog[status]]
    assert [p["status"] for p in listed["items"]] == [status]
    assert listed["total"] == 1


def test_status_with_no_match_lists_nothing(api, catalog):
    assert api.ok("GET", "/programs?status=retired", api.ptsb) == {"items": [], "total": 0}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("issuer_id=x", "issuer_id"),
    ],
)
def test_unknown_or_out_of_range_values_answer_422_naming_the_parameter(api, catalog, query, field):
    refused = api.call("GET", f"/programs?{query}", api.ptsb)
    body = refused.get_json()
    assert (refused.status_code, body["error"]) == (422, "invalid_fields"), body
    assert set(body["fields"]) == {field}


def test_limit_and_offset_page_through_with_the_total(api, catalog):
    first = api.ok("GET", "/programs?limit=2", api.ptsb)
    rest = api.ok("GET", "/programs?limit=2&offset=2", api.ptsb)
    assert (first["total"], rest["total"]) == (3, 3)
    ids = [p["id"] for p in first["items"] + rest["items"]]
    assert ids == sorted(catalog.values())


def test_issuer_filter_and_status_filter_combine(api, catalog, district):
    other_id, other_admin = api.issuer("Other District")
    api.approved_program(other_admin, other_id, name="Elsewhere")
    listed = api.ok("GET", f"/programs?status=approved&issuer_id={district[0]}", api.ptsb)
    assert [p["id"] for p in listed["items"]] == [catalog["approved"]]


def test_missing_prerequisite_is_named_by_its_name(api, district):
    issuer_id, admin = district
    foundations = api.approved_program(admin, issuer_id, name="PL Foundations")
    advanced = api.approved_program(admin, issuer_id, name="Coaching", prerequisites=[foundations])
    body = {"earner_id": api.earner(admin), "learning_method": "online"}
    refused = api.call("POST", f"/programs/{advanced}/enrollments", admin, body).get_json()
    assert refused["error"] == "prerequisites_missing"
    assert refused["message"] == 'Earn "PL Foundations" first.'


def test_program_without_approved_version_is_named_by_its_name(api, district):
    issuer_id, admin = district
    draft = api.program(admin, issuer_id, name="Not Yet Approved")["id"]
    body = {"earner_id": api.earner(admin), "learning_method": "online"}
    refused = api.call("POST", f"/programs/{draft}/enrollments", admin, body).get_json()
    assert refused["error"] == "program_not_approved"
    assert '"Not Yet Approved"' in refused["message"] and str(draft) not in refused["message"]
