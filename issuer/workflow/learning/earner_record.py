"""An educator as their issuer's admin sees them (SPEC §8, Facilitator, Earners): the record,
the enrollments in the issuer's programs with what may be done to each, the issuer's awards,
prior training recorded by the issuer, whether the educator has an account to sign in with, and
the programs they could be enrolled in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from issuer.domain.mail import METHOD_WORDS
from issuer.domain.states import AwardStatus, EnrollmentStatus, LearningMethod, Role
from issuer.models import Award, Earner, Enrollment, PriorTraining, Program, ProgramVersion
from issuer.workflow.accounts.accounts import find_by_email as find_account
from issuer.workflow.context import Context
from issuer.workflow.learning import earners, enrollments
from issuer.workflow.learning.my_learning import STATUS_WORDS, long_date
from issuer.workflow.programs import programs

S = EnrollmentStatus
MAX_PRIOR_TRAINING = 2000


@dataclass(frozen=True)
class EnrollmentRow:
    id: int
    program_id: int
    program_name: str
    method: str
    method_words: str
    status: str
    status_words: str
    enrolled_on: str
    methods: list[tuple[str, str]]  # (value, words) it may switch to
    can_switch: bool
    can_withdraw: bool
    award_id: str | None


@dataclass(frozen=True)
class AwardRow:
    id: str
    name: str
    issued_on: str
    status: str  # "active" or "revoked"


@dataclass(frozen=True)
class TrainingRow:
    description: str
    recorded_on: str


@dataclass(frozen=True)
class ProgramChoice:
    program_id: int
    name: str
    methods: list[tuple[str, str]]


@dataclass(frozen=True)
class EarnerRecord:
    id: int
    name: str
    email: str
    license_number: str | None
    position: str | None
    has_account: bool
    enrollments: list[EnrollmentRow]
    awards: list[AwardRow]
    prior_training: list[TrainingRow]
    programs: list[ProgramChoice]

    @property
    def program_options(self) -> list[tuple[str, str]]:
        """The enrol form's programs, after a "choose" prompt."""
        return [("", "- Choose a program -")] + [(str(p.program_id), p.name) for p in self.programs]

    @property
    def method_options(self) -> list[tuple[str, str]]:
        """Every learning method one of the programs offers this educator, once each."""
        return list(dict(m for p in self.programs for m in p.methods).items())


def earner_record(ctx: Context, earner_id: int) -> EarnerRecord:
    """The educator's page for the signed-in issuer admin (``Forbidden`` for an educator of no
    concern to their issuer, ``NotFound`` for no such record)."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    earner = earners.readable_earner(ctx, earner_id)
    issuer_id = ctx.actor.issuer_id
    has_training = earners.has_prior_training(ctx, earner.id, issuer_id) if issuer_id else False
    return EarnerRecord(
        id=earner.id,
        name=earner.name,
        email=earner.email,
        license_number=earner.license_number,
        position=earner.position,
        has_account=find_account(ctx.session, earner.email) is not None,
        enrollments=_enrollments(ctx, earner, issuer_id),
        awards=_awards(ctx, earner, issuer_id),
        prior_training=_training(ctx, earner, issuer_id),
        programs=_choices(ctx, issuer_id, has_training),
    )


def record_prior_training_once(ctx: Context, earner_id: int, description: str) -> bool:
    """Record prior training unless the same description is already recorded by this issuer for
    this educator (a re-posted form); True when a record was made."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    text = description.strip()
    same = select(PriorTraining.id).where(
        PriorTraining.earner_id == earner_id,
        PriorTraining.issuer_id == ctx.actor.issuer_id,
        PriorTraining.description == text,
    )
    if ctx.session.scalar(same.limit(1)) is not None:
        return False
    earners.record_prior_training(ctx, earner_id, text)
    return True


def _enrollments(ctx: Context, earner: Earner, issuer_id: int | None) -> list[EnrollmentRow]:
    query = (
        select(Enrollment, ProgramVersion)
        .join(Program, Program.id == Enrollment.program_id)
        .join(ProgramVersion, ProgramVersion.id == Enrollment.program_version_id)
        .where(Enrollment.earner_id == earner.id, Program.issuer_id == issuer_id)
        .order_by(Enrollment.created_at.desc(), Enrollment.id.desc())
    )
    rows = []
    for enrollment, version in ctx.session.execute(query):
        status = S(enrollment.status)
        offered = list(version.learning_methods)
        if enrollment.learning_method not in offered:
            offered.append(enrollment.learning_method)
        rows.append(
            EnrollmentRow(
                id=enrollment.id,
                program_id=enrollment.program_id,
                program_name=version.name,
                method=enrollment.learning_method,
                method_words=_method(enrollment.learning_method),
                status=status.value,
                status_words=STATUS_WORDS[status],
                enrolled_on=long_date(enrollment.created_at),
                methods=[(m, _method(m)) for m in offered],
                can_switch=status not in (S.PASSED, S.COMPLETED, S.WITHDRAWN),
                can_withdraw=status not in (S.COMPLETED, S.WITHDRAWN),
                award_id=enrollments.award_id_of(ctx, enrollment.id)
                if status is S.COMPLETED
                else None,
            )
        )
    return rows


def _awards(ctx: Context, earner: Earner, issuer_id: int | None) -> list[AwardRow]:
    query = (
        select(Award)
        .where(Award.earner_id == earner.id, Award.issuer_id == issuer_id)
        .order_by(Award.issued_at.desc(), Award.id)
    )
    return [
        AwardRow(
            id=a.id,
            name=a.name,
            issued_on=long_date(a.issued_at),
            status="revoked" if a.status == AwardStatus.REVOKED.value else "active",
        )
        for a in ctx.session.scalars(query)
    ]


def _training(ctx: Context, earner: Earner, issuer_id: int | None) -> list[TrainingRow]:
    query = (
        select(PriorTraining)
        .where(PriorTraining.earner_id == earner.id, PriorTraining.issuer_id == issuer_id)
        .order_by(PriorTraining.created_at, PriorTraining.id)
    )
    return [TrainingRow(t.description, long_date(t.created_at)) for t in ctx.session.scalars(query)]


def _choices(ctx: Context, issuer_id: int | None, has_training: bool) -> list[ProgramChoice]:
    """The issuer's programs with a version in force, and the methods each offers this educator."""
    choices = []
    for view in programs.list_programs(ctx, issuer_id).items:
        version = view.approved
        if version is None:
            continue
        methods = [(m, _method(m)) for m in version.learning_methods]
        if has_training and version.prior_training_eligible:
            methods.append((LearningMethod.PRIOR_TRAINING.value, _method("prior_training")))
        choices.append(ProgramChoice(view.program.id, version.name, methods))
    return choices


def _method(value: str) -> str:
    return METHOD_WORDS.get(value, value).capitalize()
