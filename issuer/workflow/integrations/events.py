"""Webhook events, written in the same transaction as the change that causes them.

An event and its deliveries (one for PTSB's built-in subscriber, one per matching subscription)
commit or roll back with the award or approval: no event for a change that did not happen, and no
change without its event. The body is built once here and sent byte for byte on every attempt.
"""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select

from issuer.domain import webhooks
from issuer.models import (
    Award,
    Earner,
    Issuer,
    Notice,
    ProgramVersion,
    Stack,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from issuer.workflow.context import Context

# Memo key: a caller found no live subscription for an issuer (``subscribers`` needs no query).
NO_SUBSCRIBERS = "no_webhook_subscribers"


def award_issued(ctx: Context, award: Award, notice: Notice) -> WebhookEvent:
    """``award.issued``: who earned what, for how many credit hours, and where it is published."""
    data = _award_data(ctx, award)
    data["notice_id"] = notice.id
    return record(ctx, webhooks.AWARD_ISSUED, award.issuer_id, award.id, data)


def award_revoked(ctx: Context, award: Award) -> WebhookEvent:
    """``award.revoked``: the award as issued, plus when and why it was revoked."""
    data = _award_data(ctx, award)
    data["revoked_at"] = webhooks.iso(award.revoked_at or ctx.now)
    data["reason"] = award.revocation_reason
    notice = ctx.session.scalar(select(Notice).where(Notice.award_id == award.id))
    data["notice_id"] = notice.id if notice else None
    return record(ctx, webhooks.AWARD_REVOKED, award.issuer_id, award.id, data)


def program_approved(
    ctx: Context, issuer_id: int, version: ProgramVersion, superseded: ProgramVersion | None
) -> WebhookEvent:
    """``program.approved``: the version now in force and the published badge describing it."""
    issuer = ctx.get(Issuer, issuer_id)
    data: dict[str, object] = {
        "program": {
            "id": version.program_id,
            "version": version.version,
            "name": version.name,
            "description": version.description,
            "credit_hours": float(version.credit_hours),
            "estimated_hours": float(version.estimated_hours),
            "learning_methods": list(version.learning_methods),
        },
        "issuer": {"id": issuer.id, "name": issuer.name},
        "approved_at": webhooks.iso(version.decided_at or ctx.now),
        "comment": version.review_comment,
        "supersedes_version": superseded.version if superseded else None,
        "badge_class_url": ctx.urls.ob2_program_badge(version.program_id, version.version),
        "achievement_url": ctx.urls.ob3_program_achievement(version.program_id, version.version),
    }
    subject = f"{version.program_id}/v{version.version}"
    return record(ctx, webhooks.PROGRAM_APPROVED, issuer_id, subject, data)


def record(
    ctx: Context, event_type: str, issuer_id: int, subject: str, data: dict[str, object]
) -> WebhookEvent:
    """Store the event and queue a delivery for every subscriber that wants it."""
    event = WebhookEvent(
        id=f"msg_{uuid.uuid4().hex}",
        type=event_type,
        issuer_id=issuer_id,
        subject=subject,
        created_at=ctx.now,
        body=webhooks.body(event_type, ctx.now, data),
    )
    ctx.session.add(event)
    targets: list[int | None] = [None]  # PTSB's license system gets every event
    targets += [s.id for s in subscribers(ctx, issuer_id, event_type)]
    for subscription_id in targets:
        ctx.session.add(
            WebhookDelivery(
                event_id=event.id,
                subscription_id=subscription_id,
                state=webhooks.PENDING,
                attempts=0,
                next_attempt_at=ctx.now,
            )
        )
    return event  # inserted at the transaction's next flush, with the rows around it


def subscribers(ctx: Context, issuer_id: int, event_type: str) -> list[WebhookSubscription]:
    """Live subscriptions of this issuer, or of every issuer, that asked for this event type."""
    if ctx.memo.get((NO_SUBSCRIBERS, issuer_id)):
        return []
    query = (
        select(WebhookSubscription)
        .where(
            WebhookSubscription.deleted_at.is_(None),
            or_(
                WebhookSubscription.issuer_id == issuer_id,
                WebhookSubscription.issuer_id.is_(None),
            ),
        )
        .order_by(WebhookSubscription.id)
    )
    return [s for s in ctx.session.scalars(query) if event_type in s.event_types]


def remember_no_subscribers(ctx: Context, issuer_id: int) -> None:
    """No live subscription of this issuer or of every issuer exists: read by a caller along with
    its own rows, and valid for its unit of work (which holds no subscription change)."""
    ctx.memo[(NO_SUBSCRIBERS, issuer_id)] = True


def _award_data(ctx: Context, award: Award) -> dict[str, object]:
    earner = ctx.get(Earner, award.earner_id)
    issuer = ctx.get(Issuer, award.issuer_id)
    program: dict[str, object] | None = None
    if award.program_version_id is not None:
        version = ctx.get(ProgramVersion, award.program_version_id)
        program = {"id": version.program_id, "version": version.version, "name": version.name}
    stack: dict[str, object] | None = None
    if award.stack_id is not None:
        stack_row = ctx.get(Stack, award.stack_id)
        stack = {"id": stack_row.id, "name": stack_row.name}
    artifacts = ctx.urls.award_artifacts(award.id)
    return {
        "award_id": award.id,
        "kind": award.kind,
        "name": award.name,
        "issuer": {"id": issuer.id, "name": issuer.name},
        "earner": {
            "id": earner.id,
            "name": earner.name,
            "email": earner.email,
            "license_number": earner.license_number,
        },
        "program": program,
        "stack": stack,
        "credit_hours": float(award.credit_hours),
        "issued_at": webhooks.iso(award.issued_at),
        "expires_at": webhooks.iso(award.expires_at) if award.expires_at else None,
        "assertion_url": ctx.urls.ob2_assertion(award.id),
        "credential_url": ctx.urls.ob3_credential(award.id),
        "verify_url": artifacts["verify_url"],
        "certificate_url": artifacts["certificate_pdf"],
    }
