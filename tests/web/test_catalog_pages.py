"""The catalog page ``/programs`` and the Badge Specification Sheet ``/programs/{id}`` (issue 12)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import set_password, sign_in

ALIGNED = [{"target_name": "InTASC 6", "target_url": "https://ccsso.example.org/intasc/6"}]


@pytest.fixture
def offered(api, district) -> dict[str, Any]:
    issuer_id, admin = district
    foundations = api.approved_program(admin, issuer_id, name="PL Foundations")
    coaching = api.approved_program(
        admin, issuer_id, name="Peer Coaching", prerequisites=[foundations]
    )
    leading = api.approved_program(
        admin,
        issuer_id,
        name="Leading Assessment",
        prerequisites=[coaching],
        alignments=ALIGNED,
        learning_methods=["online", "own_path"],
        next_steps={"online": "Join the Tuesday cohort with code 4411."},
    )
    draft = api.program(admin, issuer_id, name="Unfinished Draft")["id"]
    api.ok(
        "POST",
        "/stacks",
        admin,
        {
            "issuer_id": issuer_id,
            "name": "Assessment Leader",
            "description": "D",
            "programs": [foundations, leading],
        },
    )
    return {
        "issuer": issuer_id,
        "admin": admin,
        "foundations": foundations,
        "coaching": coaching,
        "leading": leading,
        "draft": draft,
    }


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.data.decode()


def card_titles(html: str) -> list[str]:
    return re.findall(r'class="usa-card__heading"><a href="[^"]+">([^<]+)</a>', html)


# --- the catalog ---------------------------------------------------------------------------------


def test_the_catalog_shows_approved_programs_as_cards(client, offered):
    assert card_titles(page(client, "/programs")) == [
        "Leading Assessment",
        "Peer Coaching",
        "PL Foundations",
    ]


def test_a_catalog_card_names_issuer_hours_and_methods(client, offered):
    html = page(client, "/programs?q=leading")
    for fact in ("Metro School District", "About 10 hours", "0.5 credit hours", "On your own path"):
        assert fact in html, fact


def test_the_search_keeps_its_words_in_the_box(client, offered):
    html = page(client, "/programs?q=coach")
    assert card_titles(html) == ["Peer Coaching"]
    assert 'name="q" type="search" maxlength="200" value="coach"' in html


def test_the_filters_survive_in_the_url_and_stay_selected(client, offered):
    html = page(client, "/programs?learning_method=own_path&alignment=InTASC+6")
    assert card_titles(html) == ["Leading Assessment"]
    assert '<option value="own_path" selected>' in html
    assert '<option value="InTASC 6" selected>' in html
    assert 'method="get"' in html


def test_the_issuer_filter_offers_issuers_with_programs(client, offered):
    html = page(client, f"/programs?issuer_id={offered['issuer']}")
    assert f'<option value="{offered["issuer"]}" selected>Metro School District</option>' in html


def test_drafts_are_not_in_the_catalog(client, offered):
    assert "Unfinished Draft" not in page(client, "/programs")


def test_no_match_shows_the_empty_state(client, offered):
    html = page(client, "/programs?q=astronomy")
    assert "No micro-credential matches" in html and card_titles(html) == []


def test_an_unknown_filter_value_is_a_page_with_an_error_not_json(client, offered):
    response = client.get("/programs?learning_method=telepathy")
    html = response.data.decode()
    assert (response.status_code, response.mimetype) == (400, "text/html")
    assert "usa-alert--error" in html and "learning method" in html


def test_stacks_are_listed_with_their_programs(client, offered):
    html = page(client, "/programs")
    stack = html[html.index("Assessment Leader") :]
    assert stack.index("PL Foundations") < stack.index("Leading Assessment")


def test_the_catalog_is_paginated_keeping_the_filters(api, client, district):
    issuer_id, admin = district
    for n in range(13):
        api.approved_program(admin, issuer_id, name=f"Module {n:02d}")
    first = page(client, "/programs?q=module")
    assert len(card_titles(first)) == 12
    assert 'href="/programs?q=module&amp;page=2"' in first
    assert card_titles(page(client, "/programs?q=module&page=2")) == ["Module 12"]


# --- the specification sheet ---------------------------------------------------------------------


def test_the_sheet_shows_the_prerequisite_chain_earliest_first(client, offered):
    html = page(client, f"/programs/{offered['leading']}")
    chain = re.search(r"<p>(Earn .*?)</p>", html).group(1)
    text = re.sub(r"<[^>]+>", "", chain)
    assert text == "Earn PL Foundations first, then Earn Peer Coaching first."
    assert f'href="https://badges.test/programs/{offered["foundations"]}"' in chain


def test_the_sheet_shows_the_default_rubric_and_what_passes(client, offered):
    html = page(client, f"/programs/{offered['leading']}")
    for level in ("1 Beginning", "2 Developing", "3 Proficient", "4 Exemplary"):
        assert level in html, level
    assert "A score of 3 or more passes." in html


def test_the_sheet_shows_the_issuers_own_rubric(api, client, district):
    issuer_id, admin = district
    rubric = [
        {"level": n, "label": f"Stage {n}", "descriptor": f"Descriptor number {n}."}
        for n in range(1, 5)
    ]
    program_id = api.approved_program(admin, issuer_id, rubric=rubric)
    html = page(client, f"/programs/{program_id}")
    assert "4 Stage 4" in html and "Descriptor number 4." in html and "Exemplary" not in html


def test_the_sheet_shows_the_approval_with_its_endorsement(client, offered):
    html = page(client, f"/programs/{offered['leading']}")
    assert "Its comment: “Meets standards”" in html
    assert re.search(r"Standards Board on \d{1,2} [A-Z][a-z]+ \d{4}\.", html)
    assert f"/ob2/endorsements/programs/{offered['leading']}/v1" in html


def test_the_sheet_links_the_badge_documents_and_image(client, offered):
    html = page(client, f"/programs/{offered['leading']}")
    pid = offered["leading"]
    for link in (
        f"/ob2/programs/{pid}/v1",
        f"/ob3/programs/{pid}/v1",
        f"/ob2/programs/{pid}/v1/image.png",
    ):
        assert f'"https://badges.test{link}"' in html, link


def test_the_sheet_names_its_stacks(client, offered):
    html = page(client, f"/programs/{offered['foundations']}")
    assert "Stacks it belongs to" in html and "Assessment Leader" in html


def test_the_sheet_shows_each_methods_next_steps(client, offered):
    html = page(client, f"/programs/{offered['leading']}")
    assert "Join the Tuesday cohort with code 4411." in html


def test_a_visitor_is_asked_to_sign_in_to_enrol(client, offered):
    html = page(client, f"/programs/{offered['leading']}")
    assert "Sign in to enrol" in html and "/learning/enrol/" not in html


def test_a_signed_in_educator_gets_the_enrol_form(api, client, offered):
    email = "enrolling@school.example.org"
    api.earner(offered["admin"], email=email)
    api.ok("POST", "/accounts", api.ptsb, {"role": "earner", "email": email})
    set_password(client, api.password_link(email))
    sign_in(client, email)
    html = page(client, f"/programs/{offered['leading']}")
    form = html[html.index(f'action="/learning/enrol/{offered["leading"]}"') - 40 :]
    assert 'method="post"' in form and 'name="csrf_token"' in form
    radios = re.findall(r'type="radio" name="learning_method" value="([a-z_]+)"', form)
    assert radios == ["online", "own_path"]


def test_the_sheet_of_a_draft_is_not_found(client, offered):
    assert client.get(f"/programs/{offered['draft']}").status_code == 404
