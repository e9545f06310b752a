"""The rubric program field (issue 12): levels 1-4 with labels and descriptors, the Task Neutral
Rubric when the issuer writes none, carried into the next version, checked like next_steps."""

from __future__ import annotations

from typing import Any


def levels() -> list[dict[str, Any]]:
    names = ("Not yet", "Emerging", "Meets", "Leads")
    return [
        {"level": level, "label": label, "descriptor": f"Level {level}: what it looks like."}
        for level, label in enumerate(names, start=1)
    ]


def test_a_program_without_a_rubric_answers_the_task_neutral_rubric(api, district):
    issuer_id, admin = district
    created = api.program(admin, issuer_id)
    assert [(r["level"], r["label"]) for r in created["rubric"]] == [
        (1, "Beginning"),
        (2, "Developing"),
        (3, "Proficient"),
        (4, "Exemplary"),
    ]
    assert all(r["descriptor"] for r in created["rubric"])
    assert (created["rubric_is_default"], created["passing_level"]) == (True, 3)


def test_the_issuers_rubric_is_stored_in_level_order(api, district):
    issuer_id, admin = district
    given = levels()
    created = api.program(admin, issuer_id, rubric=list(reversed(given)))
    program = api.ok("GET", f"/programs/{created['id']}", admin)
    assert (program["rubric"], program["rubric_is_default"]) == (given, False)


def test_the_rubric_is_carried_into_the_next_version(api, district):
    issuer_id, admin = district
    program_id = api.approved_program(admin, issuer_id, rubric=levels())
    edited = api.ok("PATCH", f"/programs/{program_id}", admin, {"name": "Renamed"})
    assert (edited["version"], edited["rubric"]) == (2, levels())


def test_a_rubric_without_level_four_is_refused_and_nothing_changes(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    three = [*levels()[:3], {**levels()[2], "label": "Again"}]
    response = api.call("PATCH", f"/programs/{program_id}", admin, {"rubric": three})
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_fields")
    assert "rubric" in response.get_json()["message"]
    assert api.ok("GET", f"/programs/{program_id}", admin)["rubric_is_default"] is True


def test_a_label_over_sixty_characters_is_refused(api, district):
    issuer_id, admin = district
    long_label = levels()
    long_label[0]["label"] = "x" * 61
    response = api.call("POST", "/programs", admin, {**_body(issuer_id), "rubric": long_label})
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_fields")
    assert api.ok("GET", "/programs", admin)["total"] == 0


def test_a_descriptor_over_a_thousand_characters_is_refused(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    long_text = levels()
    long_text[3]["descriptor"] = "x" * 1001
    response = api.call("PATCH", f"/programs/{program_id}", admin, {"rubric": long_text})
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_fields")


def test_a_control_character_in_a_label_is_refused(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id)["id"]
    hostile = levels()
    hostile[1]["label"] = "Dev\u0007eloping"
    response = api.call("PATCH", f"/programs/{program_id}", admin, {"rubric": hostile})
    assert response.status_code == 422
    assert api.ok("GET", f"/programs/{program_id}", admin)["rubric_is_default"] is True


def test_null_returns_a_draft_to_the_default_rubric(api, district):
    issuer_id, admin = district
    program_id = api.program(admin, issuer_id, rubric=levels())["id"]
    edited = api.ok("PATCH", f"/programs/{program_id}", admin, {"rubric": None})
    assert (edited["rubric_is_default"], edited["rubric"][0]["label"]) == (True, "Beginning")


def _body(issuer_id: int) -> dict[str, Any]:
    return {
        "issuer_id": issuer_id,
        "name": "Formative Assessment",
        "description": "Uses formative assessment.",
        "criteria": "Submit a lesson analysis.",
        "competencies": ["Designs checks"],
        "estimated_hours": 10,
        "learning_methods": ["online"],
    }
