"""PTSB completion notices: one row per award, acknowledged by PTSB once it records the license.

PTSB's license system hears of each award through the ``award.issued`` webhook, which carries the
``notice_id`` to acknowledge (issuer/workflow/integrations/events.py, delivered by issuer/workflow/integrations/delivery.py).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, or_, select

from issuer.domain import webhooks
from issuer.domain.search import search_words
from issuer.domain.states import Role
from issuer.errors import Conflict, ValidationFailed
from issuer.models import Award, Earner, Notice, WebhookDelivery, WebhookEvent
from issuer.workflow import audit
from issuer.workflow.context import Context

PENDING, ACKNOWLEDGED = "pending", "acknowledged"


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
    )
    ctx.session.add(notice)
    ctx.session.flush()
    return notice


def list_notices(ctx: Context, status: str | None = None, q: str | None = None) -> list[Notice]:
    """Every notice (in one status, matching ``q`` as in ``notice_page``), oldest first (PTSB)."""
    return list(ctx.session.scalars(_notices_query(ctx, status, q)))


def notice_page(
    ctx: Context, status: str | None, q: str | None, *, limit: int, offset: int
) -> tuple[list[Notice], int]:
    """One page of notices, oldest first, in one status and matching ``q`` (the educator's name
    or license number, as on their record or as acknowledged), with how many match in all."""
    query = _notices_query(ctx, status, q)
    total = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return list(ctx.session.scalars(query.limit(limit).offset(offset))), int(total)


def _notices_query(ctx: Context, status: str | None, q: str | None) -> Select[tuple[Notice]]:
    ctx.actor.require_role(Role.PTSB)
    if status not in (None, PENDING, ACKNOWLEDGED):
        raise ValidationFailed(fields={"status": "must be pending or acknowledged"})
    query = select(Notice).join(Earner, Earner.id == Notice.earner_id).order_by(Notice.id)
    if status:
        query = query.where(Notice.status == status)
    words = search_words(q)
    if words:
        lowered = words.lower()
        query = query.where(
            or_(
                func.lower(Earner.name).contains(lowered, autoescape=True),
                func.lower(func.coalesce(Earner.license_number, "")).contains(
                    lowered, autoescape=True
                ),
                func.lower(func.coalesce(Notice.license_number, "")).contains(
                    lowered, autoescape=True
                ),
            )
        )
    return query


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


def delivery_states(ctx: Context, award_ids: list[str]) -> dict[str, str]:
    """How far each award's ``award.issued`` webhook to PTSB's license system has got."""
    if not award_ids:
        return {}
    query = (
        select(WebhookEvent.subject, WebhookDelivery.state)
        .join(WebhookDelivery, WebhookDelivery.event_id == WebhookEvent.id)
        .where(
            WebhookEvent.type == webhooks.AWARD_ISSUED,
            WebhookEvent.subject.in_(award_ids),
            WebhookDelivery.subscription_id.is_(None),
        )
    )
    return {subject: state for subject, state in ctx.session.execute(query)}
