"""SPEC §8 review cycles over the API: open (default end of month, not in the past), assign
three reviewers per submission (balanced, never the submitter, the previous attempt's reviewers
first, idempotent), reassign, the reviewer's queue, only assigned reviewers score, and the
``cycle_id`` filter of the submissions list."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from issuer.domain.review_cycles import end_of_month


def _reviewer(api, admin, issuer_id, email):
    account = api.ok(
        "POST", "/accounts", admin, {"role": "reviewer", "email": email, "issuer_id": issuer_id}
    )
    return account["id"], api.own_token(account["id"])


def _reviewers(api, admin, issuer_id, n, prefix="rev"):
    return [_reviewer(api, admin, issuer_id, f"{prefix}{i}@district.example.org") for i in range(n)]


def _submission(api, admin, program_id, email=None):
    enrollment_id = api.enrol(admin, program_id, api.earner(admin, email=email))
    return api.submit(admin, enrollment_id), enrollment_id


def _cycle(api, admin, issuer_id, **body):
    return api.ok("POST", f"/issuers/{issuer_id}/review-cycles", admin, body)


def _assigned(cycle):
    return {s["submission_id"]: [r["id"] for r in s["reviewers"]] for s in cycle["submissions"]}


def test_a_cycle_closes_at_the_end_of_the_month_by_default(api, district):
    issuer_id, admin = district
    cycle = _cycle(api, admin, issuer_id)
    assert cycle["closes_on"] == end_of_month(datetime.now(UTC).date()).isoformat()
    assert cycle["status"] == "open"
    assert cycle["submissions"] == [] and cycle["reviews_done"] == 0


def test_a_closing_date_in_the_past_is_refused(api, district):
    issuer_id, admin = district
    answer = api.call(
        "POST", f"/issuers/{issuer_id}/review-cycles", admin, {"closes_on": "2020-01-31"}
    )
    assert answer.status_code == 422
    assert "closes_on" in answer.get_json()["message"]


def test_a_second_cycle_on_the_same_closing_date_is_a_conflict(api, district):
    issuer_id, admin = district
    _cycle(api, admin, issuer_id, closes_on="2099-01-31")
    again = api.call(
        "POST", f"/issuers/{issuer_id}/review-cycles", admin, {"closes_on": "2099-01-31"}
    )
    assert again.status_code == 409
    assert again.get_json()["error"] == "cycle_exists"


def test_assign_gives_each_submission_three_reviewers_balanced_across_the_issuers(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id, 4)
    submissions = [_submission(api, admin, program_id)[0] for _ in range(4)]
    cycle = _cycle(api, admin, issuer_id)
    run = api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    assert run["assigned"] == 4
    chosen = _assigned(run)
    assert sorted(chosen) == sorted(submissions)
    assert all(len(set(ids)) == 3 for ids in chosen.values())
    load = Counter(r for ids in chosen.values() for r in ids)
    assert sorted(load.values()) == [3, 3, 3, 3]
    assert set(load) == {rid for rid, _ in reviewers}


def test_assign_never_gives_a_reviewer_their_own_submission(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    others = _reviewers(api, admin, issuer_id, 3)
    teacher_id, _ = _reviewer(api, admin, issuer_id, "coach@school.example.org")
    own, _ = _submission(api, admin, program_id, email="Coach@school.example.org")
    cycle = _cycle(api, admin, issuer_id)
    run = api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    assert sorted(_assigned(run)[own]) == sorted(rid for rid, _ in others)
    assert teacher_id not in _assigned(run)[own]


def test_fewer_than_three_eligible_reviewers_stops_the_run_naming_the_submission(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    _reviewers(api, admin, issuer_id, 2)
    _submission(api, admin, program_id)
    cycle = _cycle(api, admin, issuer_id)
    refused = api.call("POST", f"/review-cycles/{cycle['id']}/assign", admin)
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"] == "not_enough_reviewers"
    assert "Ada Teacher" in body["message"] and "Formative Assessment" in body["message"]
    assert api.ok("GET", f"/review-cycles/{cycle['id']}", admin)["submissions"] == []


def test_the_reviewers_of_the_previous_attempt_are_preferred(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    _reviewers(api, admin, issuer_id, 2, prefix="early")  # lower ids, no load
    first = _reviewers(api, admin, issuer_id, 3, prefix="first")
    submission_id, enrollment_id = _submission(api, admin, program_id)
    api.score([token for _, token in first], submission_id, [1, 2, 2])  # needs revision
    resubmitted = api.submit(admin, enrollment_id)
    cycle = _cycle(api, admin, issuer_id)
    run = api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    assert sorted(_assigned(run)[resubmitted]) == sorted(rid for rid, _ in first)


def test_assigning_again_assigns_only_new_submissions(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    _reviewers(api, admin, issuer_id, 3)
    first, _ = _submission(api, admin, program_id)
    cycle = _cycle(api, admin, issuer_id)
    path = f"/review-cycles/{cycle['id']}/assign"
    before = api.ok("POST", path, admin, status=200)
    again = api.ok("POST", path, admin, status=200)
    assert again["assigned"] == 0 and _assigned(again) == _assigned(before)
    second, _ = _submission(api, admin, program_id)
    assert api.ok("GET", f"/review-cycles/{cycle['id']}", admin)["submissions_waiting"] == 1
    third = api.ok("POST", path, admin, status=200)
    assert third["assigned"] == 1
    assert sorted(_assigned(third)) == sorted([first, second])
    assert _assigned(third)[first] == _assigned(before)[first]


def test_only_assigned_reviewers_may_score_an_assigned_submission(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id, 4)
    submission_id, _ = _submission(api, admin, program_id)
    cycle = _cycle(api, admin, issuer_id)
    chosen = _assigned(api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200))
    outsider = next(t for rid, t in reviewers if rid not in chosen[submission_id])
    refused = api.call(
        "POST", f"/submissions/{submission_id}/reviews", outsider, {"score": 3, "feedback": "x"}
    )
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "not_assigned"
    tokens = [t for rid, t in reviewers if rid in chosen[submission_id]]
    reviews = api.score(tokens, submission_id, [3, 3, 4])
    assert reviews[-1]["enrollment_status"] == "passed"


def test_a_submission_without_assignments_is_scored_by_any_reviewer_of_the_issuer(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id, 3)
    _cycle(api, admin, issuer_id)  # a cycle, but nothing assigned
    submission_id, _ = _submission(api, admin, program_id)
    api.score([t for _, t in reviewers], submission_id, [3, 3, 3])


def test_reassign_replaces_an_unscored_reviewer(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id, 4)
    submission_id, _ = _submission(api, admin, program_id)
    cycle = _cycle(api, admin, issuer_id)
    chosen = _assigned(api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200))
    spare = next(rid for rid, _ in reviewers if rid not in chosen[submission_id])
    wanted = [*chosen[submission_id][:2], spare]
    after = api.ok(
        "PUT", f"/submissions/{submission_id}/reviewers", admin, {"reviewer_ids": wanted}
    )
    assert sorted(_assigned(after)[submission_id]) == sorted(wanted)
    dropped = next(t for rid, t in reviewers if rid == chosen[submission_id][2])
    refused = api.call(
        "POST", f"/submissions/{submission_id}/reviews", dropped, {"score": 3, "feedback": "x"}
    )
    assert refused.get_json()["error"] == "not_assigned"


def test_reassign_keeps_a_reviewer_who_already_scored(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id, 4)
    submission_id, _ = _submission(api, admin, program_id)
    cycle = _cycle(api, admin, issuer_id)
    chosen = _assigned(api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200))
    scorer = chosen[submission_id][0]
    api.score([t for rid, t in reviewers if rid == scorer], submission_id, [3])
    spare = next(rid for rid, _ in reviewers if rid not in chosen[submission_id])
    refused = api.call(
        "PUT",
        f"/submissions/{submission_id}/reviewers",
        admin,
        {"reviewer_ids": [*chosen[submission_id][1:], spare]},
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "reviewer_already_scored"


def test_reassign_refuses_a_non_reviewer_and_the_submitter(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id, 3)
    own_id, _ = _reviewer(api, admin, issuer_id, "coach@school.example.org")
    submission_id, _ = _submission(api, admin, program_id, email="coach@school.example.org")
    cycle = _cycle(api, admin, issuer_id)
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    ids = [rid for rid, _ in reviewers]
    path = f"/submissions/{submission_id}/reviewers"
    own = api.call("PUT", path, admin, {"reviewer_ids": [*ids[:2], own_id]})
    assert own.status_code == 422 and "coach@school.example.org" in own.get_json()["message"]
    admin_account = api.ok("GET", "/me", admin)["account_id"]
    stranger = api.call("PUT", path, admin, {"reviewer_ids": [*ids[:2], admin_account]})
    assert stranger.status_code == 422 and "not a reviewer" in stranger.get_json()["message"]
    two = api.call("PUT", path, admin, {"reviewer_ids": ids[:2]})
    assert two.status_code == 422


def test_reassign_needs_an_assigned_submission(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    ids = [rid for rid, _ in _reviewers(api, admin, issuer_id, 3)]
    submission_id, _ = _submission(api, admin, program_id)
    refused = api.call(
        "PUT", f"/submissions/{submission_id}/reviewers", admin, {"reviewer_ids": ids}
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "not_assigned_yet"


def test_the_queue_lists_oldest_first_with_the_due_date_and_drops_what_i_scored(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id, 3)
    older, _ = _submission(api, admin, program_id)
    newer, _ = _submission(api, admin, program_id)
    cycle = _cycle(api, admin, issuer_id, closes_on="2099-03-31")
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    token = reviewers[0][1]
    queue = api.ok("GET", "/reviews/queue", token)
    assert [i["submission_id"] for i in queue["items"]] == [older, newer]
    assert queue["items"][0]["due_on"] == "2099-03-31"
    assert queue["items"][0]["program_name"] == "Formative Assessment"
    assert queue["total"] == 2
    api.score([token], older, [3])
    assert [i["submission_id"] for i in api.ok("GET", "/reviews/queue", token)["items"]] == [newer]


def test_the_queue_is_for_reviewers_only(api, district):
    _, admin = district
    refused = api.call("GET", "/reviews/queue", admin)
    assert refused.status_code == 403 and refused.get_json()["error"] == "wrong_role"


def test_submissions_filter_by_cycle_with_pagination(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    _reviewers(api, admin, issuer_id, 3)
    first, _ = _submission(api, admin, program_id)
    second, _ = _submission(api, admin, program_id)
    cycle = _cycle(api, admin, issuer_id)
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    _submission(api, admin, program_id)  # after the run: in no cycle yet
    page = api.ok("GET", f"/submissions?cycle_id={cycle['id']}&limit=1&offset=1", admin)
    assert page["total"] == 2
    assert [s["id"] for s in page["items"]] == [second]
    assert api.ok("GET", "/submissions", admin)["total"] == 3
    assert first != second


def test_an_unknown_cycle_in_the_submissions_filter_answers_422(api, district):
    _, admin = district
    answer = api.call("GET", "/submissions?cycle_id=999999", admin)
    assert answer.status_code == 422
    assert "cycle_id" in answer.get_json()["message"]


def test_the_issuers_cycles_are_listed_latest_first_and_ptsb_may_read_them(api, district):
    issuer_id, admin = district
    _cycle(api, admin, issuer_id, closes_on="2099-01-31")
    later = _cycle(api, admin, issuer_id, closes_on="2099-02-28")
    listed = api.ok("GET", f"/issuers/{issuer_id}/review-cycles", api.ptsb)
    assert listed["total"] == 2
    assert [c["closes_on"] for c in listed["items"]] == ["2099-02-28", "2099-01-31"]
    assert api.ok("GET", f"/review-cycles/{later['id']}", api.ptsb)["id"] == later["id"]


def test_a_reviewer_may_not_read_or_open_cycles(api, district):
    issuer_id, admin = district
    cycle = _cycle(api, admin, issuer_id)
    _, token = _reviewer(api, admin, issuer_id, "r@district.example.org")
    for method, path in (
        ("GET", f"/review-cycles/{cycle['id']}"),
        ("POST", f"/issuers/{issuer_id}/review-cycles"),
        ("POST", f"/review-cycles/{cycle['id']}/assign"),
    ):
        answer = api.call(
            method, path, token, {} if method == "POST" and "issuers" in path else None
        )
        assert answer.status_code == 403 and answer.get_json()["error"] == "wrong_role", path


def test_opening_assigning_and_reassigning_are_in_the_audit_log(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    reviewers = _reviewers(api, admin, issuer_id, 4)
    submission_id, _ = _submission(api, admin, program_id)
    cycle = _cycle(api, admin, issuer_id)
    chosen = _assigned(api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200))
    spare = next(rid for rid, _ in reviewers if rid not in chosen[submission_id])
    api.ok(
        "PUT",
        f"/submissions/{submission_id}/reviewers",
        admin,
        {"reviewer_ids": [*chosen[submission_id][:2], spare]},
    )
    entries = api.ok("GET", "/audit?limit=200", api.ptsb)
    actions = {e["action"] for e in entries.get("items", entries.get("entries", []))}
    assert {
        "review_cycle.opened",
        "review_cycle.assigned",
        "review.assigned",
        "review.reassigned",
    } <= actions
