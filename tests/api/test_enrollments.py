"""Enrollment (SPEC §2): prerequisites, learning methods, prior training, withdrawal, earners as one person."""

from __future__ import annotations

from sqlalchemy import select

from issuer.models import Enrollment


def enrollments_of(app, earner_id: int) -> list[tuple[int, int, str]]:
    """(id, program_id, status) of every enrolment the earner has, read from the database."""
    with app.extensions["issuer.services"].db.session() as session:
        rows = session.execute(
            select(Enrollment.id, Enrollment.program_id, Enrollment.status)
            .where(Enrollment.earner_id == earner_id)
            .order_by(Enrollment.id)
        )
        return [tuple(row) for row in rows]


def test_prerequisite_not_earned_refuses_enrollment(api, app, district):
    issuer_id, admin = district
    foundations = api.approved_program(admin, issuer_id, name="PL Foundations")
    advanced = api.approved_program(admin, issuer_id, prerequisites=[foundations])
    earner_id = api.earner(admin)
    response = api.call(
        "POST",
        f"/programs/{advanced}/enrollments",
        admin,
        {"earner_id": earner_id, "learning_method": "online"},
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "prerequisites_missing")
    assert enrollments_of(app, earner_id) == []


def test_prerequisite_earned_allows_enrollment(api, district):
    issuer_id, admin = district
    foundations = api.approved_program(admin, issuer_id, name="PL Foundations")
    advanced = api.approved_program(admin, issuer_id, prerequisites=[foundations])
    enrollment_id, earner_id = api.passed_enrollment(admin, issuer_id, foundations)
    api.complete(admin, enrollment_id)
    assert api.enrol(admin, advanced, earner_id) > 0


def test_revoked_prerequisite_no_longer_counts(api, app, district):
    issuer_id, admin = district
    foundations = api.approved_program(admin, issuer_id, name="PL Foundations")
    advanced = api.approved_program(admin, issuer_id, prerequisites=[foundations])
    enrollment_id, earner_id = api.passed_enrollment(admin, issuer_id, foundations)
    award = api.complete(admin, enrollment_id)
    api.ok(
        "POST", f"/awards/{award['id']}/revoke", admin, {"reason": "Issued in error"}, status=200
    )
    before = enrollments_of(app, earner_id)
    response = api.call(
        "POST",
        f"/programs/{advanced}/enrollments",
        admin,
        {"earner_id": earner_id, "learning_method": "online"},
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "prerequisites_missing")
    assert enrollments_of(app, earner_id) == before == [(enrollment_id, foundations, "completed")]


def test_enrollment_needs_an_approved_program(api, app, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    earner_id = api.earner(admin)
    response = api.call(
        "POST",
        f"/programs/{program_id}/enrollments",
        admin,
        {"earner_id": earner_id, "learning_method": "online"},
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "program_not_approved")
    assert enrollments_of(app, earner_id) == []


def test_method_not_offered_is_invalid(api, app, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id, learning_methods=["online"])
    earner_id = api.earner(admin)
    response = api.call(
        "POST",
        f"/programs/{program_id}/enrollments",
        admin,
        {"earner_id": earner_id, "learning_method": "face_to_face"},
    )
    body = response.get_json()
    assert (response.status_code, body["error"]) == (422, "invalid_fields")
    assert "learning_method" in body["fields"]
    assert enrollments_of(app, earner_id) == []


def test_learning_method_is_switchable(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id = api.enrol(admin, program_id, api.earner(admin), method="online")
    switched = api.ok(
        "PATCH", f"/enrollments/{enrollment_id}", admin, {"learning_method": "face_to_face"}
    )
    assert switched["learning_method"] == "face_to_face"


def test_second_active_enrollment_in_same_program_conflicts(api, app, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    earner_id = api.earner(admin)
    first = api.enrol(admin, program_id, earner_id)
    response = api.call(
        "POST",
        f"/programs/{program_id}/enrollments",
        admin,
        {"earner_id": earner_id, "learning_method": "online"},
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "already_enrolled")
    assert enrollments_of(app, earner_id) == [(first, program_id, "enrolled")]


def test_withdrawn_earner_may_enrol_again(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    earner_id = api.earner(admin)
    enrollment_id = api.enrol(admin, program_id, earner_id)
    assert (
        api.ok("POST", f"/enrollments/{enrollment_id}/withdraw", admin, status=200)["status"]
        == "withdrawn"
    )
    assert api.enrol(admin, program_id, earner_id) != enrollment_id


def test_withdrawn_enrollment_takes_no_submission(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id = api.enrol(admin, program_id, api.earner(admin))
    api.ok("POST", f"/enrollments/{enrollment_id}/withdraw", admin, status=200)
    before = api.ok("GET", f"/enrollments/{enrollment_id}", admin)
    response = api.call(
        "POST", f"/enrollments/{enrollment_id}/submissions", admin, {"narrative": "late"}
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "submission_not_expected")
    assert api.ok("GET", f"/enrollments/{enrollment_id}", admin) == before
    assert (before["status"], before["submissions"]) == ("withdrawn", [])


def test_prior_training_path_needs_a_recorded_training(api, app, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    earner_id = api.earner(admin)
    body = {"earner_id": earner_id, "learning_method": "prior_training"}
    response = api.call("POST", f"/programs/{program_id}/enrollments", admin, body)
    assert (response.status_code, response.get_json()["error"]) == (409, "prior_training_missing")
    assert enrollments_of(app, earner_id) == []
    api.ok(
        "POST", f"/earners/{earner_id}/prior-training", admin, {"description": "CDD training, 2025"}
    )
    enrollment = api.ok("POST", f"/programs/{program_id}/enrollments", admin, body)
    assert (enrollment["learning_method"], enrollment["status"]) == ("prior_training", "enrolled")


def test_program_marked_not_eligible_refuses_prior_training(api, app, district):
    issuer_id, admin = district
    foundations = api.approved_program(
        admin, issuer_id, name="PL Foundations", prior_training_eligible=False
    )
    earner_id = api.earner(admin)
    api.ok("POST", f"/earners/{earner_id}/prior-training", admin, {"description": "CDD training"})
    response = api.call(
        "POST",
        f"/programs/{foundations}/enrollments",
        admin,
        {"earner_id": earner_id, "learning_method": "prior_training"},
    )
    assert (response.status_code, response.get_json()["error"]) == (
        409,
        "prior_training_not_eligible",
    )
    assert enrollments_of(app, earner_id) == []


def test_existing_email_returns_existing_earner_case_insensitively(api, district):
    _, admin = district
    first = api.ok("POST", "/earners", admin, {"name": "Ada", "email": "Ada@School.example.org"})
    _, other_admin = api.issuer("Another District")
    again = api.ok(
        "POST",
        "/earners",
        other_admin,
        {"name": "Ada L.", "email": " ada@school.EXAMPLE.org "},
        status=200,
    )
    assert again["id"] == first["id"]


def test_earner_enrols_themself_and_submits(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    api.ok("POST", "/earners", admin, {"name": "Bo", "email": "bo@school.example.org"})
    earner = api.account("earner", email="BO@school.example.org")
    enrollment = api.ok(
        "POST", f"/programs/{program_id}/enrollments", earner, {"learning_method": "own_path"}
    )
    submission = api.ok(
        "POST", f"/enrollments/{enrollment['id']}/submissions", earner, {"narrative": "Mine"}
    )
    assert submission["attempt"] == 1
    assert api.ok("GET", f"/enrollments/{enrollment['id']}", earner)["status"] == "submitted"


def test_earner_without_record_cannot_enrol(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    earner = api.account("earner")
    response = api.call(
        "POST", f"/programs/{program_id}/enrollments", earner, {"learning_method": "online"}
    )
    assert (response.status_code, response.get_json()["error"]) == (404, "earner_not_registered")
