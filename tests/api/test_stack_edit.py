"""PATCH /api/v1/stacks/{id}: a stack changes (and its badge documents are published again) until
its first credential is issued; then it answers 409 ``stack_awarded``."""

from __future__ import annotations


def _stack(api, admin, issuer_id, programs, **fields):
    body = {"issuer_id": issuer_id, "name": "Assessment", "description": "D", "programs": programs}
    return api.ok("POST", "/stacks", admin, {**body, **fields})


def test_a_stack_is_edited_and_its_badge_class_published_again(api, client, district):
    issuer_id, admin = district
    first = api.approved_program(admin, issuer_id)
    second = api.approved_program(admin, issuer_id, name="Questioning")
    stack = _stack(api, admin, issuer_id, [first])
    body = api.ok(
        "PATCH",
        f"/stacks/{stack['id']}",
        admin,
        {"name": "Assessment Leader", "programs": [second, first], "required": 1},
        status=200,
    )
    assert body["name"] == "Assessment Leader"
    assert body["programs"] == [second, first] and body["required"] == 1
    badge = client.get(
        body["badge"]["ob2"].replace("https://badges.test", ""),
        headers={"Accept": "application/ld+json"},
    ).get_json(force=True)
    assert badge["name"] == "Assessment Leader"


def test_required_beyond_the_programs_is_422_naming_it(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    stack = _stack(api, admin, issuer_id, [program_id])
    response = api.call("PATCH", f"/stacks/{stack['id']}", admin, {"required": 2})
    assert response.status_code == 422 and "required" in response.get_json()["fields"]


def test_an_earned_stack_no_longer_changes(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    stack = _stack(api, admin, issuer_id, [program_id])
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    api.complete(admin, enrollment_id)  # earns the one-program stack too
    response = api.call("PATCH", f"/stacks/{stack['id']}", admin, {"name": "Renamed"})
    assert response.status_code == 409 and response.get_json()["error"] == "stack_awarded"
    assert api.ok("GET", f"/stacks/{stack['id']}", admin, status=200)["name"] == "Assessment"


def test_an_empty_edit_is_422(api, district):
    issuer_id, admin = district
    stack = _stack(api, admin, issuer_id, [api.approved_program(admin, issuer_id)])
    response = api.call("PATCH", f"/stacks/{stack['id']}", admin, {})
    assert response.status_code == 422
