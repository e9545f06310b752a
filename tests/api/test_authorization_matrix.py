"""Issue 10: every API call of the README tried as each role of two issuers. An earner acts on
another earner's resources, issuer B's reviewer and admin on issuer A's, and everyone but PTSB on
PTSB's calls; each gets the 403 or 404 (with its error code) the README's table implies, and the
database is unchanged afterwards. The table is checked against the README's API table and the
app's url_map, so a call added to either without a row here fails."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from issuer.db import Base
from tests.conftest import Api
from tests.worlds import Seeded, world_fixtures

README = Path(__file__).resolve().parents[2] / "README.md"
OUTSIDERS = ("admin_b", "reviewer_b", "earner2")  # B's staff; an earner who is not earner1
NOT_PTSB = ("admin_a", "reviewer_a", "earner1", *OUTSIDERS)
WRONG_ROLE = (403, "wrong_role")
OTHER_ISSUER = (403, "other_issuer")
OTHER_EARNER = (403, "other_earner")


def everything(app: Flask) -> dict[str, list[str]]:
    """Every row of every table, as text: a refused call must leave all of it as it was."""
    session = app.extensions["issuer.services"].db.session()
    try:
        return {
            t.name: sorted(repr(tuple(row)) for row in session.execute(select(t)))
            for t in Base.metadata.sorted_tables
        }
    finally:
        session.close()


def refusals(**by_who: tuple[int, str]) -> dict[str, tuple[int, str]]:
    return by_who


def same(outcome: tuple[int, str], who: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    return dict.fromkeys(who, outcome)


PROGRAM = {
    "issuer_id": "{a}",
    "name": "Classroom Discourse",
    "description": "Leads structured academic conversations.",
    "criteria": "Submit a recorded discussion and a reflection.",
    "competencies": ["Facilitates discussion"],
    "estimated_hours": 6,
    "learning_methods": ["online"],
}
ISSUER_STAFF_ONLY = {"admin_b": OTHER_ISSUER, "reviewer_b": WRONG_ROLE, "earner2": WRONG_ROLE}
EARNERS_OWN = {"admin_b": OTHER_ISSUER, "reviewer_b": WRONG_ROLE, "earner2": OTHER_EARNER}
EARNERS_OWN_OR_STAFF = {
    "admin_b": OTHER_ISSUER,
    "reviewer_b": OTHER_ISSUER,
    "earner2": OTHER_EARNER,
}
PUBLIC = {}  # published facts (issuer profiles, approved programs, stacks) or lists filtered

# (method, path template, body, headers) -> who is refused, with (status, error code).
# An empty mapping: nobody is refused (public calls, or lists filtered to what you may see).
MATRIX: list[tuple[str, str, Any, dict[str, tuple[int, str]]]] = [
    (
        "POST",
        "/accounts",
        {"role": "reviewer", "email": "x@a.example.org", "issuer_id": "{a}"},
        ISSUER_STAFF_ONLY,
    ),
    ("POST", "/tokens", None, {}),
    ("POST", "/password-resets", {"email": "x@a.example.org"}, {}),
    ("GET", "/me", None, {}),
    (
        "POST",
        "/issuers",
        {"name": "N", "url": "https://n.example.org", "email": "a@n.example.org"},
        same(WRONG_ROLE, NOT_PTSB),
    ),
    ("GET", "/issuers", None, {}),
    ("GET", "/issuers/{a}", None, PUBLIC),
    ("PATCH", "/issuers/{a}", {"description": "Taken over"}, ISSUER_STAFF_ONLY),
    ("POST", "/issuers/{a}/keys/rotate", None, ISSUER_STAFF_ONLY),
    ("POST", "/programs", PROGRAM, ISSUER_STAFF_ONLY),
    ("GET", "/programs", None, {}),
    ("GET", "/catalog", None, PUBLIC),
    ("GET", "/programs/{draft}", None, same((404, "program_not_found"), OUTSIDERS)),
    ("PATCH", "/programs/{program}", {"name": "Hijacked"}, ISSUER_STAFF_ONLY),
    ("POST", "/programs/{draft}/submit", None, ISSUER_STAFF_ONLY),
    ("POST", "/programs/{program}/retire", None, ISSUER_STAFF_ONLY),
    ("POST", "/programs/{submitted}/approve", {"comment": "ok"}, same(WRONG_ROLE, NOT_PTSB)),
    ("POST", "/programs/{submitted}/reject", {"comment": "no"}, same(WRONG_ROLE, NOT_PTSB)),
    (
        "POST",
        "/stacks",
        {"issuer_id": "{a}", "name": "S", "description": "D", "programs": ["{program}"]},
        ISSUER_STAFF_ONLY,
    ),
    ("GET", "/stacks/{stack}", None, PUBLIC),
    ("PATCH", "/stacks/{stack}", {"name": "Hijacked"}, ISSUER_STAFF_ONLY),
    (
        "POST",
        "/earners",
        {"name": "Eve", "email": "eve@school.example.org"},
        refusals(reviewer_b=WRONG_ROLE, earner2=WRONG_ROLE),
    ),
    (
        "GET",
        "/earners?q=a",
        None,
        same(WRONG_ROLE, ("reviewer_a", "reviewer_b", "earner1", "earner2")),
    ),
    ("GET", "/enrollments", None, {}),  # filtered to what the caller may read
    ("GET", "/submissions", None, {}),  # filtered to what the caller may read
    ("GET", "/earners/{earner1}", None, EARNERS_OWN),
    (
        "PATCH",
        "/earners/{earner1}",
        {"license_number": "EVIL-1"},
        {"admin_a": WRONG_ROLE, **EARNERS_OWN, "admin_b": WRONG_ROLE},
    ),
    ("POST", "/earners/{earner1}/prior-training", {"description": "CDD"}, ISSUER_STAFF_ONLY),
    ("GET", "/earners/{earner1}/awards", None, EARNERS_OWN),
    (
        "GET",
        "/earners/{earner1}/clr",
        None,
        {
            **same(WRONG_ROLE, ("admin_a", "reviewer_a", "admin_b", "reviewer_b")),
            "earner2": OTHER_EARNER,
        },
    ),
    (
        "POST",
        "/earners/{earner1}/clr/wallet-offers",
        None,
        {
            **same(WRONG_ROLE, ("admin_a", "reviewer_a", "admin_b", "reviewer_b")),
            "earner2": OTHER_EARNER,
        },
    ),
    (
        "POST",
        "/programs/{second}/enrollments",
        {"earner_id": "{earner1}", "learning_method": "online"},
        EARNERS_OWN,
    ),
    ("GET", "/enrollments/{enrolled}", None, EARNERS_OWN_OR_STAFF),
    ("PATCH", "/enrollments/{enrolled}", {"learning_method": "face_to_face"}, EARNERS_OWN),
    ("POST", "/enrollments/{enrolled}/withdraw", None, EARNERS_OWN),
    (
        "POST",
        "/enrollments/{enrolled}/submissions",
        {"narrative": "Not mine"},
        EARNERS_OWN,
    ),
    ("GET", "/submissions/{submission}", None, EARNERS_OWN_OR_STAFF),
    ("GET", "/evidence/{evidence}", None, {**EARNERS_OWN_OR_STAFF, "ptsb": WRONG_ROLE}),
    (
        "POST",
        "/submissions/{submission}/reviews",
        {"score": 4, "feedback": "Fine"},
        {"admin_b": WRONG_ROLE, "reviewer_b": OTHER_ISSUER, "earner2": WRONG_ROLE},
    ),
    ("POST", "/enrollments/{passed}/complete", None, ISSUER_STAFF_ONLY),
    ("POST", "/issuers/{a}/review-cycles", {"closes_on": "2099-12-31"}, ISSUER_STAFF_ONLY),
    ("GET", "/issuers/{a}/review-cycles", None, ISSUER_STAFF_ONLY),
    ("GET", "/review-cycles/{cycle}", None, ISSUER_STAFF_ONLY),
    ("POST", "/review-cycles/{cycle}/assign", None, ISSUER_STAFF_ONLY),
    (
        "PUT",
        "/submissions/{submission}/reviewers",
        {"reviewer_ids": "{reviewer_ids}"},
        ISSUER_STAFF_ONLY,
    ),
    ("GET", "/reviews/queue", None, {"admin_b": WRONG_ROLE, "earner2": WRONG_ROLE}),
    ("GET", "/awards/{award}", None, EARNERS_OWN),
    ("POST", "/awards/{award}/revoke", {"reason": "Hostile"}, ISSUER_STAFF_ONLY),
    ("POST", "/awards/{award}/wallet-offers", None, EARNERS_OWN),
    ("GET", "/ptsb/notices", None, same(WRONG_ROLE, NOT_PTSB)),
    (
        "POST",
        "/ptsb/notices/{notice}/acknowledge",
        {"license_number": "TN-1", "certificate_reference": "C-1"},
        same(WRONG_ROLE, NOT_PTSB),
    ),
    ("GET", "/audit", None, same(WRONG_ROLE, NOT_PTSB)),
    ("POST", "/verify", None, {}),
    (
        "POST",
        "/webhooks/subscriptions",
        {"url": "https://pd.example.org/hook", "event_types": ["award.issued"], "issuer_id": "{a}"},
        ISSUER_STAFF_ONLY,
    ),
    ("GET", "/webhooks/subscriptions?issuer_id={a}", None, ISSUER_STAFF_ONLY),
    ("GET", "/webhooks/subscriptions/{subscription}", None, ISSUER_STAFF_ONLY),
    ("DELETE", "/webhooks/subscriptions/{subscription}", None, ISSUER_STAFF_ONLY),
    ("GET", "/webhooks/subscriptions/{subscription}/deliveries", None, ISSUER_STAFF_ONLY),
    (
        "POST",
        "/webhooks/subscriptions/{subscription}/replay",
        {"since": "2020-01-01T00:00:00Z"},
        ISSUER_STAFF_ONLY,
    ),
    (
        "POST",
        "/issuers/{a}/imports",
        [{"email": "z@school.example.org", "name": "Z"}],
        ISSUER_STAFF_ONLY,
    ),
    ("POST", "/issuers/{a}/completions", {"all_passed": True}, ISSUER_STAFF_ONLY),
    ("GET", "/exports/completions?format=json&issuer_id={a}", None, ISSUER_STAFF_ONLY),
    ("GET", "/mail/messages", None, same(WRONG_ROLE, ("reviewer_a", "earner1", *OUTSIDERS[1:]))),
    (
        "GET",
        "/mail/suppressions",
        None,
        same(WRONG_ROLE, ("reviewer_a", "earner1", *OUTSIDERS[1:])),
    ),
    (
        "DELETE",
        "/mail/suppressions/{bounced}",
        None,
        {
            "admin_b": (404, "suppression_not_found"),
            **same(WRONG_ROLE, ("reviewer_a", "earner1", *OUTSIDERS[1:])),
        },
    ),
]


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


World = tuple[dict[str, str], dict[str, Any]]


def build_world(api: Api) -> World:
    """Issuers A and B and every kind of resource of A's; built once per worker, each test
    gets a copy."""
    a, admin_a = api.issuer("Issuer A")
    b, admin_b = api.issuer("Issuer B")
    reviewers_a = api.reviewers(a, admin_a)
    program = api.approved_program(admin_a, a)
    second = api.approved_program(admin_a, a, name="Questioning Strategies")
    third = api.approved_program(admin_a, a, name="Classroom Culture")
    draft = api.program(admin_a, a, name="Draft program")["id"]
    submitted = api.program(admin_a, a, name="Submitted program")["id"]
    api.ok("POST", f"/programs/{submitted}/submit", admin_a, status=200)
    stack = api.ok(
        "POST",
        "/stacks",
        admin_a,
        {"issuer_id": a, "name": "Stack", "description": "D", "programs": [program, second]},
    )["id"]
    earner1 = api.earner(admin_a, email="grace@school.example.org")
    completed, _ = api.passed_enrollment(admin_a, a, program, earner1)
    award = api.complete(admin_a, completed)["id"]
    enrolled = api.enrol(admin_a, third, earner1)
    submission = api.submit(admin_a, api.enrol(admin_a, second, api.earner(admin_a)))
    evidence = _evidence_file(api, admin_a, api.enrol(admin_a, second, api.earner(admin_a)))
    passed, _ = api.passed_enrollment(admin_a, a, third)
    cycle = api.ok("POST", f"/issuers/{a}/review-cycles", admin_a, {"closes_on": "2099-11-30"})
    api.ok("POST", f"/review-cycles/{cycle['id']}/assign", admin_a, status=200)
    reviewer_ids = [
        r["id"]
        for r in api.ok("GET", f"/review-cycles/{cycle['id']}", admin_a)["submissions"][0][
            "reviewers"
        ]
    ]
    api.earner(admin_a, email="alan@school.example.org")
    subscription = api.ok(
        "POST",
        "/webhooks/subscriptions",
        admin_a,
        {"url": "https://pd.example.org/hook", "event_types": ["award.issued"]},
    )["id"]
    api.ok("POST", "/accounts", admin_a, {"role": "earner", "email": "bounced@a.example.org"})
    _suppress(api.client.application, "bounced@a.example.org")
    tokens = {
        "ptsb": api.ptsb,
        "admin_a": admin_a,
        "admin_b": admin_b,
        "reviewer_a": reviewers_a[0],
        "reviewer_b": api.account("reviewer", b, token=admin_b),
        "earner1": api.account("earner", email="grace@school.example.org"),
        "earner2": api.account("earner", email="alan@school.example.org"),
    }
    ids = {
        "a": a,
        "b": b,
        "program": program,
        "second": second,
        "draft": draft,
        "submitted": submitted,
        "stack": stack,
        "earner1": earner1,
        "award": award,
        "enrolled": enrolled,
        "submission": submission,
        "evidence": evidence,
        "passed": passed,
        "cycle": cycle["id"],
        "reviewer_ids": reviewer_ids,
        "notice": api.ok("GET", "/ptsb/notices", api.ptsb)["items"][0]["id"],
        "subscription": subscription,
        "bounced": "bounced@a.example.org",
    }
    return tokens, ids


seeded_world, settings, api = world_fixtures(build_world)


@pytest.fixture
def world(seeded_world: Seeded[World]) -> World:
    return copy.deepcopy(seeded_world.value)


def _evidence_file(api: Api, admin: str, enrollment_id: int) -> int:
    """A file of another earner's submission of issuer A's (issue 12)."""
    import io

    from tests.conftest import PNG_1X1

    response = api.call(
        "POST",
        f"/enrollments/{enrollment_id}/submissions",
        admin,
        data={"narrative": "With a photo", "files": [(io.BytesIO(PNG_1X1), "photo.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["files"][0]["id"]  # type: ignore[no-any-return]


def _suppress(app: Flask, address: str) -> None:
    """An address of issuer A's that bounced (issue 11): only A's admins and PTSB may clear it."""
    from datetime import UTC, datetime

    from issuer.models import MailSuppression

    with app.extensions["issuer.services"].db.transaction() as session:
        session.add(MailSuppression(address=address, reason="550", created_at=datetime.now(UTC)))


CASES = [
    pytest.param(method, path, body, refused, id=f"{method} {path}")
    for method, path, body, refused in MATRIX
]


@pytest.mark.parametrize(("method", "path", "body", "refused"), CASES)
def test_outsiders_are_refused_and_nothing_changes(api, app, world, method, path, body, refused):
    tokens, ids = world
    url = path.format(**ids)
    problems = []
    for who, (status, code) in refused.items():
        before = everything(app)
        response = api.call(
            method, url, tokens[who], _fill(body, ids), headers={"Idempotency-Key": f"m-{who}"}
        )
        answer = response.get_json(silent=True) or {}
        if (response.status_code, answer.get("error")) != (status, code):
            problems.append(f"{who}: {response.status_code} {answer} (expected {status} {code})")
        elif everything(app) != before:
            problems.append(f"{who}: refused, but the database changed")
    assert not problems, "\n".join(problems)


# --- the table covers every call: the app's and the README's ---------------------------------

_PARAM = re.compile(r"<(?:\w+:)?\w+>|\{\w*\}")
_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def _key(method: str, path: str) -> tuple[str, str]:
    """A call as (METHOD, path) with every path parameter written ``{}`` and no query."""
    path = re.split(r"[?\[]", path, maxsplit=1)[0]
    return method, _PARAM.sub("{}", path)


def readme_calls() -> set[tuple[str, str]]:
    """Every call of the README's API table (``| call | who |``), shorthand expanded:
    "`GET`, `PATCH /api/v1/issuers/{id}`" is two calls, "`POST …/submit`" extends the last path."""
    text = README.read_text(encoding="utf-8")
    table = text.split("| call | who |", 1)[1].split("\n\n", 1)[0]
    calls: set[tuple[str, str]] = set()
    for row in table.splitlines()[2:]:
        cell = row.split(" | ")[0]
        pending: list[str] = []
        base = method = ""
        for span in re.findall(r"`([^`]*)`", cell):
            span = span.replace("\\|", "|")
            if span in _METHODS:
                pending.append(span)
                continue
            found = re.match(r"^(?:(GET|POST|PATCH|PUT|DELETE) )?(/api/v1/\S+|…/\S+)", span)
            if not found:
                continue
            method = found.group(1) or method
            path = found.group(2)
            if path.startswith("…"):
                path = base + path[1:]
            else:
                base = re.sub(r"(\{\w+\}).*", r"\1", path)
            for each in (*pending, method):
                calls.add(_key(each, path))
            pending = []
    return calls


def app_calls(app: Flask) -> set[tuple[str, str]]:
    return {
        _key(method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def matrix_calls() -> set[tuple[str, str]]:
    return {_key(method, "/api/v1" + path) for method, path, _, _ in MATRIX}


def test_every_call_of_the_app_has_a_row_in_the_matrix(app):
    assert app_calls(app) - matrix_calls() == set()


def test_every_row_of_the_matrix_is_a_call_of_the_app(app):
    assert matrix_calls() - app_calls(app) == set()


def test_every_call_of_the_readme_has_a_row_in_the_matrix():
    assert readme_calls() - matrix_calls() == set()


def test_every_call_of_the_app_is_in_the_readme(app):
    assert app_calls(app) - readme_calls() == set()
