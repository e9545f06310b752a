"""The shared Jinja macros (issuer/web/templates/macros/) the pages build their forms and lists from."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def render(app):
    def rendering(source: str, **context: object) -> str:
        with app.test_request_context("/"):
            return app.jinja_env.from_string(source).render(**context)

    return rendering


FIELD = '{% from "macros/forms.html" import field %}'


def test_a_field_ties_its_hint_and_error_to_the_control(render):
    html = render(
        FIELD
        + '{{ field("email", "Email", hint="The one you sign in with", error="Enter an email") }}'
    )
    control = re.search(r"<input[^>]*>", html).group(0)
    assert (
        'aria-describedby="email-hint email-error"' in control and 'aria-invalid="true"' in control
    )
    assert (
        '<span class="usa-error-message" id="email-error" role="alert">Enter an email</span>'
        in html
    )
    assert '<label class="usa-label usa-label--error" for="email">Email</label>' in html


def test_a_field_without_error_is_not_marked_invalid(render):
    html = render(FIELD + '{{ field("narrative", "Narrative", type="textarea", value="x<y") }}')
    assert "aria-invalid" not in html and "aria-describedby" not in html
    assert ">x&lt;y</textarea>" in html


def test_a_select_field_marks_the_chosen_option(render):
    html = render(
        FIELD
        + '{{ field("method", "Method", type="select", value=2, options=[(1, "Self-paced"), (2, "Cohort")]) }}'
    )
    assert '<option value="2" selected>Cohort</option>' in html


def test_the_error_summary_links_each_error_to_its_field(render):
    html = render(
        '{% from "macros/forms.html" import error_summary %}{{ error_summary({"narrative": "Write the narrative"}) }}'
    )
    assert (
        'role="alert"' in html
        and '<a class="usa-link" href="#narrative">Write the narrative</a>' in html
    )


def test_the_confirm_step_posts_with_csrf_and_offers_cancel(render):
    html = render(
        '{% from "macros/forms.html" import confirm_step %}{{ confirm_step("/x/withdraw", "Withdraw?", "Withdraw", "/x", hidden={"id": 3}) }}'
    )
    assert 'action="/x/withdraw"' in html and 'name="csrf_token"' in html
    assert '<input type="hidden" name="id" value="3">' in html and 'href="/x">Cancel</a>' in html


def test_a_status_tag_says_the_state_in_words(render):
    html = render(
        '{% from "macros/status.html" import status_tag %}{{ status_tag("In review", "info") }}'
    )
    assert html == '<span class="usa-tag status-tag status-tag--info">In review</span>'


PAGINATION = (
    '{% from "macros/lists.html" import pagination %}'
    "{% macro page_url(o) %}/programs?offset={{ o }}{% endmacro %}"
)


def test_pagination_marks_the_current_page_and_links_next_and_previous(render):
    html = render(PAGINATION + "{{ pagination(page_url, 20, 10, 45) }}")
    assert (
        'href="/programs?offset=20" class="usa-pagination__button usa-current" aria-label="Page 3" aria-current="page"'
        in html
    )
    assert (
        'href="/programs?offset=10" class="usa-pagination__link usa-pagination__previous-page"'
        in html
    )
    assert (
        'href="/programs?offset=30" class="usa-pagination__link usa-pagination__next-page"' in html
    )


def test_pagination_writes_nothing_when_one_page_holds_all(render):
    assert render(PAGINATION + "{{ pagination(page_url, 0, 10, 7) }}").strip() == ""


def test_an_empty_state_offers_its_one_action(render):
    html = render(
        '{% from "macros/lists.html" import empty_state %}{{ empty_state("No enrolments yet", "Find a program.", "/programs", "Browse programs") }}'
    )
    assert "<h2" in html and '<a class="usa-button" href="/programs">Browse programs</a>' in html
