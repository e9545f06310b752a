"""The reviewer's pages (queue, scoring) and the facilitator's review cycle pages, with the Flask
client: who may open them (403 page otherwise), CSRF, the 422 form, and a re-posted form that does
nothing twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from issuer.models import Review, ReviewAssignment, ReviewCycle
from tests.web.conftest import csrf_from, set_password, sign_in

HTML = {"Accept": "text/html"}


def _person(api, client, admin, issuer_id, role, email):
    account = api.ok(
        "POST", "/accounts", admin, {"role": role, "email": email, "issuer_id": issuer_id}
    )
    return account["id"]


def _signed_in(api, client, email):
    assert set_password(client, api.password_link(email)).status_code == 302
    assert sign_in(client, email).status_code == 302


def _count(client, model, *where):
    db = client.application.extensions["issuer.services"].db
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def assigned(api, district, client):
    """(submission id, assigned reviewer emails, the fourth reviewer's email, cycle id)."""
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id)
    emails = [f"rev{i}@district.example.org" for i in range(4)]
    for email in emails:
        _person(api, client, admin, issuer_id, "reviewer", email)
    enrollment_id = api.enrol(admin, program_id, api.earner(admin, email="ada@school.example.org"))
    submission_id = api.submit(admin, enrollment_id)
    cycle = api.ok(
        "POST", f"/issuers/{issuer_id}/review-cycles", admin, {"closes_on": "2099-01-31"}
    )
    run = api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    chosen = [r["name"] for r in run["submissions"][0]["reviewers"]]
    spare = next(e for e in emails if e not in chosen)
    return submission_id, chosen, spare, cycle["id"]


def _score(client, submission_id, score="3", feedback="Clear evidence of checks.", token=None):
    page = client.get(f"/reviews/{submission_id}")
    return client.post(
        f"/reviews/{submission_id}",
        data={
            "score": score,
            "feedback": feedback,
            "csrf_token": token or csrf_from(page.data.decode()),
        },
    )


def test_the_queue_lists_the_assignment_with_its_due_date(client, api, assigned):
    submission_id, chosen, _, _ = assigned
    _signed_in(api, client, chosen[0])
    html = client.get("/reviews").data.decode()
    assert "Formative Assessment" in html and "31 January 2099" in html
    assert f"/reviews/{submission_id}" in html
    assert "Ada Teacher" not in html


def test_an_empty_queue_says_so_in_words(client, api, district):
    issuer_id, admin = district
    _person(api, client, admin, issuer_id, "reviewer", "idle@district.example.org")
    _signed_in(api, client, "idle@district.example.org")
    assert "Nothing to review right now" in client.get("/reviews").data.decode()


def test_the_scoring_page_shows_evidence_criteria_and_the_rubric_descriptors(client, api, assigned):
    submission_id, chosen, _, _ = assigned
    _signed_in(api, client, chosen[0])
    html = client.get(f"/reviews/{submission_id}").data.decode()
    assert "My lesson analysis." in html
    assert "https://evidence.example.org/1" in html
    assert "Submit a lesson analysis scored 3 or higher" in html
    assert "Proficient" in html and "every criterion is met with artifacts" in html
    assert 'name="score" value="4"' in html


def test_scoring_returns_to_the_queue_with_a_success_alert_and_the_submission_leaves_it(
    client, api, assigned
):
    submission_id, chosen, _, _ = assigned
    _signed_in(api, client, chosen[0])
    answer = _score(client, submission_id)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/reviews")
    html = client.get("/reviews").data.decode()
    assert "your score and feedback are recorded" in html
    assert f"/reviews/{submission_id}" not in html
    assert _count(client, Review, Review.submission_id == submission_id) == 1


def test_feedback_is_required_and_the_form_comes_back_with_the_error(client, api, assigned):
    submission_id, chosen, _, _ = assigned
    _signed_in(api, client, chosen[0])
    answer = _score(client, submission_id, feedback="   ")
    assert answer.status_code == 422
    html = answer.data.decode()
    assert "Write your feedback for the educator." in html
    assert 'value="3" checked' in html
    assert _count(client, Review, Review.submission_id == submission_id) == 0


def test_a_reposted_score_says_already_scored_and_keeps_the_first(client, api, assigned):
    submission_id, chosen, _, _ = assigned
    _signed_in(api, client, chosen[0])
    token = csrf_from(client.get(f"/reviews/{submission_id}").data.decode())
    assert _score(client, submission_id, "3", token=token).status_code == 303
    again = _score(client, submission_id, "1", token=token)
    assert again.status_code == 303
    assert "already scored this submission" in client.get("/reviews").data.decode()
    assert _count(client, Review, Review.submission_id == submission_id) == 1


def test_a_reviewer_not_assigned_gets_the_403_page(client, api, assigned):
    submission_id, _, spare, _ = assigned
    _signed_in(api, client, spare)
    page = client.get(f"/reviews/{submission_id}", headers=HTML)
    assert page.status_code == 403
    assert "assigned to other reviewers" in page.data.decode()


def test_a_score_without_the_csrf_token_is_refused(client, api, assigned):
    submission_id, chosen, _, _ = assigned
    _signed_in(api, client, chosen[0])
    answer = client.post(f"/reviews/{submission_id}", data={"score": "3", "feedback": "x"})
    assert answer.status_code == 400
    assert _count(client, Review, Review.submission_id == submission_id) == 0


@pytest.mark.parametrize("path", ["/reviews", "/console/cycles"])
def test_educators_get_the_403_page(client, api, district, path):
    _, admin = district
    api.earner(admin, email="lena@school.example.org")
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": "lena@school.example.org"})
    _signed_in(api, client, "lena@school.example.org")
    assert client.get(path, headers=HTML).status_code == 403


def test_a_visitor_is_sent_to_sign_in(client):
    assert client.get("/reviews").headers["Location"].endswith("/login")
    assert client.get("/console/cycles").headers["Location"].endswith("/login")


# ---- the facilitator ---------------------------------------------------------------------


@pytest.fixture
def facilitator(api, district, client):
    issuer_id, admin = district
    api.ok(
        "POST",
        "/accounts",
        api.ptsb,
        {"role": "issuer_admin", "email": "fran@district.example.org", "issuer_id": issuer_id},
    )
    _signed_in(api, client, "fran@district.example.org")
    return issuer_id, admin


def test_the_cycles_page_offers_the_end_of_the_month(client, facilitator):
    from datetime import UTC, datetime

    from issuer.domain.review_cycles import end_of_month

    html = client.get("/console/cycles").data.decode()
    assert f'value="{end_of_month(datetime.now(UTC).date()).isoformat()}"' in html
    assert "No review cycle yet" in html


def test_opening_a_cycle_twice_opens_one(client, facilitator):
    token = csrf_from(client.get("/console/cycles").data.decode())
    first = client.post("/console/cycles", data={"closes_on": "2099-01-31", "csrf_token": token})
    assert first.status_code == 303
    again = client.post("/console/cycles", data={"closes_on": "2099-01-31", "csrf_token": token})
    assert again.status_code == 303
    assert (
        "already has a review cycle closing on 31 January 2099"
        in client.get("/console/cycles").data.decode()
    )
    assert _count(client, ReviewCycle) == 1


def test_a_closing_date_in_the_past_comes_back_with_the_error(client, facilitator):
    token = csrf_from(client.get("/console/cycles").data.decode())
    answer = client.post("/console/cycles", data={"closes_on": "2020-01-31", "csrf_token": token})
    assert answer.status_code == 422
    assert "must be today or later" in answer.data.decode()
    assert _count(client, ReviewCycle) == 0


def test_assigning_from_the_cycle_page_twice_assigns_once(client, api, facilitator):
    issuer_id, admin = facilitator
    program_id = api.approved_program(admin, issuer_id)
    for i in range(3):
        _person(api, client, admin, issuer_id, "reviewer", f"r{i}@district.example.org")
    api.submit(admin, api.enrol(admin, program_id, api.earner(admin, name="Maya Brooks")))
    cycle = api.ok(
        "POST", f"/issuers/{issuer_id}/review-cycles", admin, {"closes_on": "2099-01-31"}
    )
    page = client.get(f"/console/cycles/{cycle['id']}").data.decode()
    assert "1 waiting for reviewers" in page
    token = csrf_from(page)
    assert (
        client.post(f"/console/cycles/{cycle['id']}/assign", data={"csrf_token": token}).status_code
        == 303
    )
    assert (
        client.post(f"/console/cycles/{cycle['id']}/assign", data={"csrf_token": token}).status_code
        == 303
    )
    html = client.get(f"/console/cycles/{cycle['id']}").data.decode()
    assert "No new submissions to assign" in html
    assert "Maya Brooks" in html and "r0@district.example.org" in html and "0 of 3" in html
    assert _count(client, ReviewAssignment) == 3


def test_too_few_reviewers_is_named_on_the_cycle_page(client, api, facilitator):
    issuer_id, admin = facilitator
    program_id = api.approved_program(admin, issuer_id)
    api.submit(admin, api.enrol(admin, program_id, api.earner(admin, name="Maya Brooks")))
    cycle = api.ok("POST", f"/issuers/{issuer_id}/review-cycles", admin, {})
    token = csrf_from(client.get(f"/console/cycles/{cycle['id']}").data.decode())
    client.post(f"/console/cycles/{cycle['id']}/assign", data={"csrf_token": token})
    html = client.get(f"/console/cycles/{cycle['id']}").data.decode()
    assert "No reviewers were assigned" in html and "Maya Brooks" in html


def test_reassigning_from_the_cycle_page_changes_one_reviewer(client, api, facilitator):
    issuer_id, admin = facilitator
    program_id = api.approved_program(admin, issuer_id)
    ids = [
        _person(api, client, admin, issuer_id, "reviewer", f"r{i}@district.example.org")
        for i in range(4)
    ]
    submission_id = api.submit(admin, api.enrol(admin, program_id, api.earner(admin)))
    cycle = api.ok("POST", f"/issuers/{issuer_id}/review-cycles", admin, {})
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin, status=200)
    token = csrf_from(client.get(f"/console/cycles/{cycle['id']}").data.decode())
    answer = client.post(
        f"/console/cycles/{cycle['id']}/submissions/{submission_id}/reviewers",
        data={
            "reviewer_1": ids[0],
            "reviewer_2": ids[1],
            "reviewer_3": ids[3],
            "csrf_token": token,
        },
    )
    assert answer.status_code == 303
    assert "The reviewers are updated" in client.get(answer.headers["Location"]).data.decode()
    reviewers = api.ok("GET", f"/review-cycles/{cycle['id']}", admin)["submissions"][0]["reviewers"]
    assert sorted(r["id"] for r in reviewers) == sorted([ids[0], ids[1], ids[3]])


def test_another_issuers_cycle_is_the_403_page(client, api, facilitator):
    other_id, other_admin = api.issuer("Valley District")
    cycle = api.ok("POST", f"/issuers/{other_id}/review-cycles", other_admin, {})
    assert client.get(f"/console/cycles/{cycle['id']}", headers=HTML).status_code == 403


def test_the_navigation_shows_each_role_its_review_page(client, api, facilitator, district):
    html = client.get("/console/cycles").data.decode()
    assert 'href="/console/cycles"' in html and 'href="/reviews"' not in html


def test_the_scoring_page_never_shows_another_reviewers_score(client, api, assigned, district):
    submission_id, chosen, _, _ = assigned
    _signed_in(api, client, chosen[1])
    other = client.application.test_client()
    _signed_in(api, other, chosen[0])
    _score(other, submission_id, "4", feedback="Feedback of the first reviewer.")
    html = client.get(f"/reviews/{submission_id}").data.decode()
    assert "Feedback of the first reviewer." not in html
    assert "You scored" not in html and 'id="score-form"' in html
