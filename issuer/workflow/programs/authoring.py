"""What the facilitator's authoring pages read (SPEC §8, Facilitator "Programs"): the issuer's
programs with the version in force and the newest one, one program's versions and what may be done
with it, the values the edit form starts from, the programs a form offers by name, the issuer's
stacks. Every read is for the issuer's own admins; another issuer's program is ``NotFound``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from issuer.domain.rubric import TASK_NEUTRAL_RUBRIC, rubric_levels
from issuer.domain.states import ProgramStatus, Role
from issuer.errors import NotFound
from issuer.models import Award, Program, ProgramVersion, Stack
from issuer.workflow.context import Context
from issuer.workflow.programs import programs, stacks
from issuer.workflow.programs.catalog import hours_text
from issuer.workflow.programs.images import ImageUpload, data_url
from issuer.workflow.programs.spec_sheet import day_in_words

STATUS_WORDS: dict[str, tuple[str, str]] = {
    ProgramStatus.DRAFT.value: ("Draft", "neutral"),
    ProgramStatus.SUBMITTED.value: ("Awaiting PTSB", "info"),
    ProgramStatus.APPROVED.value: ("Approved", "success"),
    ProgramStatus.REJECTED.value: ("Rejected", "error"),
    ProgramStatus.SUPERSEDED.value: ("Superseded", "neutral"),
    ProgramStatus.RETIRED.value: ("Retired", "neutral"),
}
"""Each status as the page says it, with the tone of its tag (macros/status.html)."""

RECENT = timedelta(minutes=10)


@dataclass(frozen=True)
class ProgramLine:
    """One row of the issuer's program list."""

    id: int
    name: str
    version: int
    status: str
    status_words: str
    tone: str
    in_force: int | None
    review_comment: str | None


@dataclass(frozen=True)
class VersionLine:
    version: int
    status: str
    status_words: str
    tone: str
    created_on: str
    submitted_on: str | None
    decided_on: str | None
    review_comment: str | None
    in_force: bool


@dataclass(frozen=True)
class ProgramOverview:
    """One program as its issuer manages it."""

    id: int
    name: str  # the version in force's, else the newest's
    latest_name: str
    latest: VersionLine
    in_force: VersionLine | None
    versions: list[VersionLine]
    may_edit: bool
    may_submit: bool
    may_retire: bool
    retired: bool
    edit_starts_new_version: bool
    public_url: str | None


@dataclass
class ProgramFormValues:
    """The program form's values as text, the way a person typed them (or a stored version reads
    back): the page renders these, and re-renders them after a refused post."""

    name: str = ""
    description: str = ""
    criteria: str = ""
    competencies: str = ""
    estimated_hours: str = ""
    credit_hours: str = "0.5"
    learning_methods: list[str] = field(default_factory=list)
    next_steps: dict[str, str] = field(default_factory=dict)
    alignments: list[dict[str, str]] = field(default_factory=list)
    prerequisites: list[int] = field(default_factory=list)
    validity_days: str = ""
    prior_training_eligible: bool = True
    rubric: dict[int, str] = field(
        default_factory=lambda: {level.level: level.descriptor for level in TASK_NEUTRAL_RUBRIC}
    )
    image_url: str | None = None  # the stored image (or a kept upload) as a data: URL


@dataclass(frozen=True)
class StackLine:
    id: int
    name: str
    description: str
    programs: list[str]
    program_ids: list[int]
    required: int
    all_required: bool
    credit_hours: str
    awarded: bool  # earned by someone: it can no longer change


def _line(version: ProgramVersion, in_force: ProgramVersion | None) -> VersionLine:
    words, tone = STATUS_WORDS[version.status]
    return VersionLine(
        version=version.version,
        status=version.status,
        status_words=words,
        tone=tone,
        created_on=day_in_words(version.created_at),
        submitted_on=day_in_words(version.submitted_at) if version.submitted_at else None,
        decided_on=day_in_words(version.decided_at) if version.decided_at else None,
        review_comment=version.review_comment,
        in_force=in_force is not None and version.id == in_force.id,
    )


def _issuer_id(ctx: Context) -> int:
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    issuer_id = ctx.actor.issuer_id
    if issuer_id is None:
        raise NotFound("Your account belongs to no issuer.", code="issuer_not_found")
    return issuer_id


def _own(ctx: Context, program_id: int) -> Program:
    """The issuer's own program; another issuer's (or none) is ``NotFound``."""
    issuer_id = _issuer_id(ctx)
    program = ctx.session.get(Program, program_id)
    if program is None or program.issuer_id != issuer_id:
        raise NotFound(f"No program with id {program_id}.", code="program_not_found")
    return program


def our_programs(ctx: Context, status: ProgramStatus | None = None) -> list[ProgramLine]:
    """The issuer's programs in id order, filtered by the newest version's status."""
    issuer_id = _issuer_id(ctx)
    page = programs.list_programs(ctx, issuer_id, status, limit=100_000)
    lines = []
    for found in page.items:
        words, tone = STATUS_WORDS[found.latest.status]
        lines.append(
            ProgramLine(
                id=found.program.id,
                name=found.latest.name,
                version=found.latest.version,
                status=found.latest.status,
                status_words=words,
                tone=tone,
                in_force=found.approved.version if found.approved else None,
                review_comment=found.latest.review_comment
                if found.latest.status == ProgramStatus.REJECTED.value
                else None,
            )
        )
    return lines


def program_overview(ctx: Context, program_id: int) -> ProgramOverview:
    """The program's versions (newest first), which one is in force, and the actions open now."""
    program = _own(ctx, program_id)
    found = programs.view(ctx, program.id)
    versions = programs_versions(ctx, program.id)
    latest = found.latest
    status = ProgramStatus(latest.status)
    live = (ProgramStatus.APPROVED.value, ProgramStatus.DRAFT.value, ProgramStatus.SUBMITTED.value)
    retired = any(v.status == ProgramStatus.RETIRED.value for v in versions) and not any(
        v.status in live for v in versions
    )
    return ProgramOverview(
        id=program.id,
        name=(found.approved or latest).name,
        latest_name=latest.name,
        latest=_line(latest, found.approved),
        in_force=_line(found.approved, found.approved) if found.approved else None,
        versions=[_line(v, found.approved) for v in reversed(versions)],
        may_edit=status in (ProgramStatus.DRAFT, ProgramStatus.REJECTED, ProgramStatus.APPROVED),
        may_submit=status is ProgramStatus.DRAFT,
        may_retire=not retired,
        retired=retired,
        edit_starts_new_version=status is ProgramStatus.APPROVED,
        public_url=ctx.urls.spec_sheet(program.id) if found.approved else None,
    )


def programs_versions(ctx: Context, program_id: int) -> list[ProgramVersion]:
    query = select(ProgramVersion).where(ProgramVersion.program_id == program_id)
    return list(ctx.session.scalars(query.order_by(ProgramVersion.version)))


def form_values(ctx: Context, program_id: int) -> ProgramFormValues:
    """What the edit form starts from: the program's newest version."""
    program = _own(ctx, program_id)
    version = programs.view(ctx, program.id).latest
    return ProgramFormValues(
        name=version.name,
        description=version.description,
        criteria=version.criteria,
        competencies="\n".join(version.competencies or []),
        estimated_hours=hours_text(version.estimated_hours),
        credit_hours=hours_text(version.credit_hours),
        learning_methods=list(version.learning_methods or []),
        next_steps=dict(version.next_steps or {}),
        alignments=[
            {
                "target_name": str(a.get("target_name") or ""),
                "target_url": str(a.get("target_url") or ""),
                "framework": str(a.get("framework") or ""),
            }
            for a in version.alignments or []
        ],
        prerequisites=list(version.prerequisites or []),
        validity_days=str(version.validity_days) if version.validity_days else "",
        prior_training_eligible=bool(version.prior_training_eligible),
        rubric={level.level: level.descriptor for level in rubric_levels(version.rubric)},
        image_url=data_url(ImageUpload(version.image, version.image_type or "image/png"))
        if version.image
        else None,
    )


def program_choices(ctx: Context, leave_out: int | None = None) -> list[tuple[int, str]]:
    """The issuer's programs by name (the version in force, else the newest), for prerequisites
    and stacks; ``leave_out`` is the program being edited (it cannot require itself)."""
    issuer_id = _issuer_id(ctx)
    query = select(Program.id).where(Program.issuer_id == issuer_id).order_by(Program.id)
    return [
        (pid, programs.display_name(ctx, pid))
        for pid in ctx.session.scalars(query)
        if pid != leave_out
    ]


def recent_twin(ctx: Context, name: str) -> int | None:
    """A draft of this issuer with exactly this name made in the last minutes: what a re-posted
    "new program" form (double click, back button) finds, so it is not created twice."""
    issuer_id = _issuer_id(ctx)
    query = (
        select(ProgramVersion)
        .join(Program, Program.id == ProgramVersion.program_id)
        .where(
            Program.issuer_id == issuer_id,
            ProgramVersion.version == 1,
            ProgramVersion.status == ProgramStatus.DRAFT.value,
            ProgramVersion.name == name,
        )
        .order_by(ProgramVersion.id.desc())
    )
    for version in ctx.session.scalars(query):
        if (
            ctx.now - version.created_at <= RECENT
            and len(programs_versions(ctx, version.program_id)) == 1
        ):
            return version.program_id
    return None


def our_stacks(ctx: Context) -> list[StackLine]:
    """The issuer's stacks with their programs by name, in order."""
    issuer_id = _issuer_id(ctx)
    query = select(Stack).where(Stack.issuer_id == issuer_id).order_by(Stack.id)
    return [_stack_line(ctx, stack) for stack in ctx.session.scalars(query)]


def _stack_line(ctx: Context, stack: Stack) -> StackLine:
    members = stacks.program_ids(stack)
    awarded = ctx.session.scalar(select(Award.id).where(Award.stack_id == stack.id).limit(1))
    return StackLine(
        id=stack.id,
        name=stack.name,
        description=stack.description,
        programs=[programs.display_name(ctx, pid) for pid in members],
        program_ids=members,
        required=stack.required if stack.required is not None else len(members),
        all_required=stack.required is None,
        credit_hours=hours_text(stack.credit_hours),
        awarded=awarded is not None,
    )


def our_stack(ctx: Context, stack_id: int) -> StackLine:
    """One of the issuer's stacks; another issuer's (or none) is ``NotFound``."""
    issuer_id = _issuer_id(ctx)
    stack = ctx.session.get(Stack, stack_id)
    if stack is None or stack.issuer_id != issuer_id:
        raise NotFound(f"No stack with id {stack_id}.", code="stack_not_found")
    return _stack_line(ctx, stack)


def stack_twin(ctx: Context, name: str) -> int | None:
    """A stack of this issuer with exactly this name made in the last minutes (a re-post)."""
    issuer_id = _issuer_id(ctx)
    query = select(Stack).where(Stack.issuer_id == issuer_id, Stack.name == name)
    for stack in ctx.session.scalars(query.order_by(Stack.id.desc())):
        if ctx.now - stack.created_at <= RECENT:
            return stack.id
    return None
