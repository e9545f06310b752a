"""Enrollments: enrol (prerequisites enforced), switch learning method, withdraw, read."""

from __future__ import annotations

from sqlalchemy import select

from issuer.domain.credentials import HeldAward, earned_programs, missing_prerequisites
from issuer.domain.states import (
    EnrollmentStatus,
    LearningMethod,
    Role,
    check_enrollment_transition,
)
from issuer.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from issuer.models import Award, Earner, Enrollment, Program
from issuer.workflow import audit
from issuer.workflow.context import Context
from issuer.workflow.integrations import mail_messages
from issuer.workflow.learning import earners
from issuer.workflow.programs import programs


def enrol(
    ctx: Context, program_id: int, learning_method: str, earner_id: int | None = None
) -> Enrollment:
    """Enrol an earner in the version in force; refused while a prerequisite is not earned."""
    earner = _earner_for_enrolment(ctx, program_id, earner_id)
    version = programs.approved_version(ctx, program_id)
    method = _checked_method(ctx, version, learning_method, earner.id)
    _refuse_duplicate(ctx, earner.id, program_id)
    missing = missing_prerequisites(version.prerequisites, earned_program_ids(ctx, earner.id))
    if missing:
        raise Conflict(f"Earn {_names(ctx, missing)} first.", code="prerequisites_missing")
    enrollment = Enrollment(
        earner_id=earner.id,
        program_id=program_id,
        program_version_id=version.id,
        learning_method=method.value,
        status=EnrollmentStatus.ENROLLED.value,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(enrollment)
    ctx.session.flush()
    audit.record(ctx, "enrollment.created", "enrollment", enrollment.id, method=method.value)
    mail_messages.enrollment_confirmed(ctx, enrollment)
    return enrollment


def switch_method(ctx: Context, enrollment_id: int, learning_method: str) -> Enrollment:
    """Change how the earner learns, any time before the work is passed."""
    enrollment = acting_on(ctx, enrollment_id, lock=True)
    if enrollment.status in _FINISHED:
        raise InvalidTransition(
            f"An enrollment in status {enrollment.status!r} cannot change method.",
            code="invalid_enrollment_transition",
        )
    version = ctx.get(programs.ProgramVersion, enrollment.program_version_id)
    method = _checked_method(ctx, version, learning_method, enrollment.earner_id)
    enrollment.learning_method = method.value
    enrollment.updated_at = ctx.now
    audit.record(
        ctx, "enrollment.method_switched", "enrollment", enrollment_id, method=method.value
    )
    return enrollment


def withdraw(ctx: Context, enrollment_id: int) -> Enrollment:
    enrollment = acting_on(ctx, enrollment_id, lock=True)
    set_status(ctx, enrollment, EnrollmentStatus.WITHDRAWN)
    audit.record(ctx, "enrollment.withdrawn", "enrollment", enrollment_id)
    return enrollment


def get_enrollment(ctx: Context, enrollment_id: int) -> Enrollment:
    """Readable by the earner, their issuer's staff (admins and reviewers) and PTSB."""
    enrollment = ctx.get(Enrollment, enrollment_id)
    _check_reader(ctx, enrollment)
    return enrollment


def acting_on(ctx: Context, enrollment_id: int, *, lock: bool = False) -> Enrollment:
    """An enrollment the actor may change: the earner themself or their issuer's admins."""
    enrollment = ctx.get(Enrollment, enrollment_id, lock=lock)
    actor = ctx.actor
    if actor.role is Role.EARNER:
        if ctx.get(Earner, enrollment.earner_id).email != actor.email:
            raise Forbidden("That is another earner's enrollment.", code="other_earner")
        return enrollment
    actor.require_role(Role.ISSUER_ADMIN)
    actor.require_issuer(ctx.get(Program, enrollment.program_id).issuer_id)
    return enrollment


def set_status(ctx: Context, enrollment: Enrollment, target: EnrollmentStatus) -> None:
    check_enrollment_transition(EnrollmentStatus(enrollment.status), target)
    enrollment.status = target.value
    enrollment.updated_at = ctx.now


def award_id_of(ctx: Context, enrollment_id: int) -> str | None:
    """The award a completed enrollment produced, if any."""
    return ctx.session.scalar(select(Award.id).where(Award.enrollment_id == enrollment_id))


def earned_program_ids(ctx: Context, earner_id: int) -> set[int]:
    return earned_programs(held_awards(ctx, earner_id), ctx.now)


def held_awards(ctx: Context, earner_id: int) -> list[HeldAward]:
    query = select(Award).where(Award.earner_id == earner_id)
    return [
        HeldAward(
            program_id=a.program_id,
            credit_hours=a.credit_hours,
            revoked=a.status == "revoked",
            expires_at=a.expires_at,
        )
        for a in ctx.session.scalars(query)
    ]


_FINISHED = {
    EnrollmentStatus.PASSED.value,
    EnrollmentStatus.COMPLETED.value,
    EnrollmentStatus.WITHDRAWN.value,
}


def _check_reader(ctx: Context, enrollment: Enrollment) -> None:
    actor = ctx.actor
    if actor.role is Role.EARNER:
        if ctx.get(Earner, enrollment.earner_id).email != actor.email:
            raise Forbidden("That is another earner's enrollment.", code="other_earner")
        return
    actor.require_issuer(ctx.get(Program, enrollment.program_id).issuer_id)


def _earner_for_enrolment(ctx: Context, program_id: int, earner_id: int | None) -> Earner:
    actor = ctx.actor
    if actor.role is Role.EARNER:
        earner = earners.own_earner(ctx)
        if earner_id is not None and earner_id != earner.id:
            raise Forbidden("Earners enrol themselves only.", code="other_earner")
        ctx.get(Program, program_id)
        return earner
    actor.require_role(Role.ISSUER_ADMIN)
    actor.require_issuer(ctx.get(Program, program_id).issuer_id)
    if earner_id is None:
        raise ValidationFailed(
            fields={"earner_id": "required when an issuer admin enrols an earner"}
        )
    return ctx.get(Earner, earner_id)


def _checked_method(
    ctx: Context, version: programs.ProgramVersion, value: str, earner_id: int
) -> LearningMethod:
    try:
        method = LearningMethod(value)
    except ValueError:
        raise ValidationFailed(fields={"learning_method": "unknown learning method"}) from None
    if method is LearningMethod.PRIOR_TRAINING:
        issuer_id = ctx.get(Program, version.program_id).issuer_id
        if not version.prior_training_eligible:
            raise Conflict(
                "This program is not eligible for the prior-training path.",
                code="prior_training_not_eligible",
            )
        if not earners.has_prior_training(ctx, earner_id, issuer_id):
            raise Conflict(
                "No verified prior training is recorded for this earner by this issuer.",
                code="prior_training_missing",
            )
        return method
    if method.value not in version.learning_methods:
        offered = ", ".join(version.learning_methods)
        raise ValidationFailed(fields={"learning_method": f"this program offers {offered}"})
    return method


def active_enrollment(ctx: Context, earner_id: int, program_id: int) -> Enrollment | None:
    """The earner's enrollment in the program that is not withdrawn (at most one exists)."""
    query = select(Enrollment).where(
        Enrollment.earner_id == earner_id,
        Enrollment.program_id == program_id,
        Enrollment.status != EnrollmentStatus.WITHDRAWN.value,
    )
    return ctx.session.scalars(query.order_by(Enrollment.id).limit(1)).first()


def _refuse_duplicate(ctx: Context, earner_id: int, program_id: int) -> None:
    if active_enrollment(ctx, earner_id, program_id) is not None:
        raise Conflict("The earner is already enrolled in this program.", code="already_enrolled")


def _names(ctx: Context, program_ids: list[int]) -> str:
    """'"A"', '"A" and "B"', '"A", "B" and "C"': the programs as people know them."""
    names = [f'"{programs.display_name(ctx, pid)}"' for pid in program_ids]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
