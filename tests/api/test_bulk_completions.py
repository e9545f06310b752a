"""Bulk confirmation (issue 6): passed enrollments confirmed through the single completion use case,
one award each, reported per enrollment, idempotent when re-run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from issuer.config import SCHEMAS_DIR
from issuer.workflow.awards import bulk_completion
from issuer.workflow.awards.bulk_completion import MAX_PER_CALL
from tests.conftest import Api


@pytest.fixture
def program(api: Api, district: tuple[int, str]) -> int:
    issuer_id, admin = district
    return api.approved_program(admin, issuer_id)


def confirm(api: Api, issuer_id: int, token: str, body: dict[str, Any]) -> Any:
    return api.call("POST", f"/issuers/{issuer_id}/completions", token, body)


def by_enrollment(body: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["enrollment_id"]: r for r in body["results"]}


def notices(api: Api) -> list[dict[str, Any]]:
    return api.ok("GET", "/ptsb/notices", api.ptsb)["items"]  # type: ignore[no-any-return]


def test_listed_passed_enrollments_are_awarded(api, district, program):
    issuer_id, admin = district
    first, _ = api.passed_enrollment(admin, issuer_id, program)
    second, _ = api.passed_enrollment(admin, issuer_id, program)
    response = confirm(api, issuer_id, admin, {"enrollment_ids": [first, second]})
    assert response.status_code == 200
    results = by_enrollment(response.get_json())
    assert {r["outcome"] for r in results.values()} == {"awarded"}
    for enrollment_id in (first, second):
        enrollment = api.ok("GET", f"/enrollments/{enrollment_id}", admin)
        assert enrollment["status"] == "completed"
        assert enrollment["award_id"] == results[enrollment_id]["award_id"]
    assert len(notices(api)) == 2


def test_rerun_reports_the_same_awards_and_issues_none(api, district, program):
    issuer_id, admin = district
    first, _ = api.passed_enrollment(admin, issuer_id, program)
    awarded = by_enrollment(confirm(api, issuer_id, admin, {"enrollment_ids": [first]}).get_json())
    again = confirm(api, issuer_id, admin, {"enrollment_ids": [first]}).get_json()
    assert by_enrollment(again)[first] == {
        "enrollment_id": first,
        "outcome": "already_awarded",
        "award_id": awarded[first]["award_id"],
    }
    assert again["counts"]["awarded"] == 0
    assert len(notices(api)) == 1


def test_enrollment_completed_one_by_one_is_already_awarded(api, district, program):
    issuer_id, admin = district
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program)
    award = api.complete(admin, enrollment_id)
    body = confirm(api, issuer_id, admin, {"enrollment_ids": [enrollment_id]}).get_json()
    result = by_enrollment(body)[enrollment_id]
    assert (result["outcome"], result["award_id"]) == ("already_awarded", award["id"])


def test_not_passed_enrollment_is_reported_and_the_others_still_awarded(api, district, program):
    issuer_id, admin = district
    passed, _ = api.passed_enrollment(admin, issuer_id, program)
    enrolled = api.enrol(admin, program, api.earner(admin))
    body = confirm(api, issuer_id, admin, {"enrollment_ids": [enrolled, passed]}).get_json()
    results = by_enrollment(body)
    assert (results[enrolled]["outcome"], results[enrolled]["status"]) == ("not_passed", "enrolled")
    assert "award_id" not in results[enrolled]
    assert results[passed]["outcome"] == "awarded"
    assert body["counts"] == {
        "awarded": 1,
        "already_awarded": 0,
        "not_passed": 1,
        "not_found": 0,
        "refused": 0,
    }
    assert [r["enrollment_id"] for r in body["results"]] == [enrolled, passed]


def test_another_issuers_enrollment_is_not_found_and_not_awarded(api, district, program):
    issuer_id, admin = district
    other_issuer, other_admin = api.issuer("Other District")
    other_program = api.approved_program(other_admin, other_issuer)
    foreign, _ = api.passed_enrollment(other_admin, other_issuer, other_program)
    body = confirm(api, issuer_id, admin, {"enrollment_ids": [foreign, 999999]}).get_json()
    assert [r["outcome"] for r in body["results"]] == ["not_found", "not_found"]
    assert api.ok("GET", f"/enrollments/{foreign}", other_admin)["status"] == "passed"
    assert notices(api) == []


def test_all_passed_awards_every_passed_enrollment_of_this_issuer_only(api, district, program):
    issuer_id, admin = district
    other_issuer, other_admin = api.issuer("Other District")
    foreign, _ = api.passed_enrollment(
        other_admin, other_issuer, api.approved_program(other_admin, other_issuer)
    )
    passed = sorted(api.passed_enrollment(admin, issuer_id, program)[0] for _ in range(2))
    api.enrol(admin, program, api.earner(admin))  # enrolled, not passed: not picked
    body = confirm(api, issuer_id, admin, {"all_passed": True}).get_json()
    assert [(r["enrollment_id"], r["outcome"]) for r in body["results"]] == [
        (passed[0], "awarded"),
        (passed[1], "awarded"),
    ]
    assert body["remaining"] == 0
    assert api.ok("GET", f"/enrollments/{foreign}", other_admin)["status"] == "passed"
    assert confirm(api, issuer_id, admin, {"all_passed": True}).get_json()["results"] == []


def test_all_passed_takes_a_batch_and_says_how_many_remain(api, district, program, monkeypatch):
    monkeypatch.setattr(bulk_completion, "MAX_PER_CALL", 1)
    issuer_id, admin = district
    passed = sorted(api.passed_enrollment(admin, issuer_id, program)[0] for _ in range(2))
    first = confirm(api, issuer_id, admin, {"all_passed": True}).get_json()
    assert ([r["enrollment_id"] for r in first["results"]], first["remaining"]) == (passed[:1], 1)
    second = confirm(api, issuer_id, admin, {"all_passed": True}).get_json()
    assert ([r["enrollment_id"] for r in second["results"]], second["remaining"]) == (
        passed[1:],
        0,
    )


def test_repeated_ids_are_confirmed_once(api, district, program):
    issuer_id, admin = district
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program)
    body = confirm(api, issuer_id, admin, {"enrollment_ids": [enrollment_id] * 3}).get_json()
    assert [r["outcome"] for r in body["results"]] == ["awarded"]


@pytest.mark.parametrize(
    "body",
    [{}, {"all_passed": False}, {"enrollment_ids": [1], "all_passed": True}, {"ids": [1]}],
    ids=["empty", "all-passed-false", "both", "unknown-field"],
)
def test_body_must_name_enrollments_or_all_passed(api, district, body):
    issuer_id, admin = district
    response = confirm(api, issuer_id, admin, body)
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_fields")


def test_more_ids_than_one_call_takes_answer_422(api, district):
    issuer_id, admin = district
    response = confirm(api, issuer_id, admin, {"enrollment_ids": list(range(1, MAX_PER_CALL + 2))})
    assert response.status_code == 422 and "enrollment_ids" in response.get_json()["fields"]


def test_request_schema_documents_the_per_call_limit():
    schema = json.loads((SCHEMAS_DIR / "api" / "bulk_completion.json").read_text())
    assert schema["properties"]["enrollment_ids"]["maxItems"] == MAX_PER_CALL


@pytest.mark.parametrize("who", ["reviewer", "other_admin", "ptsb"])
def test_only_the_issuers_own_admins_may_confirm(api, district, program, who):
    issuer_id, admin = district
    enrollment_id, _ = api.passed_enrollment(admin, issuer_id, program)
    token = {
        "reviewer": lambda: api.account("reviewer", issuer_id, token=admin),
        "other_admin": lambda: api.issuer("Other District")[1],
        "ptsb": lambda: api.ptsb,
    }[who]()
    response = confirm(api, issuer_id, token, {"enrollment_ids": [enrollment_id]})
    assert response.status_code == 403
    assert api.ok("GET", f"/enrollments/{enrollment_id}", admin)["status"] == "passed"
