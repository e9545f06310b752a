"""PTSB notices (SPEC §2, §5): one per completion, acknowledged once, shown on the portfolio."""

from __future__ import annotations

import pytest


@pytest.fixture
def notice(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id, earner_id = api.passed_enrollment(admin, issuer_id, program_id)
    award = api.complete(admin, enrollment_id)
    item = api.ok("GET", "/ptsb/notices?status=pending", api.ptsb)["items"][0]
    return item, award, earner_id, admin


def test_completion_produces_pending_notice(notice):
    item, award, earner_id, _ = notice
    assert (item["award_id"], item["earner_id"], item["credit_hours"], item["status"]) == (
        award["id"],
        earner_id,
        0.5,
        "pending",
    )


def test_acknowledge_records_license_link(api, notice):
    item, _, _, _ = notice
    body = {"license_number": "TN-1234", "certificate_reference": "CERT-9", "date": "2026-11-20"}
    acknowledged = api.ok(
        "POST", f"/ptsb/notices/{item['id']}/acknowledge", api.ptsb, body, status=200
    )
    assert (
        acknowledged["status"],
        acknowledged["acknowledged_on"],
        acknowledged["license_number"],
    ) == ("acknowledged", "2026-11-20", "TN-1234")
    assert api.ok("GET", "/ptsb/notices?status=pending", api.ptsb)["items"] == []


def test_acknowledge_defaults_to_today(api, app, notice):
    item, _, _, _ = notice
    answer = api.ok(
        "POST",
        f"/ptsb/notices/{item['id']}/acknowledge",
        api.ptsb,
        {"license_number": "L", "certificate_reference": "C"},
        status=200,
    )
    assert answer["acknowledged_on"] == app.extensions["issuer.services"].clock().date().isoformat()


def notices(api, status):
    return api.ok("GET", f"/ptsb/notices?status={status}", api.ptsb)["items"]


def test_acknowledging_twice_conflicts(api, notice):
    item, _, _, _ = notice
    body = {"license_number": "TN-1234", "certificate_reference": "CERT-9", "date": "2026-11-20"}
    api.ok("POST", f"/ptsb/notices/{item['id']}/acknowledge", api.ptsb, body, status=200)
    before = notices(api, "acknowledged")
    again = {"license_number": "TN-9999", "certificate_reference": "CERT-1", "date": "2026-12-01"}
    response = api.call("POST", f"/ptsb/notices/{item['id']}/acknowledge", api.ptsb, again)
    assert (response.status_code, response.get_json()["error"]) == (409, "already_acknowledged")
    assert notices(api, "acknowledged") == before
    assert [(n["id"], n["license_number"]) for n in before] == [(item["id"], "TN-1234")]


def test_portfolio_shows_license_record_after_acknowledgement(api, notice):
    item, award, earner_id, admin = notice
    api.ok(
        "POST",
        f"/ptsb/notices/{item['id']}/acknowledge",
        api.ptsb,
        {"license_number": "TN-1234", "certificate_reference": "CERT-9"},
        status=200,
    )
    entry = api.ok("GET", f"/earners/{earner_id}/awards", admin)["awards"][0]
    assert entry["license_record"]["certificate_reference"] == "CERT-9"


def test_bad_date_is_invalid(api, notice):
    item, _, _, _ = notice
    response = api.call(
        "POST",
        f"/ptsb/notices/{item['id']}/acknowledge",
        api.ptsb,
        {"license_number": "L", "certificate_reference": "C", "date": "20-11-2026"},
    )
    body = response.get_json()
    assert (response.status_code, body["error"]) == (422, "invalid_fields")
    assert "date" in body["fields"]
    assert notices(api, "pending") == [item]
    assert notices(api, "acknowledged") == []


def test_audit_log_records_who_approved_issued_acknowledged(api, notice):
    item, award, _, _ = notice
    api.ok(
        "POST",
        f"/ptsb/notices/{item['id']}/acknowledge",
        api.ptsb,
        {"license_number": "L", "certificate_reference": "C"},
        status=200,
    )
    actions = [e["action"] for e in api.ok("GET", "/audit?limit=500", api.ptsb)["items"]]
    for action in ("program.approved", "award.issued", "notice.acknowledged", "review.created"):
        assert action in actions
