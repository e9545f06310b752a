"""Completion and awards (SPEC §2, §5): exactly one award, idempotent; stacks; revocation; credit hours."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event


@pytest.fixture
def passed(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, earner_id = api.passed_enrollment(admin, issuer_id, program_id)
    return enrollment_id, earner_id, admin


def test_complete_answers_201_with_award_urls(api, passed):
    enrollment_id, _, admin = passed
    award = api.complete(admin, enrollment_id)
    assert set(award["ob2"]) == {"assertion", "jws", "png", "svg"}
    assert set(award["ob3"]) == {"credential", "jwt", "png", "svg"}
    assert award["verify_url"] and award["certificate_pdf"].endswith(".pdf")
    assert api.ok("GET", f"/enrollments/{enrollment_id}", admin)["status"] == "completed"


def test_replay_with_same_key_returns_same_award_with_200(api, passed):
    enrollment_id, _, admin = passed
    first = api.complete(admin, enrollment_id, key="k-1")
    again = api.complete(admin, enrollment_id, key="k-1", status=200)
    assert again["id"] == first["id"]


def test_other_key_after_award_conflicts(api, passed):
    enrollment_id, _, admin = passed
    api.complete(admin, enrollment_id, key="k-1")
    response = api.call(
        "POST", f"/enrollments/{enrollment_id}/complete", admin, headers={"Idempotency-Key": "k-2"}
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "already_completed")


def test_missing_idempotency_key_is_invalid(api, passed):
    enrollment_id, _, admin = passed
    response = api.call("POST", f"/enrollments/{enrollment_id}/complete", admin)
    assert (response.status_code, response.get_json()["error"]) == (422, "idempotency_key_required")


def test_enrollment_not_passed_cannot_complete(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id = api.enrol(admin, program_id, api.earner(admin))
    response = api.call(
        "POST", f"/enrollments/{enrollment_id}/complete", admin, headers={"Idempotency-Key": "x"}
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "not_passed")


@pytest.mark.parametrize("same_key", [True, False])
def test_concurrent_completions_make_exactly_one_award(app, api, passed, same_key):
    enrollment_id, earner_id, admin = passed
    results: list[tuple[int, str | None]] = []

    def confirm(index: int) -> None:
        key = "same" if same_key else f"key-{index}"
        response = app.test_client().post(
            f"/api/v1/enrollments/{enrollment_id}/complete",
            headers={"Authorization": f"Bearer {admin}", "Idempotency-Key": key},
        )
        results.append((response.status_code, (response.get_json() or {}).get("id")))

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(code for code, _ in results)
    assert statuses.count(201) == 1
    assert set(statuses) <= ({200, 201} if same_key else {201, 409})
    awards = api.ok("GET", f"/earners/{earner_id}/awards", admin)["awards"]
    assert len(awards) == 1
    assert api.ok("GET", "/ptsb/notices", api.ptsb)["items"].__len__() == 1


def test_a_completion_reads_its_enrollments_facts_with_the_row_lock(app, api, passed):
    """Award, latest submission, review scores, the address's suppression and the issuer's
    webhook subscriptions come with the statement that locks the enrollment, not one apiece."""
    enrollment_id, _, admin = passed
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = app.extensions["issuer.services"].db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        api.complete(admin, enrollment_id)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    locked = [s for s in seen if s.startswith("SELECT") and "FROM enrollments" in s]
    assert len(locked) == 1
    others = [s + " " for s in seen if s.startswith("SELECT") and s not in locked]
    for table in ("awards", "submissions", "reviews", "mail_suppressions", "webhook_subscriptions"):
        assert f"{table}." in locked[0]
        assert [s for s in others if f"FROM {table} " in s] == [], table


def test_revoke_marks_award_revoked_and_drops_credit_hours(api, passed):
    enrollment_id, earner_id, admin = passed
    award = api.complete(admin, enrollment_id)
    revoked = api.ok(
        "POST",
        f"/awards/{award['id']}/revoke",
        admin,
        {"reason": "Plagiarised evidence"},
        status=200,
    )
    assert (revoked["status"], revoked["revocation_reason"]) == ("revoked", "Plagiarised evidence")
    assert api.ok("GET", f"/earners/{earner_id}/awards", admin)["credit_hours_total"] == 0


def test_revoking_twice_conflicts(api, passed):
    enrollment_id, _, admin = passed
    award = api.complete(admin, enrollment_id)
    api.ok("POST", f"/awards/{award['id']}/revoke", admin, {"reason": "x"}, status=200)
    response = api.call("POST", f"/awards/{award['id']}/revoke", admin, {"reason": "y"})
    assert (response.status_code, response.get_json()["error"]) == (409, "already_revoked")


def test_unknown_award_is_404(api, district):
    _, admin = district
    assert api.call("GET", f"/awards/{uuid.uuid4()}", admin).status_code == 404


def test_award_expires_after_validity_period(api, app, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id, validity_days=30)
    enrollment_id, earner_id = api.passed_enrollment(admin, issuer_id, program_id)
    award = api.complete(admin, enrollment_id)
    assert award["expires_at"] is not None
    services = app.extensions["issuer.services"]
    real_clock = services.clock
    services.clock = lambda: real_clock() + timedelta(days=31)
    assert api.ok("GET", f"/earners/{earner_id}/awards", admin)["credit_hours_total"] == 0


def test_stack_credential_is_awarded_when_last_program_is_earned(api, district):
    issuer_id, admin = district
    first = api.approved_program(admin, issuer_id, name="One")
    second = api.approved_program(admin, issuer_id, name="Two")
    stack = api.ok(
        "POST",
        "/stacks",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "Leader",
            "description": "Both",
            "programs": [first, second],
        },
    )
    enrollment_id, earner_id = api.passed_enrollment(admin, issuer_id, first)
    api.complete(admin, enrollment_id)
    progress = api.ok("GET", f"/earners/{earner_id}/awards", admin)
    assert progress["stacks"] == [
        {
            "id": stack["id"],
            "name": "Leader",
            "earned": False,
            "programs_earned": 1,
            "programs_required": 2,
        }
    ]
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, second, earner_id=earner_id)
    api.complete(admin, enrollment_id)
    result = api.ok("GET", f"/earners/{earner_id}/awards", admin)
    kinds = sorted(a["kind"] for a in result["awards"])
    assert kinds == ["program", "program", "stack"]
    assert result["stacks"][0]["earned"] is True
    assert result["credit_hours_total"] == 1.0
    notices = api.ok("GET", "/ptsb/notices", api.ptsb)["items"]
    assert sum(1 for n in notices if n["stack_id"] == stack["id"]) == 1


def test_n_of_m_stack_is_awarded_at_n(api, district):
    issuer_id, admin = district
    programs = [api.approved_program(admin, issuer_id, name=f"P{i}") for i in range(3)]
    api.ok(
        "POST",
        "/stacks",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "Two of three",
            "description": "d",
            "programs": programs,
            "required": 2,
            "credit_hours": 1,
        },
    )
    earner_id = None
    for program_id in programs[:2]:
        enrollment_id, earner_id = api.passed_enrollment(
            admin, issuer_id, program_id, earner_id=earner_id
        )
        api.complete(admin, enrollment_id)
    result = api.ok("GET", f"/earners/{earner_id}/awards", admin)
    stack_awards = [a for a in result["awards"] if a["kind"] == "stack"]
    assert len(stack_awards) == 1 and stack_awards[0]["credit_hours"] == 1
    assert result["credit_hours_total"] == 2.0


def test_stack_required_above_its_size_is_invalid(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    response = api.call(
        "POST",
        "/stacks",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "s",
            "description": "d",
            "programs": [program_id],
            "required": 2,
        },
    )
    assert response.status_code == 422 and "required" in response.get_json()["fields"]
