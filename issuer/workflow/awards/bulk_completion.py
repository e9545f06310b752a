"""Bulk confirmation of passed enrollments: the single completion use case, once per enrollment.

Not all or nothing: each enrollment is confirmed in a transaction of its own (signing and baking
an award takes tens of milliseconds, and one failure should not undo the awards before it), and
the answer says what happened to each. Re-running is idempotent: an enrollment that already has
its award is reported as ``already_awarded`` with that award, whichever call made it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from issuer.domain.states import EnrollmentStatus, Role
from issuer.errors import Conflict, IssuerError, ValidationFailed
from issuer.models import Enrollment, Issuer, Program
from issuer.workflow.awards import completions
from issuer.workflow.context import Context
from issuer.workflow.learning import enrollments

Transact = Callable[[Callable[[Context], Any]], Any]
"""Runs a use case in one transaction of its own (the adapter's ``write``)."""

MAX_PER_CALL = 100
"""Enrollments per call: 3-10 seconds of signing and baking (30-100 ms an award)."""

AWARDED, ALREADY_AWARDED, NOT_PASSED, NOT_FOUND, REFUSED = (
    "awarded",
    "already_awarded",
    "not_passed",
    "not_found",
    "refused",
)
OUTCOMES = (AWARDED, ALREADY_AWARDED, NOT_PASSED, NOT_FOUND, REFUSED)


@dataclass(frozen=True)
class EnrollmentOutcome:
    enrollment_id: int
    outcome: str
    award_id: str | None = None
    status: str | None = None
    error: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Selection:
    enrollment_ids: list[int]
    remaining: int


@dataclass(frozen=True)
class BulkCompletion:
    outcomes: list[EnrollmentOutcome]
    remaining: int

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


def confirm_passed(
    transact: Transact,
    issuer_id: int,
    enrollment_ids: list[int] | None = None,
    *,
    all_passed: bool = False,
) -> BulkCompletion:
    """Confirm the given enrollments (or the issuer's passed ones, ``MAX_PER_CALL`` at a time)."""
    selection: Selection = transact(
        lambda ctx: select_enrollments(ctx, issuer_id, enrollment_ids, all_passed=all_passed)
    )
    outcomes = []
    for enrollment_id in selection.enrollment_ids:
        try:
            outcome = transact(
                lambda ctx, enrollment_id=enrollment_id: confirm_one(ctx, issuer_id, enrollment_id)
            )
        except IssuerError as exc:  # this enrollment's transaction was rolled back
            outcome = EnrollmentOutcome(enrollment_id, REFUSED, error=exc.code, message=exc.message)
        outcomes.append(outcome)
    return BulkCompletion(outcomes, selection.remaining)


def select_enrollments(
    ctx: Context, issuer_id: int, enrollment_ids: list[int] | None, *, all_passed: bool
) -> Selection:
    """Check the actor (the issuer's admins confirm completions) and pick the enrollments."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    ctx.actor.require_issuer(issuer_id)
    ctx.get(Issuer, issuer_id)
    if bool(enrollment_ids) == all_passed:
        raise ValidationFailed(
            "Give either enrollment_ids or all_passed: true.",
            fields={"(body)": "give either enrollment_ids or all_passed: true"},
        )
    if enrollment_ids:
        unique = list(dict.fromkeys(enrollment_ids))
        if len(unique) > MAX_PER_CALL:
            raise ValidationFailed(fields={"enrollment_ids": f"at most {MAX_PER_CALL} per call"})
        return Selection(unique, remaining=0)
    passed = (
        select(Enrollment.id)
        .join(Program, Program.id == Enrollment.program_id)
        .where(
            Program.issuer_id == issuer_id,
            Enrollment.status == EnrollmentStatus.PASSED.value,
        )
    )
    total = ctx.session.scalar(select(func.count()).select_from(passed.subquery())) or 0
    chosen = list(ctx.session.scalars(passed.order_by(Enrollment.id).limit(MAX_PER_CALL)))
    return Selection(chosen, remaining=total - len(chosen))


def confirm_one(ctx: Context, issuer_id: int, enrollment_id: int) -> EnrollmentOutcome:
    """Complete one enrollment of this issuer through ``completions.complete``."""
    enrollment = ctx.session.get(Enrollment, enrollment_id)
    if enrollment is None or ctx.get(Program, enrollment.program_id).issuer_id != issuer_id:
        return EnrollmentOutcome(
            enrollment_id,
            NOT_FOUND,
            message="No enrollment with this id in this issuer's programs.",
        )
    try:
        result = completions.complete(ctx, enrollment_id, bulk_key(enrollment_id))
    except Conflict as exc:
        if exc.code == "already_completed":
            award_id = enrollments.award_id_of(ctx, enrollment_id)
            return EnrollmentOutcome(enrollment_id, ALREADY_AWARDED, award_id=award_id)
        if exc.code == "not_passed":
            return EnrollmentOutcome(
                enrollment_id, NOT_PASSED, status=enrollment.status, message=exc.message
            )
        raise
    outcome = AWARDED if result.created else ALREADY_AWARDED
    return EnrollmentOutcome(enrollment_id, outcome, award_id=result.award.id)


def bulk_key(enrollment_id: int) -> str:
    """The Idempotency-Key a bulk confirmation uses: one per enrollment, the same on every run."""
    return f"bulk-completion-{enrollment_id}"
