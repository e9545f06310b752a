"""The rubric rule: three reviewers score 1-4; the median is the score of record; 3 passes."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from issuer.domain.states import EnrollmentStatus
from issuer.errors import ValidationFailed

REVIEWS_REQUIRED = 3
PASSING_SCORE = 3
MIN_SCORE, MAX_SCORE = 1, 4

RUBRIC_LEVELS: dict[int, str] = {
    1: "Beginning",
    2: "Developing",
    3: "Proficient",
    4: "Exemplary",
}


@dataclass(frozen=True)
class RubricOutcome:
    """What a set of review scores means for the enrollment."""

    status: EnrollmentStatus
    score: int | None


def check_score(score: object) -> int:
    """Return ``score`` if it is an integer rubric level 1-4, else raise ``ValidationFailed``."""
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise ValidationFailed(fields={"score": "must be an integer from 1 to 4"})
    return score


def score_of_record(scores: Sequence[int]) -> int:
    """The median of exactly three scores (an integer, since three is odd)."""
    if len(scores) != REVIEWS_REQUIRED:
        raise ValueError(f"need {REVIEWS_REQUIRED} scores, got {len(scores)}")
    return int(statistics.median(scores))


def outcome(scores: Sequence[int]) -> RubricOutcome:
    """Enrollment status after these reviews of the latest submission."""
    if len(scores) < REVIEWS_REQUIRED:
        return RubricOutcome(EnrollmentStatus.IN_REVIEW, None)
    median = score_of_record(scores)
    if median >= PASSING_SCORE:
        return RubricOutcome(EnrollmentStatus.PASSED, median)
    return RubricOutcome(EnrollmentStatus.NEEDS_REVISION, median)
