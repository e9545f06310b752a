"""PTSB completion notices: an outbox row per award, acknowledged by PTSB, delivered at least once.

Delivery claims rows with a compare-and-set lease (works the same on SQLite and PostgreSQL), so
any number of workers may run the deliverer; a crashed worker's lease simply expires.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update

from issuer.domain.states import Role
from issuer.errors import Conflict, ValidationFailed
from issuer.models import Award, Notice
from issuer.workflow import audit
from issuer.workflow.context import Context

PENDING, ACKNOWLEDGED = "pending", "acknowledged"
LEASE = timedelta(seconds=60)
MAX_BACKOFF = timedelta(hours=6)


def create_notice(ctx: Context, award: Award) -> Notice:
    """Written in the award's own transaction: no award without its notice, and no notice without award."""
    notice = Notice(
        award_id=award.id,
        earner_id=award.earner_id,
        program_id=award.program_id,
        stack_id=award.stack_id,
        credit_hours=award.credit_hours,
        status=PENDING,
        created_at=ctx.now,
        delivery_state="pending",
        attempts=0,
        next_attempt_at=ctx.now,
    )
    ctx.session.add(notice)
    ctx.session.flush()
    return notice


def list_notices(ctx: Context, status: str | None = None) -> list[Notice]:
    ctx.actor.require_role(Role.PTSB)
    if status not in (None, PENDING, ACKNOWLEDGED):
        raise ValidationFailed(fields={"status": "must be pending or acknowledged"})
    query = select(Notice).order_by(Notice.id)
    if status:
        query = query.where(Notice.status == status)
    return list(ctx.session.scalars(query))


def acknowledge(
    ctx: Context,
    notice_id: int,
    *,
    license_number: str,
    certificate_reference: str,
    on: date | None = None,
) -> Notice:
    """PTSB records the award on the educator's license; a second acknowledgement is a conflict."""
    ctx.actor.require_role(Role.PTSB)
    notice = ctx.get(Notice, notice_id, lock=True)
    if notice.status == ACKNOWLEDGED:
        raise Conflict("This notice was already acknowledged.", code="already_acknowledged")
    notice.status = ACKNOWLEDGED
    notice.license_number = license_number
    notice.certificate_reference = certificate_reference
    notice.acknowledged_on = on or ctx.now.date()
    audit.record(
        ctx,
        "notice.acknowledged",
        "notice",
        notice_id,
        award_id=notice.award_id,
        certificate_reference=certificate_reference,
    )
    return notice


def notice_for_award(ctx: Context, award_id: str) -> Notice | None:
    return ctx.session.scalar(select(Notice).where(Notice.award_id == award_id))


def claim_due(ctx: Context, worker: str, limit: int = 20) -> list[Notice]:
    """Lease up to ``limit`` undelivered notices to ``worker``; another worker never gets the same."""
    due = select(Notice.id).where(
        Notice.delivery_state == "pending",
        Notice.next_attempt_at <= ctx.now,
        or_(Notice.claimed_until.is_(None), Notice.claimed_until < ctx.now),
    )
    claimed: list[Notice] = []
    for notice_id in list(ctx.session.scalars(due.order_by(Notice.id).limit(limit))):
        result = ctx.session.execute(
            update(Notice)
            .where(
                Notice.id == notice_id,
                or_(Notice.claimed_until.is_(None), Notice.claimed_until < ctx.now),
            )
            .values(claimed_by=worker, claimed_until=ctx.now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(ctx.get(Notice, notice_id))
    return claimed


def record_delivery(ctx: Context, notice: Notice, error: str | None) -> None:
    """After one attempt: delivered, or back off exponentially and try again later."""
    notice.attempts += 1
    notice.claimed_by = None
    notice.claimed_until = None
    if error is None:
        notice.delivery_state = "delivered"
        notice.delivered_at = ctx.now
        notice.last_error = None
        return
    notice.last_error = error[:1000]
    notice.next_attempt_at = ctx.now + backoff(notice.attempts)


def backoff(attempts: int) -> timedelta:
    """Exponential back-off: 30 s, 1 min, 2 min, ... capped at six hours."""
    return min(timedelta(seconds=30) * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


Sender = Callable[[dict[str, object]], None]


def notice_payload(notice: Notice, award_url: str) -> dict[str, object]:
    """What PTSB's webhook receives for one completion."""
    return {
        "type": "completion",
        "notice_id": notice.id,
        "award_id": notice.award_id,
        "earner_id": notice.earner_id,
        "program_id": notice.program_id,
        "stack_id": notice.stack_id,
        "credit_hours": float(notice.credit_hours),
        "created_at": _iso(notice.created_at),
        "assertion_url": award_url,
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
