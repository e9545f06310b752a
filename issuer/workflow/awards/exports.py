"""Completions for PD and license systems: each award with its earner, program and public URLs.

PTSB exports every issuer's awards (or one issuer's); an issuer's admins their own issuer's only.
Records are read oldest first in batches (keyset on issue time and id), so an export of any size
streams in constant memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import astuple, dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select

from issuer.domain.credentials import standing
from issuer.domain.states import AwardStatus, Role
from issuer.errors import Forbidden, ValidationFailed
from issuer.models import Award, Earner, Issuer, ProgramVersion
from issuer.workflow.context import Context

BATCH = 500


@dataclass(frozen=True)
class CompletionFilter:
    """Which awards an export holds: one issuer or all (PTSB), issued between two dates (UTC)."""

    issuer_id: int | None
    awarded_from: date | None
    awarded_to: date | None


@dataclass(frozen=True)
class CompletionRecord:
    """One award as an export row; the field order is the CSV column order."""

    award_id: str
    kind: str
    issuer_id: int
    earner_name: str
    email: str
    license_number: str | None
    program_id: int | None
    program_name: str
    program_version: int | None
    stack_id: int | None
    credit_hours: Decimal
    awarded_on: date
    expires_on: date | None
    status: str
    assertion_url: str
    credential_url: str

    def values(self) -> tuple[Any, ...]:
        return astuple(self)


COLUMNS = tuple(f.name for f in fields(CompletionRecord))


def completion_filter(
    ctx: Context,
    issuer_id: int | None = None,
    awarded_from: date | None = None,
    awarded_to: date | None = None,
) -> CompletionFilter:
    """Check who may export what: PTSB every issuer; an issuer's admins only their own."""
    actor = ctx.actor
    actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    if awarded_from and awarded_to and awarded_from > awarded_to:
        raise ValidationFailed(fields={"from": "must not be after to"})
    if actor.role is Role.ISSUER_ADMIN:
        if issuer_id is not None and issuer_id != actor.issuer_id:
            raise Forbidden("That is another issuer.", code="other_issuer")
        issuer_id = actor.issuer_id
    elif issuer_id is not None:
        ctx.get(Issuer, issuer_id)
    return CompletionFilter(issuer_id, awarded_from, awarded_to)


def completion_records(
    ctx: Context, scope: CompletionFilter, batch: int = BATCH
) -> Iterator[CompletionRecord]:
    """Every award in ``scope``, oldest first, fetched ``batch`` rows at a time."""
    after: tuple[datetime, str] | None = None
    while True:
        query = _query(scope)
        if after is not None:
            issued_at, award_id = after
            query = query.where(
                or_(
                    Award.issued_at > issued_at,
                    and_(Award.issued_at == issued_at, Award.id > award_id),
                )
            )
        rows = ctx.session.execute(query.order_by(Award.issued_at, Award.id).limit(batch)).all()
        for row in rows:
            yield _record(ctx, row)
        if len(rows) < batch:
            return
        after = (rows[-1].issued_at, rows[-1].id)


def _query(scope: CompletionFilter) -> Any:
    query = select(
        Award.id,
        Award.kind,
        Award.issuer_id,
        Award.program_id,
        Award.stack_id,
        Award.name,
        Award.credit_hours,
        Award.issued_at,
        Award.expires_at,
        Award.status,
        Earner.name.label("earner_name"),
        Earner.email,
        Earner.license_number,
        ProgramVersion.version,
    ).join(Earner, Earner.id == Award.earner_id)
    query = query.outerjoin(ProgramVersion, ProgramVersion.id == Award.program_version_id)
    if scope.issuer_id is not None:
        query = query.where(Award.issuer_id == scope.issuer_id)
    if scope.awarded_from is not None:
        query = query.where(Award.issued_at >= _start_of(scope.awarded_from))
    if scope.awarded_to is not None:
        query = query.where(Award.issued_at < _start_of(scope.awarded_to + timedelta(days=1)))
    return query


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _record(ctx: Context, row: Any) -> CompletionRecord:
    revoked = row.status == AwardStatus.REVOKED.value
    return CompletionRecord(
        award_id=row.id,
        kind=row.kind,
        issuer_id=row.issuer_id,
        earner_name=row.earner_name,
        email=row.email,
        license_number=row.license_number,
        program_id=row.program_id,
        program_name=row.name,
        program_version=row.version,
        stack_id=row.stack_id,
        credit_hours=row.credit_hours,
        awarded_on=row.issued_at.date(),
        expires_on=row.expires_at.date() if row.expires_at else None,
        status=standing(revoked, row.expires_at, ctx.now),
        assertion_url=ctx.urls.ob2_assertion(row.id),
        credential_url=ctx.urls.ob3_credential(row.id),
    )
