"""The messages people receive (SPEC §9) and which of them a person may turn off."""

from __future__ import annotations

from enum import StrEnum


class MailKind(StrEnum):
    """Each kind has templates ``issuer/mail/templates/{kind}.subject.txt``, ``.txt`` and ``.html``."""

    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a message kind, not a password)
    ENROLLMENT_CONFIRMED = "enrollment_confirmed"
    SUBMISSION_RECEIVED = "submission_received"
    REVIEWER_ASSIGNED = "reviewer_assigned"
    REVIEW_OUTCOME = "review_outcome"
    AWARD_ISSUED = "award_issued"
    STACK_EARNED = "stack_earned"
    AWARD_REVOKED = "award_revoked"
    PROGRAM_SUBMITTED = "program_submitted"
    PROGRAM_DECIDED = "program_decided"
    EXPIRY_REMINDER = "expiry_reminder"

    @property
    def is_reminder(self) -> bool:
        """Reminders can be turned off by their recipient (RFC 8058); account and award
        messages cannot."""
        return self is MailKind.EXPIRY_REMINDER


class MailState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


ROLE_WORDS = {
    "ptsb": "staff of the Professional Teaching Standards Board",
    "issuer_admin": "badge facilitator",
    "reviewer": "reviewer",
    "earner": "educator",
}

METHOD_WORDS = {
    "face_to_face": "face to face",
    "online": "online",
    "own_path": "on your own path",
    "prior_training": "through prior training",
}
"""Learning methods as people say them ("you enrolled online")."""
