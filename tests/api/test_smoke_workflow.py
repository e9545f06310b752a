"""The whole SPEC §5 workflow scripted over HTTP, end to end."""

from __future__ import annotations


def test_full_workflow_issues_one_award_and_notice(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, earner_id = api.passed_enrollment(admin, issuer_id, program_id)
    assert api.ok("GET", f"/enrollments/{enrollment_id}", admin)["status"] == "passed"
    award = api.complete(admin, enrollment_id)
    assert award["status"] == "active"
    assert award["ob2"]["assertion"].startswith("https://badges.test/ob2/assertions/")
    portfolio = api.ok("GET", f"/earners/{earner_id}/awards", admin)
    assert portfolio["credit_hours_total"] == 0.5
    notices = api.ok("GET", "/ptsb/notices?status=pending", api.ptsb)["items"]
    assert [n["award_id"] for n in notices] == [award["id"]]
