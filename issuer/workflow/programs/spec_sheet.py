"""The Badge Specification Sheet (``/programs/<id>``, SPEC §8): the version in force of an approved
program with everything an educator reads before enrolling — the issuer's next steps per learning
method, the prerequisite chain, the stacks, the rubric, PTSB's approval and the badge documents.
Only approved programs have one; anything else is ``NotFound``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from issuer.domain import rubric
from issuer.domain.mail import METHOD_WORDS
from issuer.domain.states import Role
from issuer.errors import NotFound
from issuer.models import Issuer, Program, ProgramVersion
from issuer.workflow.context import Context
from issuer.workflow.learning import earners
from issuer.workflow.programs import programs, stacks
from issuer.workflow.programs.catalog import hours_text
from issuer.workflow.programs.images import ImageUpload, data_url


@dataclass(frozen=True)
class MethodSteps:
    value: str
    words: str
    next_steps: str | None


@dataclass(frozen=True)
class Prerequisite:
    name: str
    url: str


@dataclass(frozen=True)
class StackEntry:
    name: str
    required: int
    programs: list[Prerequisite]


@dataclass(frozen=True)
class Approval:
    """PTSB's decision on the version in force and the endorsement it signed."""

    on: str
    comment: str | None
    endorsement_url: str


@dataclass(frozen=True)
class SpecSheet:
    program_id: int
    version: int
    name: str
    image_url: str | None
    issuer_name: str
    issuer_url: str
    description: str
    criteria: str
    competencies: list[str]
    methods: list[MethodSteps]
    estimated_hours: str
    credit_hours: str
    validity_days: int | None
    prerequisites: list[Prerequisite]
    prerequisite_chain: list[Prerequisite]
    alignments: list[dict[str, Any]]
    stacks: list[StackEntry]
    rubric: tuple[rubric.RubricLevel, ...]
    passing_level: int
    approval: Approval | None  # None: a preview of a version not approved yet
    ob2_url: str
    ob3_url: str


def spec_sheet(ctx: Context, program_id: int) -> SpecSheet:
    """The sheet of an approved program; ``NotFound`` for drafts, rejected or retired ones."""
    program = ctx.get(Program, program_id)
    version = programs.view(ctx, program_id).approved
    if version is None:
        raise NotFound(f"No program with id {program_id}.", code="program_not_found")
    ob2 = ctx.urls.ob2_program_badge(program.id, version.version)
    return _sheet(
        ctx,
        program,
        version,
        image_url=ctx.urls.badge_image(ob2, "png"),
        approval=Approval(
            on=day_in_words(version.decided_at) if version.decided_at else "",
            comment=version.review_comment,
            endorsement_url=ctx.urls.ob2_endorsement(program.id, version.version),
        ),
        ob2_url=ob2,
        ob3_url=ctx.urls.ob3_program_achievement(program.id, version.version),
    )


def preview_sheet(ctx: Context, program_id: int) -> SpecSheet:
    """The sheet as the program's newest version would read once approved (a draft, submitted or
    rejected version): for the issuer's admins and PTSB only, never published. Its image is the
    uploaded one as a ``data:`` URL (nothing is published yet); no approval, no badge links."""
    program = ctx.get(Program, program_id)
    actor = ctx.actor
    if not (
        actor.role is Role.PTSB
        or (actor.role is Role.ISSUER_ADMIN and actor.issuer_id == program.issuer_id)
    ):
        raise NotFound(f"No program with id {program_id}.", code="program_not_found")
    version = programs.view(ctx, program_id).latest
    image = (
        data_url(ImageUpload(version.image, version.image_type or "image/png"))
        if version.image
        else None
    )
    return _sheet(ctx, program, version, image_url=image, approval=None, ob2_url="", ob3_url="")


def _sheet(
    ctx: Context,
    program: Program,
    version: ProgramVersion,
    *,
    image_url: str | None,
    approval: Approval | None,
    ob2_url: str,
    ob3_url: str,
) -> SpecSheet:
    issuer = ctx.get(Issuer, program.issuer_id)
    steps = version.next_steps or {}
    return SpecSheet(
        program_id=program.id,
        version=version.version,
        name=version.name,
        image_url=image_url,
        issuer_name=issuer.name,
        issuer_url=issuer.url,
        description=version.description,
        criteria=version.criteria,
        competencies=list(version.competencies or []),
        methods=[
            MethodSteps(m, METHOD_WORDS.get(m, m), steps.get(m)) for m in version.learning_methods
        ],
        estimated_hours=hours_text(version.estimated_hours),
        credit_hours=hours_text(version.credit_hours),
        validity_days=version.validity_days,
        prerequisites=[_linked(ctx, pid) for pid in version.prerequisites or []],
        prerequisite_chain=[_linked(ctx, pid) for pid in prerequisite_chain(ctx, version)],
        alignments=list(version.alignments or []),
        stacks=_stacks(ctx, program.id),
        rubric=rubric.rubric_levels(version.rubric),
        passing_level=rubric.PASSING_SCORE,
        approval=approval,
        ob2_url=ob2_url,
        ob3_url=ob3_url,
    )


def prerequisite_chain(ctx: Context, version: ProgramVersion) -> list[int]:
    """Every program to earn before this one, the earliest first: the prerequisites of the
    prerequisites (of their versions in force) come before them; each program once."""
    ordered: list[int] = []
    seen = {version.program_id}

    def visit(program_id: int) -> None:
        if program_id in seen:
            return
        seen.add(program_id)
        found = programs.view(ctx, program_id)
        for earlier in (found.approved or found.latest).prerequisites or []:
            visit(earlier)
        ordered.append(program_id)

    for pid in version.prerequisites or []:
        visit(pid)
    return ordered


def day_in_words(moment: datetime | date) -> str:
    """A date as people write it: "4 December 2026"."""
    return f"{moment.day} {moment:%B %Y}"


def _linked(ctx: Context, program_id: int) -> Prerequisite:
    return Prerequisite(programs.display_name(ctx, program_id), ctx.urls.spec_sheet(program_id))


def _stacks(ctx: Context, program_id: int) -> list[StackEntry]:
    entries = []
    for stack in stacks.stacks_containing(ctx, {program_id}):
        members = stacks.program_ids(stack)
        listed = [pid for pid in members if programs.view(ctx, pid).approved is not None]
        entries.append(
            StackEntry(
                name=stack.name,
                required=stack.required if stack.required is not None else len(members),
                programs=[_linked(ctx, pid) for pid in listed],
            )
        )
    return entries


def prior_training_offered(ctx: Context, program_id: int) -> bool:
    """Whether the signed-in educator may take the prior-training path into this program: the
    version in force allows it and the program's issuer recorded their verified prior training."""
    if ctx.actor.role is not Role.EARNER:
        return False
    version = programs.view(ctx, program_id).approved
    earner = earners.find_by_email(ctx, ctx.actor.email)
    if version is None or earner is None or not version.prior_training_eligible:
        return False
    issuer_id = ctx.get(Program, program_id).issuer_id
    return earners.has_prior_training(ctx, earner.id, issuer_id)
