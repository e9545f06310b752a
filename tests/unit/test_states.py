"""Program and enrollment lifecycles (SPEC §2): one table of allowed transitions each."""

from __future__ import annotations

import pytest

from issuer.domain.states import (
    EnrollmentStatus as E,
)
from issuer.domain.states import (
    ProgramStatus as P,
)
from issuer.domain.states import (
    can_accept_submission,
    check_enrollment_transition,
    check_program_transition,
)
from issuer.errors import InvalidTransition


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (P.DRAFT, P.SUBMITTED),
        (P.SUBMITTED, P.APPROVED),
        (P.SUBMITTED, P.REJECTED),
        (P.APPROVED, P.RETIRED),
    ],
)
def test_program_lifecycle_allows(current, target):
    check_program_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (P.DRAFT, P.APPROVED),
        (P.APPROVED, P.SUBMITTED),
        (P.REJECTED, P.APPROVED),
        (P.RETIRED, P.DRAFT),
    ],
)
def test_program_lifecycle_refuses(current, target):
    with pytest.raises(InvalidTransition):
        check_program_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (E.ENROLLED, E.SUBMITTED),
        (E.SUBMITTED, E.IN_REVIEW),
        (E.IN_REVIEW, E.PASSED),
        (E.IN_REVIEW, E.NEEDS_REVISION),
        (E.NEEDS_REVISION, E.SUBMITTED),
        (E.PASSED, E.COMPLETED),
        (E.ENROLLED, E.WITHDRAWN),
    ],
)
def test_enrollment_lifecycle_allows(current, target):
    check_enrollment_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (E.ENROLLED, E.COMPLETED),
        (E.IN_REVIEW, E.COMPLETED),
        (E.COMPLETED, E.WITHDRAWN),
        (E.WITHDRAWN, E.ENROLLED),
    ],
)
def test_enrollment_lifecycle_refuses(current, target):
    with pytest.raises(InvalidTransition):
        check_enrollment_transition(current, target)


@pytest.mark.parametrize(
    ("status", "accepts"),
    [(E.ENROLLED, True), (E.NEEDS_REVISION, True), (E.IN_REVIEW, False), (E.PASSED, False)],
)
def test_submission_accepted_only_when_enrolled_or_revising(status, accepts):
    assert can_accept_submission(status) is accepts
