"""``GET /api/v1/catalog`` (SPEC §8): every issuer's approved programs and stacks, without a token,
searched and filtered like the ``/programs`` page; unknown filter values answer 422."""

from __future__ import annotations

from typing import Any

import pytest

ALIGNED = [{"target_name": "InTASC 6", "target_url": "https://ccsso.example.org/intasc/6"}]


@pytest.fixture
def two_issuers(api) -> dict[str, Any]:
    metro, metro_admin = api.issuer("Metro School District")
    valley, valley_admin = api.issuer("Valley Schools")
    found = api.approved_program(metro_admin, metro, name="PL Foundations")
    assessment = api.approved_program(
        metro_admin, metro, name="Formative Assessment", alignments=ALIGNED
    )
    online = api.approved_program(
        valley_admin, valley, name="Online Discourse", learning_methods=["online"]
    )
    draft = api.program(metro_admin, metro, name="Secret Draft")["id"]
    stack = api.ok(
        "POST",
        "/stacks",
        metro_admin,
        {
            "issuer_id": metro,
            "name": "Assessment Leader",
            "description": "D",
            "programs": [found, assessment],
        },
    )["id"]
    return {
        "metro": metro,
        "valley": valley,
        "found": found,
        "assessment": assessment,
        "online": online,
        "draft": draft,
        "stack": stack,
    }


def catalog(api, query: str = "") -> Any:
    return api.call("GET", f"/catalog{query}", None)


def test_the_catalog_lists_approved_programs_of_every_issuer_without_a_token(api, two_issuers):
    body = catalog(api).get_json()
    names = [p["name"] for p in body["items"]]
    assert (names, body["total"]) == (
        ["Formative Assessment", "Online Discourse", "PL Foundations"],
        3,
    )


def test_a_catalog_entry_carries_its_issuer_hours_methods_and_badge_links(api, two_issuers):
    entry = catalog(api, "?q=online").get_json()["items"][0]
    assert entry["issuer"] == {"id": two_issuers["valley"], "name": "Valley Schools"}
    assert (entry["estimated_hours"], entry["learning_methods"]) == (10, ["online"])
    assert entry["url"].endswith(f"/programs/{two_issuers['online']}")
    assert entry["badge"]["ob2"].endswith(f"/ob2/programs/{two_issuers['online']}/v1")


def test_the_search_matches_words_of_the_name_in_any_case(api, two_issuers):
    assert [p["id"] for p in catalog(api, "?q=FORMATIVE").get_json()["items"]] == [
        two_issuers["assessment"]
    ]


def test_the_issuer_filter_keeps_that_issuers_programs_and_stacks(api, two_issuers):
    body = catalog(api, f"?issuer_id={two_issuers['valley']}").get_json()
    assert ([p["id"] for p in body["items"]], body["stacks"]) == ([two_issuers["online"]], [])


def test_the_learning_method_filter_keeps_programs_offering_it(api, two_issuers):
    body = catalog(api, "?learning_method=face_to_face").get_json()
    assert {p["id"] for p in body["items"]} == {two_issuers["found"], two_issuers["assessment"]}


def test_the_alignment_filter_matches_the_target_name(api, two_issuers):
    body = catalog(api, "?alignment=InTASC%206").get_json()
    assert [p["id"] for p in body["items"]] == [two_issuers["assessment"]]


def test_stacks_come_with_their_programs_in_order(api, two_issuers):
    (stack,) = catalog(api).get_json()["stacks"]
    assert (stack["name"], [p["name"] for p in stack["programs"]]) == (
        "Assessment Leader",
        ["PL Foundations", "Formative Assessment"],
    )


def test_drafts_stay_out_of_the_catalog(api, two_issuers):
    body = catalog(api, "?q=secret").get_json()
    assert (body["items"], body["total"]) == ([], 0)


def test_the_catalog_is_paginated_with_the_total(api, two_issuers):
    body = catalog(api, "?limit=1&offset=1").get_json()
    assert ([p["name"] for p in body["items"]], body["total"]) == (["Online Discourse"], 3)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?learning_method=telepathy", "learning_method"),
        ("?issuer_id=abc", "issuer_id"),
        ("?issuer_id=999999", "issuer_id"),
        ("?alignment=Nobody%20aligns", "alignment"),
        ("?limit=201", "limit"),
    ],
)
def test_an_unknown_filter_value_answers_422_naming_it(api, two_issuers, query, field):
    response = catalog(api, query)
    assert (response.status_code, response.get_json()["error"]) == (422, "invalid_fields")
    assert field in response.get_json()["message"]
