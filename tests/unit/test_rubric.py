"""The rubric rule (SPEC §2): three scores 1-4, the median is of record, 3 or more passes."""

from __future__ import annotations

import pytest

from issuer.domain import rubric
from issuer.domain.states import EnrollmentStatus
from issuer.errors import ValidationFailed


@pytest.mark.parametrize(
    ("scores", "median", "status"),
    [
        ([3, 3, 3], 3, EnrollmentStatus.PASSED),
        ([4, 2, 3], 3, EnrollmentStatus.PASSED),
        ([1, 4, 4], 4, EnrollmentStatus.PASSED),
        ([2, 2, 4], 2, EnrollmentStatus.NEEDS_REVISION),
        ([4, 1, 2], 2, EnrollmentStatus.NEEDS_REVISION),
        ([1, 1, 1], 1, EnrollmentStatus.NEEDS_REVISION),
    ],
)
def test_median_of_three_decides(scores, median, status):
    result = rubric.outcome(scores)
    assert (result.score, result.status) == (median, status)


def test_median_not_mean_decides_pass():
    # mean of 4, 4, 1 is 3.0 and of 1, 3, 3 is 2.33; the median says pass for both
    assert rubric.outcome([1, 3, 3]).status is EnrollmentStatus.PASSED


@pytest.mark.parametrize("scores", [[], [4], [4, 4]])
def test_fewer_than_three_reviews_stay_in_review(scores):
    assert rubric.outcome(scores) == rubric.RubricOutcome(EnrollmentStatus.IN_REVIEW, None)


@pytest.mark.parametrize("score", [0, 5, -1, 3.5, "3", True, None])
def test_score_outside_one_to_four_is_refused(score):
    with pytest.raises(ValidationFailed) as caught:
        rubric.check_score(score)
    assert "score" in caught.value.fields


def test_score_of_record_needs_exactly_three():
    with pytest.raises(ValueError):
        rubric.score_of_record([3, 3, 3, 3])
