"""The public catalog (SPEC §8, ``/programs`` and ``GET /api/v1/catalog``): every issuer's approved
programs, each as its version in force, and the stacks they make up; searched by name and filtered
by issuer, learning method and alignment. No sign-in: it holds only what is published anyway."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from issuer.domain.search import search_words
from issuer.domain.states import LearningMethod
from issuer.errors import ValidationFailed
from issuer.models import Issuer, Program, ProgramVersion, Stack
from issuer.workflow.context import Context
from issuer.workflow.programs import programs, stacks


@dataclass(frozen=True)
class CatalogFilters:
    """What the visitor asked for; ``None`` means "any"."""

    q: str | None = None
    issuer_id: int | None = None
    learning_method: LearningMethod | None = None
    alignment: str | None = None

    @property
    def any(self) -> bool:
        return any(
            v is not None for v in (self.q, self.issuer_id, self.learning_method, self.alignment)
        )


@dataclass(frozen=True)
class CatalogProgram:
    """An approved program as the catalog lists it (its version in force)."""

    id: int
    version: int
    name: str
    description: str
    issuer_id: int
    issuer_name: str
    estimated_hours: Decimal
    credit_hours: Decimal
    learning_methods: list[str]
    alignments: list[dict[str, Any]]
    url: str
    image_url: str
    ob2_url: str
    ob3_url: str

    @property
    def hours_words(self) -> str:
        return hours_text(self.estimated_hours)

    @property
    def credit_hours_words(self) -> str:
        return hours_text(self.credit_hours)


@dataclass(frozen=True)
class StackMember:
    id: int
    name: str
    url: str


@dataclass(frozen=True)
class CatalogStack:
    """A stack with its approved programs in order."""

    id: int
    name: str
    description: str
    issuer_id: int
    issuer_name: str
    required: int
    credit_hours: Decimal
    programs: list[StackMember]

    @property
    def credit_hours_words(self) -> str:
        return hours_text(self.credit_hours)


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Catalog:
    """One page of matching programs, how many match in all, the matching stacks, and the choices
    the filters offer (issuers and alignments that have approved programs)."""

    items: list[CatalogProgram]
    total: int
    stacks: list[CatalogStack]
    issuers: list[Option]
    alignments: list[str]


def catalog(ctx: Context, filters: CatalogFilters, *, limit: int = 20, offset: int = 0) -> Catalog:
    """The catalog page; an issuer or alignment nobody offers, or a bad search, is 422."""
    listed = _approved(ctx)
    issuers = {i.id: i for i in ctx.session.scalars(select(Issuer).order_by(Issuer.name))}
    alignments = sorted(
        {a["target_name"] for _, v in listed for a in v.alignments or []}, key=str.casefold
    )
    q = _checked_query(filters.q)
    if filters.issuer_id is not None and filters.issuer_id not in issuers:
        raise ValidationFailed(fields={"issuer_id": "no issuer has this id"})
    if filters.alignment is not None and filters.alignment not in alignments:
        raise ValidationFailed(fields={"alignment": "no approved program aligns with this"})
    matching = [(p, v) for p, v in listed if _matches(p, v, filters, q)]
    items = [_program(ctx, p, v, issuers[p.issuer_id]) for p, v in matching]
    shown = {p.id for p, _ in matching}
    names = {p.id: v.name for p, v in listed}
    return Catalog(
        items=items[offset : offset + limit],
        total=len(items),
        stacks=[
            _stack(ctx, s, names, issuers[s.issuer_id])
            for s in ctx.session.scalars(select(Stack).order_by(Stack.name, Stack.id))
            if _stack_matches(s, filters, q, shown)
        ],
        issuers=[
            Option(str(i.id), i.name)
            for i in issuers.values()
            if any(p.issuer_id == i.id for p, _ in listed)
        ],
        alignments=alignments,
    )


def hours_text(value: Decimal) -> str:
    """Hours as people write them: 10, 0.5 (never 1E+1 or 10.00)."""
    return f"{Decimal(value).normalize():f}"


def _approved(ctx: Context) -> list[tuple[Program, ProgramVersion]]:
    found = []
    for program in ctx.session.scalars(select(Program).order_by(Program.id)):
        approved = programs.view(ctx, program.id).approved
        if approved is not None:
            found.append((program, approved))
    return sorted(found, key=lambda pv: (pv[1].name.casefold(), pv[0].id))


def _checked_query(q: str | None) -> str | None:
    words = search_words(q)
    return None if words is None else words.casefold()


def _matches(program: Program, v: ProgramVersion, f: CatalogFilters, q: str | None) -> bool:
    return (
        (q is None or q in v.name.casefold())
        and (f.issuer_id is None or program.issuer_id == f.issuer_id)
        and (f.learning_method is None or f.learning_method.value in v.learning_methods)
        and (
            f.alignment is None
            or any(a.get("target_name") == f.alignment for a in v.alignments or [])
        )
    )


def _stack_matches(stack: Stack, f: CatalogFilters, q: str | None, shown: set[int]) -> bool:
    """A stack is listed when it has a matching program, or (searching by name only) its own name
    matches; its issuer must match the issuer filter."""
    if f.issuer_id is not None and stack.issuer_id != f.issuer_id:
        return False
    members = set(stacks.program_ids(stack))
    if members & shown:
        return True
    only_name = f.learning_method is None and f.alignment is None
    return q is not None and only_name and q in stack.name.casefold()


def _program(ctx: Context, program: Program, v: ProgramVersion, issuer: Issuer) -> CatalogProgram:
    ob2 = ctx.urls.ob2_program_badge(program.id, v.version)
    return CatalogProgram(
        id=program.id,
        version=v.version,
        name=v.name,
        description=v.description,
        issuer_id=issuer.id,
        issuer_name=issuer.name,
        estimated_hours=v.estimated_hours,
        credit_hours=v.credit_hours,
        learning_methods=list(v.learning_methods),
        alignments=list(v.alignments or []),
        url=ctx.urls.spec_sheet(program.id),
        image_url=ctx.urls.badge_image(ob2, "png"),
        ob2_url=ob2,
        ob3_url=ctx.urls.ob3_program_achievement(program.id, v.version),
    )


def _stack(ctx: Context, stack: Stack, names: dict[int, str], issuer: Issuer) -> CatalogStack:
    members = stacks.program_ids(stack)
    return CatalogStack(
        id=stack.id,
        name=stack.name,
        description=stack.description,
        issuer_id=issuer.id,
        issuer_name=issuer.name,
        required=stack.required if stack.required is not None else len(members),
        credit_hours=stack.credit_hours,
        programs=[
            StackMember(pid, names[pid], ctx.urls.spec_sheet(pid))
            for pid in members
            if pid in names
        ],
    )
