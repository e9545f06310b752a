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


# --- the rubric a program shows its educators and reviewers (SPEC §8) -------------------------

MAX_LABEL = 60
MAX_DESCRIPTOR = 1000


@dataclass(frozen=True)
class RubricLevel:
    """One level of a program's rubric: what a score of ``level`` means."""

    level: int
    label: str
    descriptor: str


# The Task Neutral Rubric: used when the issuer has not written descriptors of its own.
TASK_NEUTRAL_RUBRIC: tuple[RubricLevel, ...] = (
    RubricLevel(
        1,
        "Beginning",
        "The evidence does not yet show the competency: parts of the performance task are "
        "missing, or the artifacts and reflection do not connect to the criteria.",
    ),
    RubricLevel(
        2,
        "Developing",
        "The evidence shows the competency in part: the task is complete, but the artifacts or "
        "the reflection meet only some of the criteria, or show it with little effect on students.",
    ),
    RubricLevel(
        3,
        "Proficient",
        "The evidence shows the competency: every criterion is met with artifacts from practice, "
        "and the reflection explains the choices made and their effect on students.",
    ),
    RubricLevel(
        4,
        "Exemplary",
        "The evidence shows the competency with depth: every criterion is met consistently, the "
        "reflection analyses student outcomes and next steps, and the work could guide colleagues.",
    ),
)


def rubric_levels(stored: Sequence[dict[str, object]] | None) -> tuple[RubricLevel, ...]:
    """A program's rubric in level order: the one it stores, else the Task Neutral Rubric."""
    if not stored:
        return TASK_NEUTRAL_RUBRIC
    return tuple(
        RubricLevel(int(str(item["level"])), str(item["label"]), str(item["descriptor"]))
        for item in sorted(stored, key=lambda item: int(str(item["level"])))
    )


def check_rubric(value: object) -> list[dict[str, object]] | None:
    """The issuer's rubric as stored: exactly the levels 1-4 once each, a label (at most
    ``MAX_LABEL`` characters) and a descriptor (at most ``MAX_DESCRIPTOR``), no control characters
    but line breaks in descriptors. ``None`` (or an empty list) means the default applies."""
    if value is None or value == []:
        return None
    if not isinstance(value, list):
        raise ValidationFailed(fields={"rubric": "must be a list of the levels 1 to 4"})
    levels = [item.get("level") if isinstance(item, dict) else None for item in value]
    if sorted(x for x in levels if isinstance(x, int) and not isinstance(x, bool)) != [1, 2, 3, 4]:
        raise ValidationFailed(fields={"rubric": "must have each of the levels 1, 2, 3 and 4 once"})
    checked: list[dict[str, object]] = []
    for item in sorted(value, key=lambda item: item["level"]):
        level = item["level"]
        label = _text(item.get("label"), f"rubric.{level}.label", MAX_LABEL, multiline=False)
        descriptor = _text(
            item.get("descriptor"), f"rubric.{level}.descriptor", MAX_DESCRIPTOR, multiline=True
        )
        checked.append({"level": level, "label": label, "descriptor": descriptor})
    return checked


def _text(value: object, field: str, limit: int, *, multiline: bool) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValidationFailed(fields={field: f"1 to {limit} characters of text"})
    allowed = "\t\n\r" if multiline else ""
    if any(_is_control(ch) and ch not in allowed for ch in value):
        raise ValidationFailed(
            fields={field: "contains control characters"}, code="control_characters"
        )
    return value.strip()


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 32 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF
