"""The educator's pages (issue 12, SPEC §8 Educator): My learning, enrol, one enrollment with the
performance task and its feedback, withdraw, the account page; for signed-in educators only."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from issuer.models import Enrollment, MailPreference, Submission

from .conftest import PASSWORD, csrf_from, set_password, sign_in

EMAIL = "lena.ortiz@school.example.org"


@pytest.fixture
def program(api, district):
    issuer_id, admin = district
    return api.approved_program(admin, issuer_id)


@pytest.fixture
def educator(api, district, client):
    """(earner id, admin token): an educator with a record and an account, signed in on client."""
    _, admin = district
    earner_id = api.earner(admin, email=EMAIL, name="Lena Ortiz")
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": EMAIL})
    assert set_password(client, api.password_link(EMAIL)).status_code == 302
    assert sign_in(client, EMAIL).status_code == 302
    return earner_id, admin


def _db(client):
    return client.application.extensions["issuer.services"].db


def _count(client, model, *where) -> int:
    with _db(client).session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _token(client) -> str:
    return csrf_from(client.get("/account").data.decode())


def _enrol(client, program_id: int, method: str = "online"):
    return client.post(
        f"/learning/enrol/{program_id}",
        data={"learning_method": method, "csrf_token": _token(client)},
    )


def _submit(client, enrollment_id: int, narrative: str = "What I did and learned.", **extra):
    data = {
        "narrative": narrative,
        "evidence_url": ["https://evidence.example.org/video", ""],
        "csrf_token": _token(client),
        **extra,
    }
    return client.post(
        f"/learning/enrollments/{enrollment_id}/submissions",
        data=data,
        content_type="multipart/form-data",
    )


def _reviewed(api, district, enrollment_id: int, scores: list[int]) -> None:
    issuer_id, admin = district
    api.score(api.reviewers(issuer_id, admin), _latest(api, enrollment_id), scores)


def _latest(api, enrollment_id: int) -> int:
    db = api.client.application.extensions["issuer.services"].db
    with db.session() as session:
        return session.scalar(
            select(Submission.id)
            .where(Submission.enrollment_id == enrollment_id)
            .order_by(Submission.attempt.desc())
        )


def test_my_learning_lists_each_enrollment_with_its_status_and_next_step_in_words(
    client, api, educator, program, district
):
    earner_id, admin = educator
    api.enrol(admin, program, earner_id)
    html = client.get("/learning").data.decode()
    assert f'href="/programs/{program}">Formative Assessment<' in html
    assert "Enrolled" in html and "Submit your performance task" in html
    assert "Online" in html
    assert "enrolled<" not in html  # the phrase, not the status code


def test_my_learning_without_enrollments_links_the_catalog(client, educator):
    html = client.get("/learning").data.decode()
    assert "not enrolled in any micro-credential yet" in html and 'href="/programs"' in html


def test_enrol_creates_one_enrollment_and_opens_it(client, educator, program):
    earner_id, _ = educator
    response = _enrol(client, program)
    assert response.status_code == 303
    assert _count(client, Enrollment, Enrollment.earner_id == earner_id) == 1
    page = client.get(response.headers["Location"]).data.decode()
    assert "You are enrolled" in page and "Submit your performance task" in page


def test_a_double_posted_enrol_form_does_not_enrol_twice(client, educator, program):
    earner_id, _ = educator
    first = _enrol(client, program)
    second = _enrol(client, program)
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert _count(client, Enrollment, Enrollment.earner_id == earner_id) == 1
    assert "You are already enrolled" in client.get(second.headers["Location"]).data.decode()


def test_enrol_refused_names_and_links_the_missing_prerequisite(client, api, educator, district):
    issuer_id, admin = district
    earner_id, _ = educator
    foundations = api.approved_program(admin, issuer_id, name="PL Foundations")
    advanced = api.approved_program(
        admin, issuer_id, name="PL Advanced", prerequisites=[foundations]
    )
    response = _enrol(client, advanced)
    html = response.data.decode()
    assert response.status_code == 409
    assert "Earn &#34;PL Foundations&#34; first." in html or 'Earn "PL Foundations" first.' in html
    assert f'<a href="/programs/{foundations}">PL Foundations</a>' in html
    assert _count(client, Enrollment, Enrollment.earner_id == earner_id) == 0


def test_withdraw_asks_to_confirm_before_withdrawing(client, api, educator, program):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    page = client.get(f"/learning/enrollments/{enrollment_id}/withdraw").data.decode()
    assert "Withdraw from Formative Assessment?" in page
    assert "Your submissions stay on record." in page
    unconfirmed = client.post(
        f"/learning/enrollments/{enrollment_id}/withdraw", data={"csrf_token": csrf_from(page)}
    )
    assert unconfirmed.status_code == 400
    assert _count(client, Enrollment, Enrollment.status == "withdrawn") == 0
    confirmed = client.post(
        f"/learning/enrollments/{enrollment_id}/withdraw",
        data={"csrf_token": csrf_from(page), "confirm": "yes"},
    )
    assert confirmed.status_code == 303
    assert _count(client, Enrollment, Enrollment.status == "withdrawn") == 1


def test_switch_method_changes_the_learning_method(client, api, educator, program):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    client.post(
        f"/learning/enrollments/{enrollment_id}/method",
        data={"learning_method": "own_path", "csrf_token": _token(client)},
    )
    assert _count(client, Enrollment, Enrollment.learning_method == "own_path") == 1


def test_submission_creates_an_attempt_and_shows_it_in_review(client, api, educator, program):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    response = _submit(client, enrollment_id, "My formative assessment story.")
    assert response.status_code == 303
    assert _count(client, Submission, Submission.enrollment_id == enrollment_id) == 1
    html = client.get(response.headers["Location"]).data.decode()
    assert "My formative assessment story." in html
    assert "https://evidence.example.org/video" in html
    assert "In review — three reviewers will score it" in html


def test_in_review_names_the_closing_date_of_the_review_cycle(
    client, api, educator, program, district
):
    earner_id, admin = educator
    issuer_id, _ = district
    api.ok("POST", f"/issuers/{issuer_id}/review-cycles", admin, {"closes_on": "2099-01-31"})
    enrollment_id = api.enrol(admin, program, earner_id)
    _submit(client, enrollment_id)
    html = client.get("/learning").data.decode()
    assert "three reviewers will score it by 31 January 2099, when the review cycle closes" in html


def test_a_double_posted_submission_does_not_create_two_attempts(client, api, educator, program):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    _submit(client, enrollment_id)
    again = _submit(client, enrollment_id)
    assert again.status_code == 303
    assert _count(client, Submission, Submission.enrollment_id == enrollment_id) == 1
    assert "already submitted" in client.get(again.headers["Location"]).data.decode()


def test_a_submission_without_narrative_is_refused_with_the_field_error(
    client, api, educator, program
):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    response = _submit(client, enrollment_id, narrative="  ")
    assert response.status_code == 422
    assert "Write the narrative" in response.data.decode()
    assert _count(client, Submission) == 0


EVIDENCE = Path(__file__).resolve().parents[1] / "fixtures" / "evidence"


def _fixture(name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO((EVIDENCE / name).read_bytes()), name


def test_evidence_files_are_stored_listed_and_served_to_the_educator(
    client, api, educator, program
):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    response = _submit(client, enrollment_id, files=[_fixture("lesson.pdf"), _fixture("pixel.png")])
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).data.decode()
    links = re.findall(
        r'href="https://badges\.test(/evidence/\d+)">(lesson\.pdf|pixel\.png)<', html
    )
    assert sorted(name for _, name in links) == ["lesson.pdf", "pixel.png"]
    served = client.get(links[0][0])
    assert served.status_code == 200
    assert served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.get_data() == (EVIDENCE / "lesson.pdf").read_bytes()
    served.close()


def test_a_file_refused_by_its_content_is_named_on_the_page_and_nothing_is_submitted(
    client, api, educator, program
):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    response = _submit(client, enrollment_id, files=[_fixture("program.pdf")])
    assert response.status_code == 422
    assert "program.pdf" in response.data.decode()
    assert _count(client, Submission, Submission.enrollment_id == enrollment_id) == 0


def test_feedback_after_the_third_review_names_reviewers_1_2_3_not_people(
    client, api, educator, program, district
):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    _submit(client, enrollment_id)
    _reviewed(api, district, enrollment_id, [2, 1, 3])
    html = client.get(f"/learning/enrollments/{enrollment_id}").data.decode()
    assert "Score of record: <strong>2 out of 4 (Developing)" in html
    for n, score in ((1, 2), (2, 1), (3, 3)):
        assert f"<dt>Reviewer {n}</dt>" in html and f"scored {score}" in html
    assert "reviewer-" not in html and "@example.org" not in html


def test_feedback_is_not_shown_before_the_third_review(client, api, educator, program, district):
    issuer_id, admin = district
    earner_id, _ = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    _submit(client, enrollment_id)
    api.score(api.reviewers(issuer_id, admin)[:2], _latest(api, enrollment_id), [1, 1])
    html = client.get(f"/learning/enrollments/{enrollment_id}").data.decode()
    assert "Reviewer 1" not in html and "2 of 3 reviewers have scored it" in html


def test_the_resubmission_form_is_offered_only_when_revision_is_needed(
    client, api, educator, program, district
):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    _submit(client, enrollment_id)
    in_review = client.get(f"/learning/enrollments/{enrollment_id}").data.decode()
    assert 'id="performance-task"' not in in_review
    _reviewed(api, district, enrollment_id, [1, 2, 2])
    revise = client.get(f"/learning/enrollments/{enrollment_id}").data.decode()
    assert "Resubmit your performance task" in revise and 'id="performance-task"' in revise
    assert 'enctype="multipart/form-data"' in revise and 'name="files" multiple' in revise
    _submit(client, enrollment_id, "My revised work.")
    assert _count(client, Submission, Submission.enrollment_id == enrollment_id) == 2
    html = client.get(f"/learning/enrollments/{enrollment_id}").data.decode()
    assert "Attempt 2" in html and "Attempt 1" in html


def test_passed_says_waiting_for_the_district_to_confirm(client, api, educator, program, district):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    _submit(client, enrollment_id)
    _reviewed(api, district, enrollment_id, [3, 4, 2])
    html = client.get(f"/learning/enrollments/{enrollment_id}").data.decode()
    assert "waiting for your district to confirm" in html
    assert 'id="performance-task"' not in html


def test_another_educators_enrollment_is_403(client, api, educator, program, district):
    _, admin = district
    other = api.enrol(admin, program, api.earner(admin, email="someone@school.example.org"))
    assert client.get(f"/learning/enrollments/{other}").status_code == 403


def test_change_password_needs_the_current_one_and_keeps_this_session(client, educator):
    page = client.get("/account").data.decode()
    new = "a brand new passphrase"
    wrong = client.post(
        "/account/change-password",
        data={
            "current_password": "not it at all",
            "new_password": new,
            "confirm_password": new,
            "csrf_token": csrf_from(page),
        },
    )
    assert wrong.status_code == 422 and "current password is not right" in wrong.data.decode()
    done = client.post(
        "/account/change-password",
        data={
            "current_password": PASSWORD,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": csrf_from(page),
        },
    )
    assert done.status_code == 303
    assert client.get("/learning").status_code == 200  # this session carries on
    client.post("/logout", data={"csrf_token": _token(client)})
    assert sign_in(client, EMAIL, PASSWORD).status_code == 401
    assert sign_in(client, EMAIL, new).status_code == 302


def test_change_password_ends_other_sessions(client, app, educator):
    other = app.test_client()
    assert sign_in(other, EMAIL).status_code == 302
    new = "a brand new passphrase"
    client.post(
        "/account/change-password",
        data={
            "current_password": PASSWORD,
            "new_password": new,
            "confirm_password": new,
            "csrf_token": _token(client),
        },
    )
    assert other.get("/learning").status_code == 302  # back to sign in


def test_turning_reminders_off_is_stored(client, educator):
    response = client.post(
        "/account/email-preferences", data={"reminders": "off", "csrf_token": _token(client)}
    )
    assert response.status_code == 303
    with _db(client).session() as session:
        assert session.get(MailPreference, EMAIL).reminders is False
    assert (
        'id="reminders-off" name="reminders" value="off" checked'
        in client.get("/account").data.decode()
    )


@pytest.mark.parametrize("path", ["/learning", "/account"])
def test_other_roles_get_403(client, api, district, path):
    issuer_id, admin = district
    email = "reviewer.one@district.example.org"
    api.account("reviewer", issuer_id, token=admin, email=email)
    assert set_password(client, api.password_link(email)).status_code == 302
    assert sign_in(client, email).status_code == 302
    assert client.get(path).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/learning")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_portfolio_shows_work_in_progress_linking_its_enrollment(client, api, educator, program):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    html = client.get("/portfolio").data.decode()
    assert "In progress" in html
    assert f'href="/learning/enrollments/{enrollment_id}">Formative Assessment<' in html
    assert "Submit your performance task" in html


def test_portfolio_gives_each_badge_a_share_link_and_add_to_linkedin(
    client, api, educator, program, district
):
    earner_id, admin = educator
    enrollment_id = api.enrol(admin, program, earner_id)
    _submit(client, enrollment_id)
    _reviewed(api, district, enrollment_id, [3, 3, 3])
    award = api.complete(admin, enrollment_id)
    html = client.get("/portfolio").data.decode()
    assert f'readonly value="{award["verify_url"]}"' in html
    assert 'href="https://www.linkedin.com/profile/add?' in html and "Add to LinkedIn" in html
    assert "In progress" not in html  # completed work is a badge, not work in progress


def test_stack_poster_shows_no_credit_hours_when_the_stack_has_none(
    client, api, educator, program, district
):
    issuer_id, admin = district
    earner_id, _ = educator
    other = api.approved_program(admin, issuer_id, name="Questioning")
    for name, hours in (("Assessment leader", None), ("Questioning leader", 2)):
        body = {
            "issuer_id": issuer_id,
            "name": name,
            "description": "Both",
            "programs": [program, other],
        }
        if hours is not None:
            body["credit_hours"] = hours
        api.ok("POST", "/stacks", admin, body)
    api.enrol(admin, program, earner_id)
    html = client.get("/portfolio").data.decode()
    assert "Assessment leader: 0 of 2 earned</figcaption>" in html
    assert "Questioning leader: 0 of 2 earned · 2 credit hours</figcaption>" in html
    assert "0 credit hours" not in html


def test_the_prior_training_path_is_offered_only_once_the_district_recorded_it(
    client, api, educator, program
):
    earner_id, admin = educator
    assert 'value="prior_training"' not in client.get(f"/programs/{program}").data.decode()
    api.ok(
        "POST",
        f"/earners/{earner_id}/prior-training",
        admin,
        {"description": "CDD training, verified"},
        status=201,
    )
    assert 'value="prior_training"' in client.get(f"/programs/{program}").data.decode()
    assert _enrol(client, program, "prior_training").status_code == 303
    assert _count(client, Enrollment, Enrollment.earner_id == earner_id) == 1


def test_a_program_not_eligible_never_offers_the_prior_training_path(
    client, api, educator, district
):
    earner_id, admin = educator
    foundations = api.approved_program(
        admin, district[0], name="PL Foundations", prior_training_eligible=False
    )
    api.ok(
        "POST",
        f"/earners/{earner_id}/prior-training",
        admin,
        {"description": "CDD training, verified"},
        status=201,
    )
    assert 'value="prior_training"' not in client.get(f"/programs/{foundations}").data.decode()
