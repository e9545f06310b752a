"""Program and enrollment states and the one table of allowed transitions for each."""

from __future__ import annotations

from enum import StrEnum

from issuer.errors import InvalidTransition


class Role(StrEnum):
    PTSB = "ptsb"
    ISSUER_ADMIN = "issuer_admin"
    REVIEWER = "reviewer"
    EARNER = "earner"


class ProgramStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    RETIRED = "retired"


class EnrollmentStatus(StrEnum):
    ENROLLED = "enrolled"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    PASSED = "passed"
    NEEDS_REVISION = "needs_revision"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class LearningMethod(StrEnum):
    FACE_TO_FACE = "face_to_face"
    ONLINE = "online"
    OWN_PATH = "own_path"
    PRIOR_TRAINING = "prior_training"


class AwardStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class AwardKind(StrEnum):
    PROGRAM = "program"
    STACK = "stack"


P, E = ProgramStatus, EnrollmentStatus

PROGRAM_TRANSITIONS: dict[ProgramStatus, frozenset[ProgramStatus]] = {
    P.DRAFT: frozenset({P.SUBMITTED, P.RETIRED}),
    P.SUBMITTED: frozenset({P.APPROVED, P.REJECTED}),
    P.REJECTED: frozenset({P.DRAFT, P.RETIRED}),
    P.APPROVED: frozenset({P.SUPERSEDED, P.RETIRED}),
    P.SUPERSEDED: frozenset(),
    P.RETIRED: frozenset(),
}

ENROLLMENT_TRANSITIONS: dict[EnrollmentStatus, frozenset[EnrollmentStatus]] = {
    E.ENROLLED: frozenset({E.SUBMITTED, E.WITHDRAWN}),
    E.SUBMITTED: frozenset({E.IN_REVIEW, E.PASSED, E.NEEDS_REVISION, E.WITHDRAWN}),
    E.IN_REVIEW: frozenset({E.IN_REVIEW, E.PASSED, E.NEEDS_REVISION, E.WITHDRAWN}),
    E.NEEDS_REVISION: frozenset({E.SUBMITTED, E.WITHDRAWN}),
    E.PASSED: frozenset({E.COMPLETED, E.WITHDRAWN}),
    E.COMPLETED: frozenset(),
    E.WITHDRAWN: frozenset(),
}


def check_program_transition(current: ProgramStatus, target: ProgramStatus) -> None:
    """Raise ``InvalidTransition`` unless a program version may go from ``current`` to ``target``."""
    if target not in PROGRAM_TRANSITIONS[current]:
        raise InvalidTransition(
            f"A program in status {current.value!r} cannot become {target.value!r}.",
            code="invalid_program_transition",
        )


def check_enrollment_transition(current: EnrollmentStatus, target: EnrollmentStatus) -> None:
    """Raise ``InvalidTransition`` unless an enrollment may go from ``current`` to ``target``."""
    if target not in ENROLLMENT_TRANSITIONS[current]:
        raise InvalidTransition(
            f"An enrollment in status {current.value!r} cannot become {target.value!r}.",
            code="invalid_enrollment_transition",
        )


def can_accept_submission(status: EnrollmentStatus) -> bool:
    """Evidence may be submitted when enrolled or asked to revise (resubmission is unlimited)."""
    return status in (E.ENROLLED, E.NEEDS_REVISION)
