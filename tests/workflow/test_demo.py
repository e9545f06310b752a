"""`flask --app wsgi demo` (issue 2): a living system at once, seeded once, tokens fresh each run."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from issuer.models import Award, Enrollment, Program


@pytest.fixture
def seeded(runner) -> dict[str, Any]:
    result = runner.invoke(args=["demo"])
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
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    second = json.loads(again.output)
    assert second["already_seeded"] is True
    assert second["tokens"]["ptsb"] != seeded["tokens"]["ptsb"]
    get(client, f"/programs/{seeded['programs'][0]}", second["tokens"]["issuer_admin"])
    with app.extensions["issuer.services"].db.session() as session:
        after = (
            session.scalar(select(func.count(Award.id))),
            session.scalar(select(func.count(Program.id))),
        )
    assert after == before
