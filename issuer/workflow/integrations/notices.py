"""PTSB completion notices: one row per award, acknowledged by PTSB once it records the license.

PTSB's license system hears of each award through the ``award.issued`` webhook, which carries the
``notice_id`` to acknowledge (issuer/workflow/integrations/events.py, delivered by issuer/workflow/integrations/delivery.py).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from issuer.domain import webhooks
from issuer.domain.states import Role
from issuer.errors import Conflict, ValidationFailed
from issuer.models import Award, Notice, WebhookDelivery, WebhookEvent
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
