"""Submissions and reviews (SPEC §2, §5): three reviewers, median rule, unlimited resubmission."""

from __future__ import annotations

import pytest


@pytest.fixture
def submitted(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id = api.enrol(admin, program_id, api.earner(admin))
    return enrollment_id, api.submit(admin, enrollment_id), api.reviewers(issuer_id, admin), admin


def status_of(api, admin, enrollment_id):
    return api.ok("GET", f"/enrollments/{enrollment_id}", admin)["status"]


def enrollment(api, admin, enrollment_id):
    """The enrollment as the API shows it: status, and each submission with its scores."""
    return api.ok("GET", f"/enrollments/{enrollment_id}", admin)


@pytest.mark.parametrize(
    ("scores", "final"),
    [
        ([3, 4, 2], "passed"),
        ([2, 2, 4], "needs_revision"),
        ([3, 3, 3], "passed"),
        ([1, 2, 4], "needs_revision"),
    ],
)
def test_third_review_decides_by_median(api, submitted, scores, final):
    enrollment_id, submission_id, reviewers, admin = submitted
    answers = api.score(reviewers, submission_id, scores)
    assert [a["enrollment_status"] for a in answers] == ["in_review", "in_review", final]
    assert status_of(api, admin, enrollment_id) == final


def test_fourth_review_conflicts(api, submitted, district):
    enrollment_id, submission_id, reviewers, admin = submitted
    api.score(reviewers, submission_id, [3, 3, 3])
    before = enrollment(api, admin, enrollment_id)
    fourth = api.account("reviewer", district[0], token=admin)
    response = api.call(
        "POST", f"/submissions/{submission_id}/reviews", fourth, {"score": 4, "feedback": "late"}
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "reviews_complete")
    assert enrollment(api, admin, enrollment_id) == before


def test_reviewer_scores_a_submission_once(api, submitted):
    enrollment_id, submission_id, reviewers, admin = submitted
    api.score(reviewers[:1], submission_id, [3])
    before = enrollment(api, admin, enrollment_id)
    response = api.call(
        "POST",
        f"/submissions/{submission_id}/reviews",
        reviewers[0],
        {"score": 4, "feedback": "again"},
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "already_reviewed")
    assert enrollment(api, admin, enrollment_id) == before


def test_needs_revision_shows_feedback_and_takes_a_new_attempt(api, submitted):
    enrollment_id, submission_id, reviewers, admin = submitted
    api.score(reviewers, submission_id, [2, 2, 3])
    enrollment = api.ok("GET", f"/enrollments/{enrollment_id}", admin)
    assert enrollment["feedback"] == ["scored 2", "scored 2", "scored 3"]
    second = api.ok(
        "POST", f"/enrollments/{enrollment_id}/submissions", admin, {"narrative": "Revised"}
    )
    assert second["attempt"] == 2
    api.score(reviewers, second["id"], [3, 3, 2])
    assert status_of(api, admin, enrollment_id) == "passed"


def test_resubmission_is_unlimited(api, submitted):
    enrollment_id, submission_id, reviewers, admin = submitted
    for attempt in range(2, 5):
        api.score(reviewers, submission_id, [1, 1, 1])
        submission_id = api.ok(
            "POST",
            f"/enrollments/{enrollment_id}/submissions",
            admin,
            {"narrative": f"try {attempt}"},
        )["id"]
    assert api.ok("GET", f"/enrollments/{enrollment_id}", admin)["submissions"][-1]["attempt"] == 4


def test_reviews_apply_to_latest_submission_only(api, submitted):
    enrollment_id, first_id, reviewers, admin = submitted
    api.score(reviewers, first_id, [2, 2, 2])
    api.submit(admin, enrollment_id)
    before = enrollment(api, admin, enrollment_id)
    response = api.call(
        "POST", f"/submissions/{first_id}/reviews", reviewers[0], {"score": 4, "feedback": "old"}
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "stale_submission")
    assert enrollment(api, admin, enrollment_id) == before


def test_score_out_of_range_is_invalid(api, submitted):
    enrollment_id, submission_id, reviewers, admin = submitted
    before = enrollment(api, admin, enrollment_id)
    response = api.call(
        "POST", f"/submissions/{submission_id}/reviews", reviewers[0], {"score": 5, "feedback": "x"}
    )
    body = response.get_json()
    assert (response.status_code, body["error"]) == (422, "invalid_fields")
    assert "score" in body["fields"]
    assert enrollment(api, admin, enrollment_id) == before


def test_second_submission_while_awaiting_review_conflicts(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    enrollment_id = api.enrol(admin, program_id, api.earner(admin))
    submission_id = api.submit(admin, enrollment_id)
    before = enrollment(api, admin, enrollment_id)
    response = api.call(
        "POST", f"/enrollments/{enrollment_id}/submissions", admin, {"narrative": "twice"}
    )
    assert (response.status_code, response.get_json()["error"]) == (409, "submission_not_expected")
    assert enrollment(api, admin, enrollment_id) == before
    assert [s["id"] for s in before["submissions"]] == [submission_id]
