"""The issuer admin's webhooks page (SPEC §8, Facilitator): the issuer's live subscriptions, each
with its recent deliveries (status, attempts, last error, time), and subscribing from a form,
where a re-posted form must not register the same receiver twice."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from issuer.domain import webhooks as rules
from issuer.domain.states import Role
from issuer.errors import Conflict
from issuer.models import WebhookSubscription
from issuer.signing.sealing import SecretBox
from issuer.workflow.context import Context
from issuer.workflow.integrations import webhooks

RECENT_DELIVERIES = 20
STATE_WORDS = {
    rules.PENDING: "Waiting to be sent",
    rules.DELIVERED: "Delivered",
    rules.FAILED: "Failed",
    rules.CANCELLED: "Cancelled",
}


@dataclass(frozen=True)
class DeliveryLine:
    event_type: str
    webhook_id: str
    state: str
    state_words: str
    attempts: int
    last_status: int | None
    last_error: str | None
    at: str  # when the event happened (UTC)
    delivered_at: str | None


@dataclass(frozen=True)
class SubscriptionLine:
    id: int
    url: str
    event_types: list[str]
    description: str | None
    created_at: str
    deliveries: list[DeliveryLine]


def webhooks_page(ctx: Context) -> list[SubscriptionLine]:
    """The admin's issuer's live subscriptions, oldest first, each with its newest deliveries."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    return [
        SubscriptionLine(
            id=s.id,
            url=s.url,
            event_types=list(s.event_types),
            description=s.description,
            created_at=_moment(s.created_at),
            deliveries=[
                _delivery(record)
                for record in webhooks.list_deliveries(ctx, s.id, limit=RECENT_DELIVERIES)
            ],
        )
        for s in webhooks.list_subscriptions(ctx)
    ]


def subscribe_once(
    ctx: Context,
    url: str,
    event_types: list[str],
    box: SecretBox,
    *,
    description: str | None = None,
    allow_private: bool = False,
) -> webhooks.NewSubscription:
    """Register a receiver for the admin's issuer; ``Conflict`` (``already_subscribed``) when a
    live subscription of the issuer already sends to this URL (a re-posted form, or a second
    registration that would deliver every event twice)."""
    ctx.actor.require_role(Role.ISSUER_ADMIN)
    checked = webhooks.checked_url(url.strip(), allow_private=allow_private)
    same = select(WebhookSubscription.id).where(
        WebhookSubscription.issuer_id == ctx.actor.issuer_id,
        WebhookSubscription.url == checked,
        WebhookSubscription.deleted_at.is_(None),
    )
    if ctx.session.scalar(same.limit(1)) is not None:
        raise Conflict(
            "A subscription already sends your events to this URL.", code="already_subscribed"
        )
    return webhooks.create_subscription(
        ctx, checked, event_types, box, description=description, allow_private=allow_private
    )


def _delivery(record: webhooks.DeliveryRecord) -> DeliveryLine:
    delivery, event = record.delivery, record.event
    return DeliveryLine(
        event_type=event.type,
        webhook_id=event.id,
        state=delivery.state,
        state_words=STATE_WORDS.get(delivery.state, delivery.state),
        attempts=delivery.attempts,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        at=_moment(event.created_at),
        delivered_at=_moment(delivery.delivered_at) if delivery.delivered_at else None,
    )


def _moment(value) -> str:  # type: ignore[no-untyped-def]
    return value.strftime("%Y-%m-%d %H:%M UTC")
