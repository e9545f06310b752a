"""Issue 10: an educator's record is theirs and PTSB's. Registering a known email answers the record
unchanged; only PTSB or the educator change name or license number; an issuer admin reads only
the educators of their issuer, and only their issuer's awards."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from issuer.db import Base
from tests.conftest import Api

EMAIL = "grace@school.example.org"


def earner_row(app: Flask, earner_id: int) -> dict[str, Any]:
    table = Base.metadata.tables["earners"]
    session = app.extensions["issuer.services"].db.session()
    try:
        row = session.execute(select(table).where(table.c.id == earner_id)).one()
        return dict(row._mapping)
    finally:
        session.close()


@pytest.fixture
def two(api: Api) -> dict[str, Any]:
    """Issuer A's educator Grace (no license number yet) and issuer B's admin."""
    a, admin_a = api.issuer("Issuer A")
    b, admin_b = api.issuer("Issuer B")
    grace = api.earner(admin_a, email=EMAIL, name="Grace Hopper", position="Teacher")
    return {"a": a, "admin_a": admin_a, "b": b, "admin_b": admin_b, "grace": grace}


@pytest.mark.parametrize(
    "fields",
    [
        {"license_number": "EVIL-1"},
        {"name": "Someone Else", "position": "Principal"},
    ],
    ids=["license_number", "name-position"],
)
def test_registering_a_known_email_returns_the_record_unchanged(api, app, two, fields):
    before = earner_row(app, two["grace"])
    body = {"name": "Grace H.", "email": EMAIL.upper(), **fields}
    answer = api.ok("POST", "/earners", two["admin_b"], body, status=200)
    assert answer["id"] == two["grace"]
    assert (answer["name"], answer["license_number"]) == ("Grace Hopper", None)
    assert earner_row(app, two["grace"]) == before


def test_another_issuers_license_number_never_reaches_award_issued(api, app, two):
    api.ok(
        "POST",
        "/earners",
        two["admin_b"],
        {"name": "G", "email": EMAIL, "license_number": "EVIL-1"},
        status=200,
    )
    program = api.approved_program(two["admin_a"], two["a"])
    enrollment, _ = api.passed_enrollment(two["admin_a"], two["a"], program, two["grace"])
    api.complete(two["admin_a"], enrollment)
    outbox = Base.metadata.tables["webhook_events"]
    session = app.extensions["issuer.services"].db.session()
    try:
        payloads = [body.decode() for body in session.scalars(select(outbox.c.body))]
    finally:
        session.close()
    assert [p for p in payloads if '"award.issued"' in p]
    assert not [p for p in payloads if "EVIL-1" in p]


@pytest.mark.parametrize("who", ["ptsb", "earner"])
def test_ptsb_or_the_educator_change_name_and_license_number(api, app, two, who):
    token = api.ptsb if who == "ptsb" else api.account("earner", email=EMAIL)
    body = {"name": "Grace B. Hopper", "license_number": "TN-42"}
    answer = api.ok("PATCH", f"/earners/{two['grace']}", token, body, status=200)
    assert (answer["name"], answer["license_number"]) == ("Grace B. Hopper", "TN-42")
    row = earner_row(app, two["grace"])
    assert (row["name"], row["license_number"]) == ("Grace B. Hopper", "TN-42")


@pytest.mark.parametrize(
    ("who", "code"),
    [("admin_a", "wrong_role"), ("admin_b", "wrong_role"), ("other_earner", "other_earner")],
)
def test_nobody_else_changes_an_educators_record(api, app, two, who, code):
    if who == "other_earner":
        api.earner(two["admin_a"], email="alan@school.example.org")
        token = api.account("earner", email="alan@school.example.org")
    else:
        token = two[who]
    before = earner_row(app, two["grace"])
    refused = api.call("PATCH", f"/earners/{two['grace']}", token, {"license_number": "EVIL-1"})
    assert (refused.status_code, refused.get_json()["error"]) == (403, code)
    assert earner_row(app, two["grace"]) == before


def test_admin_of_an_unrelated_issuer_cannot_read_the_educator(api, two):
    refused = api.call("GET", f"/earners/{two['grace']}", two["admin_b"])
    assert (refused.status_code, refused.get_json()["error"]) == (403, "other_issuer")


def test_admin_of_an_unrelated_issuer_cannot_read_the_educators_awards(api, two):
    refused = api.call("GET", f"/earners/{two['grace']}/awards", two["admin_b"])
    assert (refused.status_code, refused.get_json()["error"]) == (403, "other_issuer")


def test_admin_who_registered_a_known_educator_may_read_the_record(api, two):
    api.ok("POST", "/earners", two["admin_b"], {"name": "G", "email": EMAIL}, status=200)
    assert api.ok("GET", f"/earners/{two['grace']}", two["admin_b"])["id"] == two["grace"]


def test_admin_sees_only_their_issuers_awards_of_a_shared_educator(api, two):
    program_a = api.approved_program(two["admin_a"], two["a"], credit_hours=1.5)
    program_b = api.approved_program(two["admin_b"], two["b"], name="Questioning")
    award_a = api.complete(
        two["admin_a"], api.passed_enrollment(two["admin_a"], two["a"], program_a, two["grace"])[0]
    )
    award_b = api.complete(
        two["admin_b"], api.passed_enrollment(two["admin_b"], two["b"], program_b, two["grace"])[0]
    )
    seen_by_b = api.ok("GET", f"/earners/{two['grace']}/awards", two["admin_b"])
    assert [a["id"] for a in seen_by_b["awards"]] == [award_b["id"]]
    assert seen_by_b["credit_hours_total"] == 0.5
    everything = {award_a["id"], award_b["id"]}
    for token in (api.ptsb, api.account("earner", email=EMAIL)):
        portfolio = api.ok("GET", f"/earners/{two['grace']}/awards", token)
        assert {a["id"] for a in portfolio["awards"]} == everything
    refused = api.call("GET", f"/awards/{award_a['id']}", two["admin_b"])
    assert (refused.status_code, refused.get_json()["error"]) == (403, "other_issuer")


def test_admin_of_an_unrelated_issuer_cannot_record_prior_training_by_id(api, app, two):
    before = earner_row(app, two["grace"])
    body = {"description": "CDD"}
    refused = api.call("POST", f"/earners/{two['grace']}/prior-training", two["admin_b"], body)
    assert (refused.status_code, refused.get_json()["error"]) == (403, "other_issuer")
    assert earner_row(app, two["grace"]) == before
    still = api.call("GET", f"/earners/{two['grace']}", two["admin_b"])
    assert still.status_code == 403
