"""What PTSB reads before deciding (SPEC §8, PTSB): the queue of submitted program versions and
a field-by-field comparison of one against the version in force. Read models only: the decision
stays ``approvals.approve`` / ``approvals.reject`` (which keep the rules)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from issuer.domain.mail import METHOD_WORDS
from issuer.domain.rubric import rubric_levels
from issuer.domain.states import ProgramStatus, Role
from issuer.models import Issuer, Program, ProgramVersion
from issuer.workflow.context import Context
from issuer.workflow.programs import programs

STATUS_WORDS = {
    ProgramStatus.DRAFT.value: "Draft",
    ProgramStatus.SUBMITTED.value: "Submitted",
    ProgramStatus.APPROVED.value: "Approved",
    ProgramStatus.REJECTED.value: "Rejected",
    ProgramStatus.RETIRED.value: "Retired",
    ProgramStatus.SUPERSEDED.value: "Superseded",
}


@dataclass(frozen=True)
class QueueLine:
    """One submitted program version waiting for PTSB."""

    program_id: int
    issuer_name: str
    name: str
    version: int
    submitted_at: datetime | None
    new_program: bool  # no version in force yet


@dataclass(frozen=True)
class FieldRow:
    """One field of the comparison; each side is a list of lines (one for plain fields)."""

    label: str
    in_force: list[str] | None  # None: a new program
    submitted: list[str]
    changed: bool


@dataclass(frozen=True)
class Picture:
    data_url: str
    alt: str


@dataclass(frozen=True)
class Comparison:
    program_id: int
    issuer_name: str
    name: str
    version: int
    status: str  # the latest version's status
    status_words: str
    review_comment: str | None
    submitted_at: datetime | None
    in_force_version: int | None
    rows: list[FieldRow]
    image_in_force: Picture | None
    image_submitted: Picture | None
    image_changed: bool

    @property
    def decidable(self) -> bool:
        return self.status == ProgramStatus.SUBMITTED.value

    @property
    def new_program(self) -> bool:
        return self.in_force_version is None

    @property
    def changed_count(self) -> int:
        return sum(1 for row in self.rows if row.changed) + (1 if self.image_changed else 0)


def approval_queue(ctx: Context) -> list[QueueLine]:
    """Every program whose latest version is submitted, oldest submission first (PTSB)."""
    ctx.actor.require_role(Role.PTSB)
    query = (
        select(ProgramVersion, Program, Issuer)
        .join(Program, Program.id == ProgramVersion.program_id)
        .join(Issuer, Issuer.id == Program.issuer_id)
        .where(ProgramVersion.status == ProgramStatus.SUBMITTED.value)
        .order_by(ProgramVersion.submitted_at, ProgramVersion.id)
    )
    lines = []
    for version, program, issuer in ctx.session.execute(query):
        found = programs.view(ctx, program.id)
        if found.latest.id != version.id:
            continue
        lines.append(
            QueueLine(
                program_id=program.id,
                issuer_name=issuer.name,
                name=version.name,
                version=version.version,
                submitted_at=version.submitted_at,
                new_program=found.approved is None,
            )
        )
    return lines


def compare(ctx: Context, program_id: int) -> Comparison:
    """The latest version of a program beside the version in force, field by field (PTSB)."""
    ctx.actor.require_role(Role.PTSB)
    found = programs.view(ctx, program_id)
    latest, approved = found.latest, found.approved
    if approved is not None and approved.id == latest.id:
        approved = _before(ctx, program_id, latest.version)
    issuer = ctx.get(Issuer, found.program.issuer_id)
    new = _fields(ctx, latest)
    old = _fields(ctx, approved) if approved is not None else None
    rows = [
        FieldRow(
            label,
            None if old is None else old.get(label, []),
            lines,
            old is not None and old.get(label, []) != lines,
        )
        for label, lines in new.items()
    ]
    if old is not None:  # a field the submitted version no longer has (a dropped method)
        rows += [
            FieldRow(label, lines, [], True) for label, lines in old.items() if label not in new
        ]
    return Comparison(
        program_id=program_id,
        issuer_name=issuer.name,
        name=latest.name,
        version=latest.version,
        status=latest.status,
        status_words=STATUS_WORDS.get(latest.status, latest.status),
        review_comment=latest.review_comment,
        submitted_at=latest.submitted_at,
        in_force_version=approved.version if approved is not None else None,
        rows=rows,
        image_in_force=_picture(approved, "in force") if approved is not None else None,
        image_submitted=_picture(latest, "submitted"),
        image_changed=approved is not None
        and (approved.image, approved.image_type) != (latest.image, latest.image_type),
    )


def _before(ctx: Context, program_id: int, version: int) -> ProgramVersion | None:
    """Once decided, the comparison stays against the version that was in force before it."""
    query = (
        select(ProgramVersion)
        .where(
            ProgramVersion.program_id == program_id,
            ProgramVersion.version < version,
            ProgramVersion.status == ProgramStatus.SUPERSEDED.value,
        )
        .order_by(ProgramVersion.version.desc())
        .limit(1)
    )
    return ctx.session.scalar(query)


def _fields(ctx: Context, version: ProgramVersion) -> dict[str, list[str]]:
    """Each field as lines people read, in the order of the spec sheet."""
    methods = list(version.learning_methods or [])
    fields: dict[str, list[str]] = {
        "Name": [version.name],
        "Description": [version.description],
        "Criteria": [version.criteria],
        "Competencies": list(version.competencies or []),
        "Estimated hours": [_number(version.estimated_hours)],
        "Credit hours": [_number(version.credit_hours)],
        "Learning methods": [_method(m) for m in methods],
    }
    steps = version.next_steps or {}
    for method in methods:
        fields[f"How it works: {_method(method)}"] = [steps[method]] if method in steps else []
    fields["Alignments"] = [_alignment(a) for a in version.alignments or []]
    fields["Prerequisites"] = [programs.display_name(ctx, p) for p in version.prerequisites or []]
    fields["Validity period"] = [
        f"{version.validity_days} days" if version.validity_days else "No expiry"
    ]
    fields["Prior training path"] = [
        "Allowed" if version.prior_training_eligible else "Not allowed"
    ]
    fields["Rubric"] = [
        f"{level.level} {level.label}: {level.descriptor}"
        for level in rubric_levels(version.rubric)
    ] + ([] if version.rubric else ["(the Task Neutral Rubric)"])
    return fields


def _number(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def _method(value: str) -> str:
    words = METHOD_WORDS.get(value, value)
    return words[:1].upper() + words[1:]


def _alignment(alignment: dict[str, object]) -> str:
    text = f"{alignment.get('target_name', '')} ({alignment.get('target_url', '')})"
    framework = alignment.get("framework")
    return f"{text}, {framework}" if framework else text


def _picture(version: ProgramVersion, which: str) -> Picture | None:
    if not version.image:
        return None
    encoded = base64.b64encode(version.image).decode("ascii")
    return Picture(
        f"data:{version.image_type or 'image/png'};base64,{encoded}",
        f"Badge image of {version.name}, version {version.version} ({which})",
    )
