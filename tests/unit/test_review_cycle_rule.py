"""The review cycle rules (issuer/domain/review_cycles.py): the default closing date and the
three reviewers each submission gets."""

from __future__ import annotations

from datetime import date

import pytest

from issuer.domain.review_cycles import Reviewer, ToAssign, choose, end_of_month, plan
from issuer.errors import Conflict

FIVE = [Reviewer(i, f"r{i}@district.example.org") for i in range(1, 6)]


def _item(sid: int, **kw: object) -> ToAssign:
    return ToAssign(sid, kw.pop("email", "ada@school.example.org"), f"Ada's attempt {sid}", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "last"),
    [
        (date(2026, 12, 5), date(2026, 12, 31)),
        (date(2028, 2, 1), date(2028, 2, 29)),
        (date(2027, 2, 28), date(2027, 2, 28)),
        (date(2026, 4, 30), date(2026, 4, 30)),
    ],
)
def test_the_default_closing_date_is_the_last_day_of_the_month(day, last):
    assert end_of_month(day) == last


def test_the_least_loaded_reviewers_are_chosen_ties_by_lower_id():
    assert choose(_item(1), FIVE, {1: 2, 2: 0, 3: 1, 4: 0, 5: 0}) == [2, 4, 5]


def test_the_submitter_is_never_chosen_whatever_the_case_of_the_email():
    reviewers = [*FIVE[:3], Reviewer(9, "Ada@School.example.org")]
    assert 9 not in choose(_item(1, email="ada@school.example.org"), reviewers, {})


def test_the_previous_attempts_reviewers_come_first_even_when_busier():
    chosen = choose(_item(1, previous_reviewers=[5, 4, 3]), FIVE, {3: 4, 4: 4, 5: 4})
    assert sorted(chosen) == [3, 4, 5]


def test_a_previous_reviewer_who_submitted_is_left_out_and_replaced_by_the_least_loaded():
    reviewers = [*FIVE, Reviewer(6, "ada@school.example.org")]
    chosen = choose(_item(1, previous_reviewers=[6, 5]), reviewers, {1: 3})
    assert chosen == [5, 2, 3]


def test_who_already_scored_keeps_the_submission():
    assert choose(_item(1, scored_by=[4]), FIVE, {4: 9})[0] == 4


def test_fewer_than_three_eligible_reviewers_is_a_conflict_naming_the_submission():
    reviewers = [FIVE[0], FIVE[1], Reviewer(9, "ada@school.example.org")]
    with pytest.raises(Conflict) as refused:
        choose(_item(7), reviewers, {})
    assert refused.value.code == "not_enough_reviewers"
    assert "Ada's attempt 7" in refused.value.message
    assert "only 2" in refused.value.message


def test_a_run_spreads_submissions_across_reviewers_as_it_assigns():
    result = plan([_item(n) for n in range(1, 6)], FIVE, {})
    assert all(len(set(ids)) == 3 for ids in result.chosen.values())
    assert sorted(result.loads.values()) == [3, 3, 3, 3, 3]


def test_a_run_starts_from_the_open_assignments_each_reviewer_already_has():
    result = plan([_item(1)], FIVE, {1: 5, 2: 5})
    assert result.chosen[1] == [3, 4, 5]


def test_the_same_input_gives_the_same_plan():
    items = [_item(n, previous_reviewers=[n % 5 + 1]) for n in range(1, 8)]
    assert plan(items, FIVE, {2: 1}).chosen == plan(items, FIVE, {2: 1}).chosen
