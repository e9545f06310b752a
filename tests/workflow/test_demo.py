"""`flask --app wsgi demo` (issue 2): a living system at once, seeded once, tokens fresh each run."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from issuer.models import Award, Enrollment, Program


@pytest.fixture
def seeded(runner) -> dict[str, Any]:
    result = runner.invoke(args=["demo", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def get(client, path: str, token: str) -> Any:
    response = client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, (path, response.get_json())
    return response.get_json()


def statuses(app, earner_id: int) -> list[str]:
    with app.extensions["issuer.services"].db.session() as session:
        rows = session.scalars(select(Enrollment.status).where(Enrollment.earner_id == earner_id))
        return sorted(rows)


def test_demo_seeds_four_approved_programs_behind_pl_foundations_and_a_stack(client, seeded):
    ptsb = seeded["tokens"]["ptsb"]
    programs = [get(client, f"/programs/{pid}", ptsb) for pid in seeded["programs"]]
    assert [p["status"] for p in programs] == ["approved"] * 4
    assert programs[0]["name"] == "PL Foundations"
    foundations = seeded["programs"][0]
    assert all(p["prerequisites"] == [foundations] for p in programs[1:])
    stack = get(client, f"/stacks/{seeded['stack_id']}", ptsb)
    assert stack["programs"] == seeded["programs"][:3]


def test_demo_educators_are_at_different_stages(app, client, seeded):
    maria, james, priya, lee = seeded["earners"]
    assert statuses(app, maria) == ["completed"] * 3
    assert statuses(app, james) == ["completed", "in_review"]
    assert statuses(app, priya) == ["completed", "needs_revision"]
    assert statuses(app, lee) == ["enrolled"]


def test_demo_awards_carry_credit_hours_and_the_stack_credential(client, seeded):
    ptsb = seeded["tokens"]["ptsb"]
    maria = get(client, f"/earners/{seeded['earners'][0]}/awards", ptsb)
    assert len(maria["awards"]) == 4  # three micro-credentials and the stack credential
    assert maria["credit_hours_total"] == 1.5
    james = get(client, f"/earners/{seeded['earners'][1]}/awards", ptsb)
    assert james["credit_hours_total"] == 0.5


def test_demo_has_pending_and_acknowledged_ptsb_notices(client, seeded):
    ptsb = seeded["tokens"]["ptsb"]
    acknowledged = get(client, "/ptsb/notices?status=acknowledged", ptsb)["items"]
    pending = get(client, "/ptsb/notices?status=pending", ptsb)["items"]
    assert len(acknowledged) == 1
    assert acknowledged[0]["certificate_reference"] == "PTSB-MC-0001"
    assert len(pending) >= 4


def test_demo_award_is_published_at_its_public_urls(client, seeded):
    ptsb = seeded["tokens"]["ptsb"]
    award = get(client, f"/earners/{seeded['earners'][0]}/awards", ptsb)["awards"][0]
    assertion = client.get(award["ob2"]["assertion"].removeprefix("https://badges.test"))
    credential = client.get(award["ob3"]["credential"].removeprefix("https://badges.test"))
    assert assertion.status_code == credential.status_code == 200
    assert credential.get_json()["type"] == ["VerifiableCredential", "OpenBadgeCredential"]


def test_second_run_only_mints_fresh_tokens(app, client, runner, seeded):
    with app.extensions["issuer.services"].db.session() as session:
        before = (
            session.scalar(select(func.count(Award.id))),
            session.scalar(select(func.count(Program.id))),
        )
    again = runner.invoke(args=["demo", "--json"])
    assert again.exit_code == 0, again.output
    second = json.loads(again.output)
    assert second["already_seeded"] is True
    assert second["tokens"]["ptsb"] != seeded["tokens"]["ptsb"]
    get(client, f"/programs/{seeded['programs'][0]}", second["tokens"]["issuer_admin"])
    # A fresh token replaces the account's earlier one: a shown-once secret does not linger.
    stale = client.get(
        "/api/v1/ptsb/notices", headers={"Authorization": f"Bearer {seeded['tokens']['ptsb']}"}
    )
    assert stale.status_code == 401
    with app.extensions["issuer.services"].db.session() as session:
        after = (
            session.scalar(select(func.count(Award.id))),
            session.scalar(select(func.count(Program.id))),
        )
    assert after == before


def test_demo_names_whose_each_token_is_including_a_reviewer(client, seeded):
    people = {p["email"]: p for p in seeded["people"]}
    reviewer = people["reviewer1@riverside.example.org"]
    assert reviewer["role"] == "reviewer" and "reviewer" in reviewer["who"]
    assert seeded["tokens"]["reviewer"] == reviewer["token"]
    # Each token is the named person's: the earner's reads Maria's own awards.
    maria = people["maria.alvarez@riverside.example.org"]
    assert maria["role"] == "earner" and "Maria Alvarez" in maria["who"]
    own = get(client, f"/earners/{seeded['earners'][0]}/awards", maria["token"])
    assert len(own["awards"]) == 4


def test_demo_gives_every_seeded_person_a_password_link_that_opens(client, seeded):
    assert len(seeded["people"]) == 9  # PTSB, facilitator, three reviewers, four educators
    for person in seeded["people"]:
        link = person["password_link"]
        assert link.startswith(seeded["base_url"] + "/account/password")
        page = client.get(link.removeprefix(seeded["base_url"]))
        assert page.status_code == 200, person["email"]


def test_demo_lists_awards_to_open_at_the_base_url_it_baked_in(client, seeded):
    assert seeded["base_url"] == "https://badges.test"
    assert len(seeded["awards"]) == 4
    for award in seeded["awards"]:
        assert award["verify_url"].startswith(seeded["base_url"] + "/")
        page = client.get(
            award["verify_url"].removeprefix(seeded["base_url"]), headers={"Accept": "text/html"}
        )
        assert page.status_code == 200
        assert award["badge"] in page.get_data(as_text=True)


def test_demo_text_says_base_url_is_baked_in_and_how_to_change_it(runner, seeded):
    text = runner.invoke(args=["demo"]).output
    assert "BASE_URL = https://badges.test" in text
    assert "set BASE_URL before the first" in text
    assert "reviewer1@riverside.example.org" in text and "API token:" in text


def test_demo_leaves_its_messages_to_open_as_eml_files(app, seeded):
    """Issue 11: without SMTP_HOST the demo's messages are delivered into instance/mail/."""
    folder = app.extensions["issuer.services"].settings.instance_dir / "mail"
    written = list(folder.glob("*.eml"))
    assert written and seeded["mail"]["sent"] == len(written)
    assert str(folder) in seeded["mail"]["to"]
