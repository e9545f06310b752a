"""Programs (micro-credentials): create, edit (a new version once approved), submit, retire, read."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from issuer.domain.credentials import DEFAULT_CREDIT_HOURS
from issuer.domain.rubric import check_rubric
from issuer.domain.states import LearningMethod, ProgramStatus, Role, check_program_transition
from issuer.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from issuer.models import Issuer, Program, ProgramVersion
from issuer.workflow import audit
from issuer.workflow.context import Context
from issuer.workflow.integrations import mail_messages
from issuer.workflow.programs.images import ImageUpload

EDITABLE = (
    "name",
    "description",
    "criteria",
    "competencies",
    "estimated_hours",
    "credit_hours",
    "learning_methods",
    "alignments",
    "prerequisites",
    "validity_days",
    "prior_training_eligible",
    "next_steps",
    "rubric",
)
MAX_NEXT_STEPS = 4000


@dataclass(frozen=True)
class ProgramView:
    """A program as its readers see it: the newest version, plus the one in force."""

    program: Program
    latest: ProgramVersion
    approved: ProgramVersion | None


def create_program(ctx: Context, issuer_id: int, fields: dict[str, Any]) -> ProgramView:
    """A new program as version 1 in draft (the issuer's admins)."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    ctx.actor.require_issuer(issuer_id)
    ctx.get(Issuer, issuer_id)
    program = Program(issuer_id=issuer_id, created_at=ctx.now)
    ctx.session.add(program)
    ctx.session.flush()
    values = _checked_fields(ctx, program.id, fields, current=None)
    version = ProgramVersion(
        program_id=program.id, version=1, status=ProgramStatus.DRAFT.value, created_at=ctx.now
    )
    _apply(version, values)
    ctx.session.add(version)
    ctx.session.flush()
    audit.record(ctx, "program.created", "program", program.id, version=1)
    return view(ctx, program.id)


def edit_program(ctx: Context, program_id: int, changes: dict[str, Any]) -> ProgramView:
    """Edit the draft in place; on an approved program, start the next version as a draft."""
    program = _owned_program(ctx, program_id)
    latest = latest_version(ctx, program.id)
    values = _checked_fields(ctx, program.id, changes, current=latest)
    status = ProgramStatus(latest.status)
    if status in (ProgramStatus.DRAFT, ProgramStatus.REJECTED):
        _apply(latest, values)
        latest.status = ProgramStatus.DRAFT.value
        target = latest
    elif status is ProgramStatus.APPROVED:
        target = ProgramVersion(
            program_id=program.id,
            version=latest.version + 1,
            status=ProgramStatus.DRAFT.value,
            created_at=ctx.now,
        )
        _apply(target, {**_copy_fields(latest), **values})
        ctx.session.add(target)
    else:
        raise InvalidTransition(
            f"A program version in status {status.value!r} cannot be edited.",
            code="program_not_editable",
        )
    ctx.session.flush()
    audit.record(ctx, "program.edited", "program", program.id, version=target.version)
    return view(ctx, program.id)


def submit_program(ctx: Context, program_id: int) -> ProgramView:
    """Send the draft version to PTSB for approval."""
    program = _owned_program(ctx, program_id)
    latest = latest_version(ctx, program.id, lock=True)
    check_program_transition(ProgramStatus(latest.status), ProgramStatus.SUBMITTED)
    latest.status = ProgramStatus.SUBMITTED.value
    latest.submitted_at = ctx.now
    audit.record(ctx, "program.submitted", "program", program.id, version=latest.version)
    mail_messages.program_submitted(ctx, program, latest)
    return view(ctx, program.id)


def retire_program(ctx: Context, program_id: int) -> ProgramView:
    """Stop offering the program; awards already issued stay valid."""
    program = _owned_program(ctx, program_id)
    for version in _versions(ctx, program.id):
        if version.status in (ProgramStatus.APPROVED.value, ProgramStatus.DRAFT.value):
            version.status = ProgramStatus.RETIRED.value
    audit.record(ctx, "program.retired", "program", program.id)
    return view(ctx, program.id)


def get_program(ctx: Context, program_id: int) -> ProgramView:
    """Any signed-in account may read an approved program; drafts only their issuer and PTSB."""
    program = ctx.get(Program, program_id)
    result = view(ctx, program.id)
    if result.approved is None and not _may_manage(ctx, program):
        raise NotFound(f"No program with id {program_id}.", code="program_not_found")
    return result


@dataclass(frozen=True)
class ProgramPage:
    """One page of a program list and how many programs match in all."""

    items: list[ProgramView]
    total: int


def list_programs(
    ctx: Context,
    issuer_id: int | None = None,
    status: ProgramStatus | None = None,
    *,
    limit: int = 200,
    offset: int = 0,
) -> ProgramPage:
    """Programs the actor may see (approved ones, and every one they manage), in id order,
    filtered by issuer and by the latest version's status."""
    query = select(Program).order_by(Program.id)
    if issuer_id is not None:
        query = query.where(Program.issuer_id == issuer_id)
    views = [view(ctx, p.id) for p in ctx.session.scalars(query)]
    matching = [
        v
        for v in views
        if (v.approved is not None or _may_manage(ctx, v.program))
        and (status is None or v.latest.status == status.value)
    ]
    return ProgramPage(matching[offset : offset + limit], len(matching))


def view(ctx: Context, program_id: int) -> ProgramView:
    program = ctx.get(Program, program_id)
    versions = _versions(ctx, program_id)
    approved = next(
        (v for v in reversed(versions) if v.status == ProgramStatus.APPROVED.value), None
    )
    return ProgramView(program=program, latest=versions[-1], approved=approved)


def display_name(ctx: Context, program_id: int) -> str:
    """The name people know a program by: its version in force, else its latest version."""
    found = view(ctx, program_id)
    return (found.approved or found.latest).name


def approved_version(ctx: Context, program_id: int) -> ProgramVersion:
    """The version in force, or ``InvalidTransition`` when none is approved."""
    found = view(ctx, program_id).approved
    if found is None:
        raise InvalidTransition(
            f'"{display_name(ctx, program_id)}" has no approved version yet.',
            code="program_not_approved",
        )
    return found


def _may_manage(ctx: Context, program: Program) -> bool:
    actor = ctx.actor
    return actor.role is Role.PTSB or (
        actor.role in (Role.ISSUER_ADMIN, Role.REVIEWER) and actor.issuer_id == program.issuer_id
    )


def _owned_program(ctx: Context, program_id: int) -> Program:
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    program = ctx.get(Program, program_id)
    if ctx.actor.issuer_id != program.issuer_id:
        raise Forbidden("This program belongs to another issuer.", code="other_issuer")
    return program


def _versions(ctx: Context, program_id: int) -> list[ProgramVersion]:
    query = select(ProgramVersion).where(ProgramVersion.program_id == program_id)
    return list(ctx.session.scalars(query.order_by(ProgramVersion.version)))


def latest_version(ctx: Context, program_id: int, lock: bool = False) -> ProgramVersion:
    query = (
        select(ProgramVersion)
        .where(ProgramVersion.program_id == program_id)
        .order_by(ProgramVersion.version.desc())
        .limit(1)
    )
    if lock:
        query = query.with_for_update()
    latest = ctx.session.scalar(query)
    assert latest is not None  # noqa: S101 - every program is created with version 1
    return latest


def _copy_fields(version: ProgramVersion) -> dict[str, Any]:
    values = {name: getattr(version, name) for name in EDITABLE}
    values["image"] = (
        ImageUpload(version.image, version.image_type or "image/png") if version.image else None
    )
    return values


def _apply(version: ProgramVersion, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "image":
            version.image = value.data if value else None
            version.image_type = value.media_type if value else None
        else:
            setattr(version, name, value)
    if version.credit_hours is None:
        version.credit_hours = DEFAULT_CREDIT_HOURS
    if version.prior_training_eligible is None:
        version.prior_training_eligible = True
    for name in ("alignments", "prerequisites", "competencies"):
        if getattr(version, name) is None:
            setattr(version, name, [])


def _checked_fields(
    ctx: Context, program_id: int, fields: dict[str, Any], current: ProgramVersion | None
) -> dict[str, Any]:
    """Semantic checks the JSON schema cannot make: methods, next steps, rubric, prerequisites,
    decimals.
    ``current`` is the version an edit starts from (None on create)."""
    values = dict(fields)
    if "learning_methods" in values:
        methods = list(dict.fromkeys(values["learning_methods"]))
        offered = {m.value for m in LearningMethod} - {LearningMethod.PRIOR_TRAINING.value}
        if not methods or not set(methods) <= offered:
            raise ValidationFailed(
                fields={"learning_methods": f"choose from {', '.join(sorted(offered))}"}
            )
        values["learning_methods"] = methods
    if "next_steps" in values or ("learning_methods" in values and current is not None):
        before = current.next_steps if current is not None else None
        methods = values.get("learning_methods") or (current.learning_methods if current else [])
        values["next_steps"] = _checked_next_steps(values.get("next_steps", before), methods)
    if "rubric" in values:
        values["rubric"] = check_rubric(values["rubric"])
    if "prerequisites" in values:
        values["prerequisites"] = _checked_prerequisites(ctx, program_id, values["prerequisites"])
    for name in ("estimated_hours", "credit_hours"):
        if name in values and values[name] is not None:
            values[name] = Decimal(str(values[name]))
    if "alignments" in values:
        values["alignments"] = [
            {k: v for k, v in a.items() if v is not None} for a in values["alignments"] or []
        ]
    return values


def _checked_next_steps(steps: object, methods: list[str]) -> dict[str, str] | None:
    """The issuer's text per learning method: only for methods the program offers, each at most
    ``MAX_NEXT_STEPS`` characters of text (line breaks and tabs allowed, no other controls)."""
    if steps is None or steps == {}:
        return None
    if not isinstance(steps, dict):
        raise ValidationFailed(fields={"next_steps": "must be an object"})
    checked: dict[str, str] = {}
    for method, text in steps.items():
        if method not in methods:
            raise ValidationFailed(
                fields={f"next_steps.{method}": f"this program offers {', '.join(methods)}"}
            )
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_NEXT_STEPS:
            raise ValidationFailed(
                fields={f"next_steps.{method}": f"1 to {MAX_NEXT_STEPS} characters of text"}
            )
        if any(_is_control(ch) for ch in text):
            raise ValidationFailed(
                fields={f"next_steps.{method}": "contains control characters"},
                code="control_characters",
            )
        checked[method] = text
    return checked


def _is_control(ch: str) -> bool:
    code = ord(ch)
    if ch in "\t\n\r":
        return False
    return code < 32 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF


def _checked_prerequisites(ctx: Context, program_id: int, ids: list[int]) -> list[int]:
    unique = list(dict.fromkeys(ids))
    if program_id in unique:
        raise ValidationFailed(fields={"prerequisites": "a program cannot require itself"})
    missing = [i for i in unique if ctx.session.get(Program, i) is None]
    if missing:
        raise ValidationFailed(fields={"prerequisites": f"unknown program ids {missing}"})
    return unique
