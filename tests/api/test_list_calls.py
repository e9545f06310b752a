"""The list calls of SPEC §8 (issue 12): ``GET /api/v1/earners?q``, ``/enrollments``,
``/submissions`` and the richer ``/ptsb/notices``: cut to what the caller may read, filtered,
paginated as ``{items, total}``; an unknown filter value answers 422 naming it."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def two_districts(api) -> dict[str, Any]:
    metro, metro_admin = api.issuer("Metro School District")
    valley, valley_admin = api.issuer("Valley Schools")
    metro_program = api.approved_program(metro_admin, metro)
    valley_program = api.approved_program(valley_admin, valley, name="Valley Literacy")
    ada = api.earner(
        metro_admin, email="ada@school.example.org", name="Ada Lovelace", license_number="LIC-7"
    )
    bob = api.earner(valley_admin, email="bob@school.example.org", name="Bob Brown")
    ada_enrollment = api.enrol(metro_admin, metro_program, ada)
    bob_enrollment = api.enrol(valley_admin, valley_program, bob)
    return {
        "metro": metro,
        "metro_admin": metro_admin,
        "valley": valley,
        "valley_admin": valley_admin,
        "metro_program": metro_program,
        "valley_program": valley_program,
        "ada": ada,
        "bob": bob,
        "ada_enrollment": ada_enrollment,
        "bob_enrollment": bob_enrollment,
    }


def ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


# --- earners ------------------------------------------------------------------------------------


def test_ptsb_finds_an_educator_by_license_number(api, two_districts):
    body = api.ok("GET", "/earners?q=lic-7", api.ptsb)
    assert (ids(body), body["total"]) == ([two_districts["ada"]], 1)


def test_ptsb_finds_an_educator_by_part_of_the_email(api, two_districts):
    assert ids(api.ok("GET", "/earners?q=BOB@", api.ptsb)) == [two_districts["bob"]]


def test_an_issuer_admin_sees_only_their_issuers_educators(api, two_districts):
    body = api.ok("GET", "/earners", two_districts["valley_admin"])
    assert (ids(body), body["total"]) == ([two_districts["bob"]], 1)


def test_an_issuer_admin_does_not_find_another_issuers_educator_by_name(api, two_districts):
    body = api.ok("GET", "/earners?q=Ada", two_districts["valley_admin"])
    assert (body["items"], body["total"]) == ([], 0)


def test_a_reviewer_may_not_list_earners(api, two_districts):
    reviewer = api.account("reviewer", two_districts["metro"])
    response = api.call("GET", "/earners", reviewer)
    assert (response.status_code, response.get_json()["error"]) == (403, "wrong_role")


def test_the_earner_list_is_paginated(api, two_districts):
    body = api.ok("GET", "/earners?limit=1&offset=1", api.ptsb)
    assert (ids(body), body["total"]) == ([two_districts["bob"]], 2)


# --- enrollments --------------------------------------------------------------------------------


def test_ptsb_lists_every_enrollment(api, two_districts):
    body = api.ok("GET", "/enrollments", api.ptsb)
    expected = [two_districts["ada_enrollment"], two_districts["bob_enrollment"]]
    assert (ids(body), body["total"]) == (expected, 2)


def test_an_issuer_admin_lists_their_issuers_enrollments_only(api, two_districts):
    body = api.ok("GET", "/enrollments", two_districts["metro_admin"])
    assert ids(body) == [two_districts["ada_enrollment"]]


def test_a_reviewer_lists_their_issuers_enrollments(api, two_districts):
    reviewer = api.account("reviewer", two_districts["valley"])
    assert ids(api.ok("GET", "/enrollments", reviewer)) == [two_districts["bob_enrollment"]]


def test_an_earner_lists_their_own_enrollments(api, two_districts):
    ada = api.account("earner", email="ada@school.example.org")
    assert ids(api.ok("GET", "/enrollments", ada)) == [two_districts["ada_enrollment"]]


def test_an_earner_filtering_by_another_earner_gets_nothing(api, two_districts):
    ada = api.account("earner", email="ada@school.example.org")
    body = api.ok("GET", f"/enrollments?earner_id={two_districts['bob']}", ada)
    assert (body["items"], body["total"]) == ([], 0)


def test_enrollments_filter_by_status_program_earner_and_issuer(api, two_districts):
    d = two_districts
    for query in (
        f"?program_id={d['valley_program']}",
        f"?earner_id={d['bob']}",
        f"?issuer_id={d['valley']}",
        f"?status=enrolled&issuer_id={d['valley']}",
    ):
        assert ids(api.ok("GET", f"/enrollments{query}", api.ptsb)) == [d["bob_enrollment"]], query
    assert api.ok("GET", "/enrollments?status=passed", api.ptsb)["total"] == 0


# --- submissions --------------------------------------------------------------------------------


def test_submissions_show_how_far_they_are_reviewed(api, two_districts):
    d = two_districts
    first = api.submit(d["metro_admin"], d["ada_enrollment"])
    api.score(api.reviewers(d["metro"], d["metro_admin"]), first, [1, 2, 2])
    second = api.submit(d["metro_admin"], d["ada_enrollment"])
    body = api.ok("GET", "/submissions", d["metro_admin"])
    assert [(s["id"], s["status"], s["score"]) for s in body["items"]] == [
        (first, "needs_revision", 2),
        (second, "awaiting_review", None),
    ]
    waiting = api.ok("GET", "/submissions?status=awaiting_review", d["metro_admin"])
    assert (ids(waiting), waiting["total"]) == ([second], 1)


def test_another_issuers_submissions_are_not_listed(api, two_districts):
    d = two_districts
    api.submit(d["metro_admin"], d["ada_enrollment"])
    body = api.ok("GET", "/submissions", d["valley_admin"])
    assert (body["items"], body["total"]) == ([], 0)


def test_cycle_id_answers_422_until_review_cycles_exist(api, two_districts):
    response = api.call("GET", "/submissions?cycle_id=1", api.ptsb)
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_fields")
    assert "cycle_id" in response.get_json()["message"]


# --- unknown filter values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/enrollments?status=finished", "status"),
        ("/enrollments?program_id=one", "program_id"),
        ("/enrollments?earner_id=-3", "earner_id"),
        ("/enrollments?issuer_id=0", "issuer_id"),
        ("/submissions?status=graded", "status"),
        ("/earners?limit=500", "limit"),
        ("/earners?offset=x", "offset"),
        ("/ptsb/notices?status=lost", "status"),
        ("/ptsb/notices?limit=0", "limit"),
    ],
)
def test_an_unknown_filter_value_answers_422_naming_it(api, two_districts, path, field):
    response = api.call("GET", path, api.ptsb)
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_fields")
    assert field in response.get_json()["message"]


# --- PTSB notices -------------------------------------------------------------------------------


def test_a_notice_names_the_educator_program_and_issuer(api, two_districts):
    d = two_districts
    submission_id = api.submit(d["metro_admin"], d["ada_enrollment"])
    api.score(api.reviewers(d["metro"], d["metro_admin"]), submission_id, [3, 3, 4])
    api.complete(d["metro_admin"], d["ada_enrollment"])
    (item,) = api.ok("GET", "/ptsb/notices", api.ptsb)["items"]
    assert item["earner"] == {"id": d["ada"], "name": "Ada Lovelace", "license_number": "LIC-7"}
    assert item["program"] == {
        "id": d["metro_program"],
        "name": "Formative Assessment",
        "version": 1,
    }
    assert item["issuer"] == {"id": d["metro"], "name": "Metro School District"}


def test_notices_are_paginated_with_the_total(api, two_districts):
    d = two_districts
    for email in ("c1@school.example.org", "c2@school.example.org"):
        earner = api.earner(d["metro_admin"], email=email)
        enrollment_id, _ = api.passed_enrollment(
            d["metro_admin"], d["metro"], d["metro_program"], earner_id=earner
        )
        api.complete(d["metro_admin"], enrollment_id)
    body = api.ok("GET", "/ptsb/notices?limit=1&offset=1", api.ptsb)
    assert (len(body["items"]), body["total"]) == (1, 2)
