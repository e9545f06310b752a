"""The program's public page (``/programs/<id>``): the version in force as an educator reads it,
including the issuer's next steps for each learning method. Only approved programs have one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from issuer.domain.mail import METHOD_WORDS
from issuer.errors import NotFound
from issuer.models import Issuer, Program
from issuer.workflow import programs
from issuer.workflow.context import Context


@dataclass(frozen=True)
class MethodSteps:
    words: str
    next_steps: str | None


@dataclass(frozen=True)
class Prerequisite:
    name: str
    url: str


@dataclass(frozen=True)
class SpecSheet:
    program_id: int
    version: int
    name: str
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
    alignments: list[dict[str, Any]]


def spec_sheet(ctx: Context, program_id: int) -> SpecSheet:
    """The page of an approved program; ``NotFound`` for drafts, rejected or retired ones."""
    program = ctx.get(Program, program_id)
    version = programs.view(ctx, program_id).approved
    if version is None:
        raise NotFound(f"No program with id {program_id}.", code="program_not_found")
    issuer = ctx.get(Issuer, program.issuer_id)
    steps = version.next_steps or {}
    return SpecSheet(
        program_id=program.id,
        version=version.version,
        name=version.name,
        issuer_name=issuer.name,
        issuer_url=issuer.url,
        description=version.description,
        criteria=version.criteria,
        competencies=list(version.competencies or []),
        methods=[
            MethodSteps(METHOD_WORDS.get(m, m), steps.get(m)) for m in version.learning_methods
        ],
        estimated_hours=_hours(version.estimated_hours),
        credit_hours=_hours(version.credit_hours),
        validity_days=version.validity_days,
        prerequisites=[
            Prerequisite(programs.display_name(ctx, pid), ctx.urls.spec_sheet(pid))
            for pid in version.prerequisites or []
        ],
        alignments=list(version.alignments or []),
    )


def _hours(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"
