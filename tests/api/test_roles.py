"""SPEC §1 and §5 permissions as one table: role x endpoint -> status. Nobody acts outside their
role or their own issuer; a refused request changes no row."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from issuer.db import Base
from tests.conftest import Api
from tests.worlds import Seeded, world_fixtures

EARNER1_RECORD_EMAIL = "Grace.Hopper@School.Example.org"
EARNER1_ACCOUNT_EMAIL = "grace.hopper@SCHOOL.example.ORG"


def row_counts(app: Flask) -> dict[str, int]:
    session = app.extensions["issuer.services"].db.session()
    try:
        return {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }
    finally:
        session.close()


@dataclass
class Scenario:
    """Issuers A and B; in A: programs in every state and earners at every stage."""

    api: Api
    app: Flask
    tokens: dict[str, str]
    ids: dict[str, Any]

    def call(self, who: str, method: str, template: str, body: Any = None, **kw: Any) -> Any:
        return self.api.call(method, template.format(**self.ids), self.tokens[who], body, **kw)


def _earner_account(api: Api, admin: str, email: str) -> str:
    return api.account("earner", token=admin, email=email)


World = tuple[dict[str, str], dict[str, Any]]


def build_world(api: Api) -> World:
    """The scenario's tokens and ids; built once per worker, each test gets a copy."""
    a, admin_a = api.issuer("Issuer A")
    b, admin_b = api.issuer("Issuer B")
    reviewers_a = api.reviewers(a, admin_a)
    reviewer_b = api.account("reviewer", b, token=admin_b)
    program = api.approved_program(admin_a, a)
    second = api.approved_program(admin_a, a, name="Questioning Strategies")
    draft = api.program(admin_a, a, name="Draft program")["id"]
    submitted = api.program(admin_a, a, name="Submitted program")["id"]
    api.ok("POST", f"/programs/{submitted}/submit", admin_a, status=200)

    # earner 1: record and account emails differ in case; completed, with an award and notice
    earner1 = api.earner(admin_a, email=EARNER1_RECORD_EMAIL)
    earner1_token = _earner_account(api, admin_a, EARNER1_ACCOUNT_EMAIL)
    completed = api.enrol(admin_a, program, earner1)
    api.score(reviewers_a, api.submit(admin_a, completed), [3, 3, 4])
    award = api.complete(admin_a, completed)["id"]
    notice = api.ok("GET", "/ptsb/notices", api.ptsb)["items"][0]["id"]

    # earner 2: enrolled in one program, submitted (not yet reviewed) in another
    email2 = "alan@school.example.org"
    earner2 = api.earner(admin_a, email=email2)
    earner2_token = _earner_account(api, admin_a, email2.upper())
    enrolled = api.enrol(admin_a, program, earner2)
    under_review = api.enrol(admin_a, second, earner2)
    submission = api.submit(admin_a, under_review)

    # earner 3 (no account): passed, waiting for completion
    passed, earner3 = api.passed_enrollment(admin_a, a, program)
    return (
        {
            "ptsb": api.ptsb,
            "admin_a": admin_a,
            "admin_b": admin_b,
            "reviewer_a": reviewers_a[0],
            "reviewer_b": reviewer_b,
            "earner1": earner1_token,
            "earner2": earner2_token,
        },
        {
            "a": a,
            "b": b,
            "program": program,
            "second": second,
            "draft": draft,
            "submitted": submitted,
            "earner1": earner1,
            "earner2": earner2,
            "earner3": earner3,
            "completed": completed,
            "enrolled": enrolled,
            "under_review": under_review,
            "submission": submission,
            "passed": passed,
            "award": award,
            "notice": notice,
        },
    )


seeded_world, settings, api = world_fixtures(build_world)


@pytest.fixture
def scenario(api: Api, app: Flask, seeded_world: Seeded[World]) -> Scenario:
    tokens, ids = copy.deepcopy(seeded_world.value)
    return Scenario(api=api, app=app, tokens=tokens, ids=ids)


ISSUER = {"name": "New District", "url": "https://new.example.org", "email": "pd@new.example.org"}
PROGRAM = {
    "name": "Classroom Discourse",
    "description": "Leads structured academic conversations.",
    "criteria": "Submit a recorded discussion and a reflection.",
    "competencies": ["Facilitates discussion"],
    "estimated_hours": 6,
    "learning_methods": ["online"],
}


def rows(
    method: str, path: str, body: Any, expected: dict[str, int], label: str = "", **kw: Any
) -> list[Any]:
    return [
        pytest.param(who, method, path, body, status, kw, id=f"{method} {path}{label} as {who}")
        for who, status in expected.items()
    ]


ADMIN_ONLY_A = {"admin_a": 0, "admin_b": 403, "reviewer_a": 403, "earner1": 403, "ptsb": 403}


def _with(success: int, table: dict[str, int], key: str = "admin_a") -> dict[str, int]:
    return {**table, key: success}


PERMISSIONS = [
    # issuers: only PTSB registers them; an admin edits their own profile
    *rows(
        "POST",
        "/issuers",
        ISSUER,
        {"ptsb": 201, "admin_a": 403, "reviewer_a": 403, "earner1": 403},
    ),
    *rows(
        "PATCH",
        "/issuers/{a}",
        {"description": "Updated"},
        {"admin_a": 200, "admin_b": 403, "reviewer_a": 403, "earner1": 403},
    ),
    *rows(
        "POST",
        "/issuers/{a}/keys/rotate",
        None,
        {"admin_a": 201, "admin_b": 403, "reviewer_a": 403, "earner1": 403},
    ),
    # programs: the issuer's admins create, edit and submit; PTSB approves and rejects
    *rows("POST", "/programs", {"issuer_id": "{a}", **PROGRAM}, _with(201, ADMIN_ONLY_A)),
    *rows("PATCH", "/programs/{draft}", {"name": "Renamed"}, _with(200, ADMIN_ONLY_A)),
    *rows("PATCH", "/programs/{program}", {"name": "Version two"}, _with(200, ADMIN_ONLY_A)),
    *rows("POST", "/programs/{draft}/submit", None, _with(200, ADMIN_ONLY_A)),
    *rows(
        "POST",
        "/programs/{submitted}/approve",
        {"comment": "ok"},
        {"ptsb": 200, "admin_a": 403, "admin_b": 403, "reviewer_a": 403, "earner1": 403},
    ),
    *rows(
        "POST",
        "/programs/{submitted}/reject",
        {"comment": "no"},
        {"ptsb": 200, "admin_a": 403, "admin_b": 403, "reviewer_a": 403, "earner1": 403},
    ),
    *rows(
        "GET",
        "/programs/{draft}",
        None,
        {"admin_a": 200, "reviewer_a": 200, "ptsb": 200, "admin_b": 404, "earner1": 404},
    ),
    *rows(
        "POST",
        "/stacks",
        {"issuer_id": "{a}", "name": "Stack", "description": "Both.", "programs": ["{program}"]},
        _with(201, ADMIN_ONLY_A),
    ),
    # earners
    *rows(
        "POST",
        "/earners",
        {"name": "Katherine", "email": "katherine@school.example.org"},
        {"admin_a": 201, "admin_b": 201, "ptsb": 201, "reviewer_a": 403, "earner1": 403},
    ),
    *rows(
        "POST",
        "/earners/{earner3}/prior-training",
        {"description": "CDD training, 2024"},
        {"admin_a": 201, "reviewer_a": 403, "earner1": 403, "ptsb": 403},
    ),
    # enrollments
    *rows(
        "POST",
        "/programs/{second}/enrollments",
        {"earner_id": "{earner3}", "learning_method": "online"},
        {**_with(201, ADMIN_ONLY_A), "earner1": 403},
    ),
    *rows(
        "POST",
        "/programs/{second}/enrollments",
        {"learning_method": "online"},
        {"earner1": 201, "earner2": 409},
        label=" (self)",
    ),
    *rows(
        "GET",
        "/enrollments/{completed}",
        None,
        {
            "earner1": 200,
            "earner2": 403,
            "admin_a": 200,
            "admin_b": 403,
            "reviewer_a": 200,
            "reviewer_b": 403,
            "ptsb": 200,
        },
    ),
    *rows(
        "PATCH",
        "/enrollments/{enrolled}",
        {"learning_method": "face_to_face"},
        {"earner2": 200, "earner1": 403, "admin_a": 200, "admin_b": 403, "reviewer_a": 403},
    ),
    *rows(
        "POST",
        "/enrollments/{enrolled}/withdraw",
        None,
        {"earner2": 200, "earner1": 403, "admin_a": 200, "admin_b": 403, "reviewer_a": 403},
    ),
    *rows(
        "POST",
        "/enrollments/{enrolled}/submissions",
        {"narrative": "My own work."},
        {
            "earner2": 201,
            "earner1": 403,
            "admin_a": 201,
            "admin_b": 403,
            "reviewer_a": 403,
            "ptsb": 403,
        },
    ),
    # reviews: reviewers of the program's issuer only
    *rows(
        "POST",
        "/submissions/{submission}/reviews",
        {"score": 3, "feedback": "Good."},
        {
            "reviewer_a": 201,
            "reviewer_b": 403,
            "admin_a": 403,
            "earner2": 403,
            "ptsb": 403,
        },
    ),
    *rows(
        "GET",
        "/submissions/{submission}",
        None,
        {"reviewer_a": 200, "reviewer_b": 403, "earner2": 200, "earner1": 403, "admin_b": 403},
    ),
    # completion, awards, revocation
    *rows(
        "POST",
        "/enrollments/{passed}/complete",
        None,
        {**_with(201, ADMIN_ONLY_A), "earner1": 403},
        headers={"Idempotency-Key": "role-table"},
    ),
    *rows(
        "GET",
        "/awards/{award}",
        None,
        {
            "earner1": 200,
            "earner2": 403,
            "admin_a": 200,
            "admin_b": 403,
            "reviewer_a": 403,
            "ptsb": 200,
        },
    ),
    *rows(
        "POST", "/awards/{award}/revoke", {"reason": "Issued in error"}, _with(200, ADMIN_ONLY_A)
    ),
    *rows(
        "GET",
        "/earners/{earner1}/awards",
        None,
        {
            "earner1": 200,
            "earner2": 403,
            "admin_a": 200,
            "admin_b": 403,
            "reviewer_a": 403,
            "ptsb": 200,
        },
    ),
    *rows(
        "GET",
        "/earners/{earner1}",
        None,
        {
            "earner1": 200,
            "earner2": 403,
            "reviewer_a": 403,
            "admin_a": 200,
            "admin_b": 403,
            "ptsb": 200,
        },
    ),
    # PTSB's inbox and the audit log
    *rows(
        "GET",
        "/ptsb/notices",
        None,
        {"ptsb": 200, "admin_a": 403, "reviewer_a": 403, "earner1": 403},
    ),
    *rows(
        "POST",
        "/ptsb/notices/{notice}/acknowledge",
        {"license_number": "TN-1", "certificate_reference": "C-1"},
        {"ptsb": 200, "admin_a": 403, "reviewer_a": 403, "earner1": 403},
    ),
    *rows("GET", "/audit", None, {"ptsb": 200, "admin_a": 403, "reviewer_a": 403, "earner1": 403}),
]


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    """Put scenario ids into a body template ("{a}" -> 3)."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


@pytest.mark.parametrize(("who", "method", "path", "body", "status", "kw"), PERMISSIONS)
def test_role_may_or_may_not_call_endpoint(scenario, who, method, path, body, status, kw):
    before = row_counts(scenario.app)
    response = scenario.call(who, method, path, _fill(body, scenario.ids), **kw)
    answer = response.get_json()
    assert response.status_code == status, (response.status_code, answer)
    if status >= 400:
        assert isinstance(answer["error"], str) and answer["message"], answer
        assert row_counts(scenario.app) == before, "a refused request changed the database"


def test_earner_account_links_to_the_record_whatever_the_case(scenario):
    portfolio = scenario.call("earner1", "GET", "/earners/{earner1}/awards").get_json()
    assert [a["id"] for a in portfolio["awards"]] == [scenario.ids["award"]]
    me = scenario.call("earner1", "GET", "/me").get_json()
    assert me["email"].lower() == EARNER1_RECORD_EMAIL.lower()


def test_earner_self_enrolment_uses_their_own_record(scenario):
    created = scenario.call(
        "earner1", "POST", "/programs/{second}/enrollments", {"learning_method": "online"}
    )
    assert created.status_code == 201, created.get_json()
    enrollment = scenario.call(
        "admin_a", "GET", f"/enrollments/{created.get_json()['id']}"
    ).get_json()
    assert enrollment["earner_id"] == scenario.ids["earner1"]


def test_earner_account_without_an_earner_record_cannot_enrol(scenario):
    token = _earner_account(scenario.api, scenario.tokens["admin_a"], "nobody@school.example.org")
    scenario.tokens["nobody"] = token
    before = row_counts(scenario.app)
    response = scenario.call(
        "nobody", "POST", "/programs/{second}/enrollments", {"learning_method": "online"}
    )
    assert response.status_code == 404, response.get_json()
    assert row_counts(scenario.app) == before


def test_board_cannot_approve_its_own_program(scenario):
    api = scenario.api
    issuers = api.ok("GET", "/issuers", api.ptsb)["items"]
    board = next(i["id"] for i in issuers if i["is_board"])
    board_admin = api.account("issuer_admin", board)
    program = api.program(board_admin, board)["id"]
    api.ok("POST", f"/programs/{program}/submit", board_admin, status=200)
    response = api.call("POST", f"/programs/{program}/approve", api.ptsb, {"comment": "self"})
    assert response.status_code == 403, response.get_json()
    assert api.ok("GET", f"/programs/{program}", api.ptsb)["status"] == "submitted"


def test_reviewer_of_another_issuer_leaves_the_submission_unreviewed(scenario):
    body = {"score": 4, "feedback": "Looks fine to me."}
    refused = scenario.call("reviewer_b", "POST", "/submissions/{submission}/reviews", body)
    assert refused.status_code == 403
    enrollment = scenario.call("admin_a", "GET", "/enrollments/{under_review}").get_json()
    assert enrollment["status"] == "submitted"
    assert enrollment["submissions"][-1]["reviews"] == 0


def test_drafts_of_another_issuer_are_not_listed(scenario):
    listed = scenario.call("admin_b", "GET", "/programs").get_json()["items"]
    ids = {p["id"] for p in listed}
    assert scenario.ids["program"] in ids  # approved programs are public knowledge
    assert not ids & {scenario.ids["draft"], scenario.ids["submitted"]}


@pytest.mark.parametrize("program", ["program", "draft"])
def test_issuer_admin_cannot_stack_another_issuers_programs(scenario, program):
    body = {"issuer_id": scenario.ids["b"], "name": "Borrowed", "description": "A's work."}
    body["programs"] = [scenario.ids[program]]
    before = row_counts(scenario.app)
    response = scenario.call("admin_b", "POST", "/stacks", body)
    assert response.status_code in (403, 422), response.get_json()
    assert row_counts(scenario.app) == before
