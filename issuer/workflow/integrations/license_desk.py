"""PTSB's license desk (SPEC §8, PTSB): the completion notices as the board's staff read them
(the educator, their license number and position, the program, the issuer, credit hours and the
award's verification link), the CSV export of the same lines, and credit-hour totals per
educator. Read models only: acknowledging stays ``notices.acknowledge``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, or_, select

from issuer.domain.search import search_words
from issuer.domain.states import Role
from issuer.models import Award, Earner, Issuer, Notice, ProgramVersion, Stack
from issuer.workflow.context import Context
from issuer.workflow.integrations import notices

REVOKED = "revoked"
CSV_COLUMNS = (
    "notice_id",
    "status",
    "educator",
    "license_number",
    "position",
    "program",
    "version",
    "issuer",
    "credit_hours",
    "award_status",
    "issued_on",
    "verify_url",
    "certificate_reference",
    "acknowledged_on",
)


@dataclass(frozen=True)
class DeskLine:
    """One completion notice on the desk."""

    notice_id: int
    status: str  # pending | acknowledged
    award_id: str
    award_status: str  # active | revoked
    earner_id: int
    earner_name: str
    earner_license_number: str | None  # as on the educator's record (the form's default)
    position: str | None
    program_name: str  # the program version's name, or the stack's
    program_version: int | None  # None for a stack credential
    issuer_name: str
    credit_hours: Decimal
    created_at: datetime
    issued_on: date
    verify_url: str
    license_number: str | None  # as acknowledged
    certificate_reference: str | None
    acknowledged_on: date | None

    @property
    def pending(self) -> bool:
        return self.status == notices.PENDING

    @property
    def revoked(self) -> bool:
        return self.award_status == REVOKED

    def csv_row(self) -> tuple[object, ...]:
        return (
            self.notice_id,
            self.status,
            self.earner_name,
            self.license_number or self.earner_license_number or "",
            self.position or "",
            self.program_name,
            self.program_version if self.program_version is not None else "",
            self.issuer_name,
            credit_hours_words(self.credit_hours),
            self.award_status,
            self.issued_on.isoformat(),
            self.verify_url,
            self.certificate_reference or "",
            self.acknowledged_on.isoformat() if self.acknowledged_on else "",
        )


@dataclass(frozen=True)
class DeskPage:
    items: list[DeskLine]
    total: int
    pending_total: int  # every pending notice, whatever the search (the tab's count)


@dataclass(frozen=True)
class EducatorTotals:
    """What the desk knows of one educator: their awards and the credit hours on them."""

    earner_id: int
    name: str
    license_number: str | None
    awards: int
    hours_recorded: Decimal  # acknowledged on the license
    hours_pending: Decimal  # notices not yet acknowledged


@dataclass(frozen=True)
class EducatorPage:
    items: list[EducatorTotals]
    total: int


def desk(ctx: Context, status: str | None, q: str | None, *, limit: int, offset: int) -> DeskPage:
    """One page of notices (``status`` pending or acknowledged, ``q`` the educator's name or
    license number), oldest first, with the pending count."""
    rows, total = notices.notice_page(ctx, status, q, limit=limit, offset=offset)
    pending_total = ctx.session.scalar(
        select(func.count()).select_from(Notice).where(Notice.status == notices.PENDING)
    )
    return DeskPage([_line(ctx, row) for row in rows], total, int(pending_total or 0))


def desk_lines(ctx: Context, status: str | None, q: str | None) -> Iterator[DeskLine]:
    """Every line matching the filters, oldest first (the CSV export)."""
    for row in notices.list_notices(ctx, status, q):
        yield _line(ctx, row)


def desk_line(ctx: Context, notice_id: int) -> DeskLine:
    """One notice as the desk shows it (PTSB)."""
    ctx.actor.require_role(Role.PTSB)
    return _line(ctx, ctx.get(Notice, notice_id))


def educator_totals(ctx: Context, q: str | None, *, limit: int, offset: int) -> EducatorPage:
    """Educators with at least one award, by name, with their award count and credit hours
    recorded on the license and still pending; revoked awards count for nothing."""
    ctx.actor.require_role(Role.PTSB)
    query = (
        select(Earner, Notice)
        .join(Notice, Notice.earner_id == Earner.id)
        .join(Award, Award.id == Notice.award_id)
        .where(Award.status != REVOKED)
        .order_by(Earner.name, Earner.id, Notice.id)
    )
    words = search_words(q)
    if words:
        lowered = words.lower()
        query = query.where(
            or_(
                func.lower(Earner.name).contains(lowered, autoescape=True),
                func.lower(func.coalesce(Earner.license_number, "")).contains(
                    lowered, autoescape=True
                ),
            )
        )
    totals: dict[int, EducatorTotals] = {}
    for earner, notice in ctx.session.execute(query):
        known = totals.get(earner.id) or EducatorTotals(
            earner.id, earner.name, earner.license_number, 0, Decimal(0), Decimal(0)
        )
        recorded = notice.status == notices.ACKNOWLEDGED
        totals[earner.id] = EducatorTotals(
            known.earner_id,
            known.name,
            known.license_number,
            known.awards + 1,
            known.hours_recorded + (notice.credit_hours if recorded else 0),
            known.hours_pending + (0 if recorded else notice.credit_hours),
        )
    everyone = list(totals.values())
    return EducatorPage(everyone[offset : offset + limit], len(everyone))


def credit_hours_words(value: Decimal) -> str:
    """``1.50`` as "1.5", ``2.0`` as "2"."""
    return format(Decimal(value).normalize(), "f")


def _line(ctx: Context, row: Notice) -> DeskLine:
    award = ctx.get(Award, row.award_id)
    person = ctx.get(Earner, row.earner_id)
    issuer = ctx.get(Issuer, award.issuer_id)
    version = (
        ctx.session.get(ProgramVersion, award.program_version_id)
        if award.program_version_id
        else None
    )
    stack = ctx.session.get(Stack, row.stack_id) if row.stack_id is not None else None
    name = version.name if version is not None else (stack.name if stack else award.name)
    return DeskLine(
        notice_id=row.id,
        status=row.status,
        award_id=award.id,
        award_status=award.status,
        earner_id=person.id,
        earner_name=person.name,
        earner_license_number=person.license_number,
        position=person.position,
        program_name=name,
        program_version=version.version if version is not None else None,
        issuer_name=issuer.name,
        credit_hours=row.credit_hours,
        created_at=row.created_at,
        issued_on=award.issued_at.date(),
        verify_url=str(ctx.urls.award_artifacts(award.id)["verify_url"]),
        license_number=row.license_number,
        certificate_reference=row.certificate_reference,
        acknowledged_on=row.acknowledged_on,
    )
