"""The program's next steps per learning method (sent on enrolment) and its public page."""

from __future__ import annotations

import markupsafe
import pytest

from tests.hostile_text import API_SAFE


def test_next_steps_are_stored_and_answered(api, district):
    issuer_id, admin = district
    program = api.program(admin, issuer_id, next_steps={"online": "Log in to the course."})
    assert program["next_steps"] == {"online": "Log in to the course."}
    assert api.ok("GET", f"/programs/{program['id']}", admin)["next_steps"] == program["next_steps"]


def test_next_steps_for_a_method_the_program_does_not_offer_are_refused(api, district):
    issuer_id, admin = district
    body = {"learning_methods": ["online"], "next_steps": {"face_to_face": "Room 4."}}
    answer = api.call(
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
            **body,
        },
    )
    assert answer.status_code == 422
    assert "next_steps.face_to_face" in answer.get_json()["fields"]


def test_next_steps_longer_than_4000_characters_are_refused(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    answer = api.call(
        "PATCH", f"/programs/{program_id}", admin, {"next_steps": {"online": "x" * 4001}}
    )
    assert answer.status_code == 422
    assert api.ok("GET", f"/programs/{program_id}", admin)["next_steps"] == {}


def test_dropping_a_method_that_has_next_steps_is_refused(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id, next_steps={"own_path": "Read chapter 1."})["id"]
    answer = api.call("PATCH", f"/programs/{program_id}", admin, {"learning_methods": ["online"]})
    assert answer.status_code == 422
    assert "next_steps.own_path" in answer.get_json()["fields"]


def test_next_steps_with_control_characters_are_refused(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    answer = api.call(
        "PATCH", f"/programs/{program_id}", admin, {"next_steps": {"online": "a\x01"}}
    )
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "control_characters"


def test_editing_an_approved_program_keeps_its_next_steps_in_the_new_version(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id, next_steps={"online": "Start Monday."})
    edited = api.ok("PATCH", f"/programs/{program_id}", admin, {"name": "Formative Assessment II"})
    assert edited["version"] == 2 and edited["next_steps"] == {"online": "Start Monday."}


def test_program_page_shows_the_version_in_force(api, district, client):
    issuer_id, admin = district
    first = api.approved_program(admin, issuer_id, name="Foundations")
    program_id = api.approved_program(
        admin,
        issuer_id,
        prerequisites=[first],
        next_steps={"online": "Join the cohort."},
        alignments=[{"target_name": "Standard 5", "target_url": "https://standards.example.org/5"}],
    )
    page = client.get(f"/programs/{program_id}")
    assert page.status_code == 200
    html = page.data.decode()
    for fact in (
        "Formative Assessment",
        "Metro School District",
        "Join the cohort.",
        "Foundations",
        "Standard 5",
        "Designs checks for understanding",
        "On your own path",
    ):
        assert fact in html, fact
    assert f'href="https://badges.test/programs/{first}"' in html


def test_program_page_of_a_draft_is_not_found(api, district, client):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    assert client.get(f"/programs/{program_id}").status_code == 404
    assert client.get("/programs/999999").status_code == 404


@pytest.mark.parametrize("hostile", API_SAFE)
def test_peoples_text_is_escaped_in_messages_and_the_program_page(
    api, district, outbox, client, hostile
):
    issuer_id, admin = district
    program_id = api.approved_program(
        admin, issuer_id, name=hostile[:200], next_steps={"online": hostile}
    )
    earner_id = api.earner(admin, email="esc@school.example.org", name=hostile[:200])
    enrollment_id = api.enrol(admin, program_id, earner_id)
    submission_id = api.submit(admin, enrollment_id)
    reviewers = api.reviewers(issuer_id, admin)
    for token in reviewers:
        api.ok(
            "POST",
            f"/submissions/{submission_id}/reviews",
            token,
            {"score": 1, "feedback": hostile},
        )
    escaped = str(markupsafe.escape(hostile))
    for kind in ("enrollment_confirmed", "review_outcome"):
        message = outbox.one(kind, "esc@school.example.org")
        assert escaped in message["html_body"]
        assert hostile in message["text_body"]
        if "<" in hostile or '"' in hostile:
            assert hostile not in message["html_body"]
    page = client.get(f"/programs/{program_id}").data.decode()
    assert escaped in page and ("<script>" not in hostile or hostile not in page)
