"""Programs and versions (SPEC §2, §5): draft -> submitted -> approved | rejected; edits make versions."""

from __future__ import annotations


def test_new_program_is_version_one_draft(api, district):
    issuer_id, admin = district
    created = api.program(admin, issuer_id)
    assert (created["version"], created["status"]) == (1, "draft")
    assert created["credit_hours"] == 0.5


def test_patch_edits_draft_in_place(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    edited = api.ok("PATCH", f"/programs/{program_id}", admin, {"name": "Renamed"})
    assert (edited["version"], edited["name"], len(edited["versions"])) == (1, "Renamed", 1)


def test_ptsb_approves_submitted_program(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    assert (
        api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)["status"] == "submitted"
    )
    approved = api.ok(
        "POST", f"/programs/{program_id}/approve", api.ptsb, {"comment": "ok"}, status=200
    )
    assert (approved["status"], approved["approved_version"]) == ("approved", 1)


def test_issuer_cannot_approve_its_own_program(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    response = api.call("POST", f"/programs/{program_id}/approve", admin)
    assert response.status_code == 403
    assert api.ok("GET", f"/programs/{program_id}", admin)["status"] == "submitted"


def test_draft_cannot_be_approved_before_submission(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    response = api.call("POST", f"/programs/{program_id}/approve", api.ptsb)
    assert (response.status_code, response.get_json()["error"]) == (
        409,
        "invalid_program_transition",
    )


def test_rejected_program_can_be_edited_and_resubmitted(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    rejected = api.ok(
        "POST", f"/programs/{program_id}/reject", api.ptsb, {"comment": "Add a rubric"}, status=200
    )
    assert (rejected["status"], rejected["review_comment"]) == ("rejected", "Add a rubric")
    assert (
        api.ok("PATCH", f"/programs/{program_id}", admin, {"criteria": "With rubric"})["status"]
        == "draft"
    )
    assert (
        api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)["status"] == "submitted"
    )


def test_patch_on_approved_program_creates_next_version_keeping_old_in_force(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    edited = api.ok("PATCH", f"/programs/{program_id}", admin, {"name": "Formative Assessment II"})
    assert (edited["version"], edited["status"], edited["approved_version"]) == (2, "draft", 1)
    enrollment = api.ok(
        "GET", f"/enrollments/{api.enrol(admin, program_id, api.earner(admin))}", admin
    )
    assert enrollment["program_version"] == 1


def test_approving_next_version_supersedes_previous_but_keeps_its_enrollments(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    old_enrollment = api.enrol(admin, program_id, api.earner(admin))
    api.ok("PATCH", f"/programs/{program_id}", admin, {"criteria": "Updated criteria"})
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    approved = api.ok("POST", f"/programs/{program_id}/approve", api.ptsb, status=200)
    assert approved["approved_version"] == 2
    assert [v["status"] for v in approved["versions"]] == ["superseded", "approved"]
    assert api.ok("GET", f"/enrollments/{old_enrollment}", admin)["program_version"] == 1
    new_enrollment = api.enrol(admin, program_id, api.earner(admin))
    assert api.ok("GET", f"/enrollments/{new_enrollment}", admin)["program_version"] == 2


def test_submitted_version_cannot_be_edited(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    api.ok("POST", f"/programs/{program_id}/submit", admin, status=200)
    response = api.call("PATCH", f"/programs/{program_id}", admin, {"name": "x"})
    assert (response.status_code, response.get_json()["error"]) == (409, "program_not_editable")


def test_unknown_prerequisite_is_invalid(api, district):
    issuer_id, admin = district
    response = api.call(
        "POST",
        "/programs",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "X",
            "description": "d",
            "criteria": "c",
            "competencies": [],
            "estimated_hours": 1,
            "learning_methods": ["online"],
            "prerequisites": [999],
        },
    )
    assert response.status_code == 422 and "prerequisites" in response.get_json()["fields"]


def test_draft_is_hidden_from_other_issuers(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    _, other_admin = api.issuer("Other District")
    assert api.call("GET", f"/programs/{program_id}", other_admin).status_code == 404
