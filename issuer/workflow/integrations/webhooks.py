"""Webhook subscriptions and the state of their deliveries: register, list, delete, claim, record
an attempt, replay.

Scope: an issuer's admins manage their issuer's subscriptions, which receive that issuer's events;
PTSB manages every subscription, and one it registers without an issuer receives every issuer's
events. Deliveries are claimed with a compare-and-set lease (the same on SQLite and PostgreSQL),
so any number of runners may work at once; a crashed runner's lease simply expires.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, or_, select, update

from issuer.domain import webhooks
from issuer.domain.states import Role
from issuer.errors import ValidationFailed
from issuer.models import (
    Issuer,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from issuer.signing.sealing import SecretBox
from issuer.workflow import audit
from issuer.workflow.context import Context

LEASE = timedelta(minutes=2)  # longer than a batch of sends can take (10 x 5 s timeout)
MAX_URL_LENGTH = 2048
BUILT_IN = "ptsb"  # how the CLI names PTSB's built-in subscriber (PTSB_WEBHOOK_URL)


# --- subscriptions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSubscription:
    """A subscription just registered and its signing secret: the only time the secret is shown."""

    subscription: WebhookSubscription
    secret: str


def secret_purpose(subscription_id: int) -> str:
    """What a subscription's sealed secret is bound to (migration 0008 seals with the same)."""
    return f"webhook_subscription:{subscription_id}:secret"


def create_subscription(
    ctx: Context,
    url: str,
    event_types: list[str],
    box: SecretBox,
    *,
    issuer_id: int | None = None,
    description: str | None = None,
    allow_private: bool = False,
) -> NewSubscription:
    """Register a receiver; its ``whsec_`` secret is in the answer, the only time it is shown,
    and is stored sealed by ``box``."""
    ctx.actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    if ctx.actor.role is Role.ISSUER_ADMIN and issuer_id is None:
        issuer_id = ctx.actor.issuer_id
    if issuer_id is not None:
        ctx.actor.require_issuer(issuer_id)
        ctx.get(Issuer, issuer_id)
    subscription = WebhookSubscription(
        issuer_id=issuer_id,
        url=checked_url(url, allow_private=allow_private),
        event_types=_checked_types(event_types),
        description=description,
        secret_sealed="",  # sealed below, once the id it is bound to exists
        created_by=ctx.actor.account_id,
        created_at=ctx.now,
    )
    ctx.session.add(subscription)
    ctx.session.flush()
    secret = webhooks.secret_from_bytes(secrets.token_bytes(webhooks.SECRET_BYTES))
    subscription.secret_sealed = box.seal(secret, secret_purpose(subscription.id))
    audit.record(
        ctx,
        "webhook.subscribed",
        "webhook_subscription",
        subscription.id,
        url=subscription.url,
        event_types=subscription.event_types,
        issuer_id=issuer_id,
    )
    return NewSubscription(subscription, secret)


def list_subscriptions(
    ctx: Context, issuer_id: int | None = None, include_deleted: bool = False
) -> list[WebhookSubscription]:
    """PTSB sees every subscription (or one issuer's); an issuer's admins see their issuer's."""
    ctx.actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    if ctx.actor.role is Role.ISSUER_ADMIN:
        if issuer_id is not None:
            ctx.actor.require_issuer(issuer_id)
        issuer_id = ctx.actor.issuer_id
    query = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if issuer_id is not None:
        query = query.where(WebhookSubscription.issuer_id == issuer_id)
    if not include_deleted:
        query = query.where(WebhookSubscription.deleted_at.is_(None))
    return list(ctx.session.scalars(query))


def get_subscription(ctx: Context, subscription_id: int) -> WebhookSubscription:
    subscription = ctx.get(WebhookSubscription, subscription_id, what="webhook_subscription")
    _check_manager(ctx, subscription)
    return subscription


def delete_subscription(ctx: Context, subscription_id: int) -> WebhookSubscription:
    """Stop sending: the subscription is kept for its delivery log, its waiting deliveries cancelled."""
    subscription = ctx.get(
        WebhookSubscription, subscription_id, lock=True, what="webhook_subscription"
    )
    _check_manager(ctx, subscription)
    if subscription.deleted_at is None:
        subscription.deleted_at = ctx.now
        ctx.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.subscription_id == subscription.id,
                WebhookDelivery.state == webhooks.PENDING,
            )
            .values(state=webhooks.CANCELLED, claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        audit.record(ctx, "webhook.deleted", "webhook_subscription", subscription.id)
    return subscription


def _check_manager(ctx: Context, subscription: WebhookSubscription) -> None:
    ctx.actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    if subscription.issuer_id is None:
        ctx.actor.require_role(Role.PTSB)
    else:
        ctx.actor.require_issuer(subscription.issuer_id)


def checked_url(url: str, *, allow_private: bool = False) -> str:
    """An http(s) URL without credentials; a literal private address or ``localhost`` is refused
    unless allowed. Names are resolved and checked again before every delivery."""
    parts = urlsplit(url)
    problem = None
    try:
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        host, problem = "", "must be a valid URL"
    if problem is None and parts.scheme not in ("http", "https"):
        problem = "must be an http or https URL"
    elif problem is None and not host:
        problem = "must name a host"
    elif problem is None and (parts.username is not None or parts.password is not None):
        problem = "must not carry a user name or password"
    elif problem is None and len(url) > MAX_URL_LENGTH:
        problem = f"must be at most {MAX_URL_LENGTH} characters"
    elif problem is None and parts.fragment:
        problem = "must not have a fragment"
    elif problem is None and not allow_private and _is_private_host(host):
        problem = "must not point at a private, loopback or link-local address"
    if problem is not None:
        raise ValidationFailed(fields={"url": problem})
    return url


def _is_private_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def _checked_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(webhooks.EVENT_TYPES))
    if unknown or not event_types:
        raise ValidationFailed(
            fields={"event_types": f"must be some of {', '.join(webhooks.EVENT_TYPES)}"}
        )
    return [t for t in webhooks.EVENT_TYPES if t in event_types]


# --- the delivery log ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryRecord:
    """One delivery with its event and every attempt, newest attempts last."""

    delivery: WebhookDelivery
    event: WebhookEvent
    attempts: list[WebhookAttempt]


def list_deliveries(
    ctx: Context,
    subscription_id: int | None,
    *,
    state: str | None = None,
    event_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[DeliveryRecord]:
    """A subscription's deliveries, newest first; ``subscription_id`` None is PTSB's built-in one
    (PTSB only)."""
    if subscription_id is None:
        ctx.actor.require_role(Role.PTSB)
    else:
        get_subscription(ctx, subscription_id)
    if state is not None and state not in webhooks.DELIVERY_STATES:
        raise ValidationFailed(
            fields={"state": f"must be one of {', '.join(webhooks.DELIVERY_STATES)}"}
        )
    query = (
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(_subscription_is(subscription_id))
        .order_by(WebhookEvent.created_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if state is not None:
        query = query.where(WebhookDelivery.state == state)
    if event_id is not None:
        query = query.where(WebhookDelivery.event_id == event_id)
    rows = [(row[0], row[1]) for row in ctx.session.execute(query)]
    attempts: dict[int, list[WebhookAttempt]] = {d.id: [] for d, _ in rows}
    if attempts:
        for attempt in ctx.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.id)
        ):
            attempts[attempt.delivery_id].append(attempt)
    return [DeliveryRecord(d, e, attempts[d.id]) for d, e in rows]


def _subscription_is(subscription_id: int | None) -> ColumnElement[bool]:
    if subscription_id is None:
        return WebhookDelivery.subscription_id.is_(None)
    return WebhookDelivery.subscription_id == subscription_id


# --- replay ----------------------------------------------------------------------------------


def replay(
    ctx: Context,
    *,
    event_id: str | None = None,
    subscription_id: int | None = None,
    built_in: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[int]:
    """Queue deliveries to be sent again now, with the SAME ``webhook-id`` (receivers de-duplicate).

    Chosen by subscriber (a subscription, or ``built_in`` for PTSB's license system) and optionally
    one event or an event time range; PTSB may also replay one event to all its subscribers. A
    cancelled delivery (deleted subscription) is never replayed. Returns the delivery ids.
    """
    if subscription_id is not None:
        get_subscription(ctx, subscription_id)
    elif built_in or event_id is not None:
        ctx.actor.require_role(Role.PTSB)
    else:
        raise ValidationFailed(fields={"subscription": "name a subscriber or an event"})
    if since is not None and until is not None and since > until:
        raise ValidationFailed(fields={"since": "must not be after until"})
    query = (
        select(WebhookDelivery)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.state != webhooks.CANCELLED)
        .order_by(WebhookDelivery.id)
    )
    if subscription_id is not None or built_in:
        query = query.where(_subscription_is(subscription_id))
    if event_id is not None:
        ctx.get(WebhookEvent, event_id, what="webhook_event")
        query = query.where(WebhookDelivery.event_id == event_id)
    if since is not None:
        query = query.where(WebhookEvent.created_at >= since)
    if until is not None:
        query = query.where(WebhookEvent.created_at <= until)
    chosen = list(ctx.session.scalars(query.with_for_update(of=WebhookDelivery)))
    for delivery in chosen:
        delivery.state = webhooks.PENDING
        delivery.attempts = 0  # a fresh round of retries; the attempt log keeps the history
        delivery.next_attempt_at = ctx.now
        delivery.claimed_by = None
        delivery.claimed_until = None
    ctx.session.flush()
    ids = [d.id for d in chosen]
    subject = BUILT_IN if built_in else (subscription_id or event_id)
    audit.record(
        ctx,
        "webhook.replayed",
        "webhook_subscription" if subject != event_id else "webhook_event",
        subject,
        deliveries=ids,
        event_id=event_id,
        since=webhooks.iso(since) if since else None,
        until=webhooks.iso(until) if until else None,
    )
    return ids


# --- claiming and recording attempts (the delivery runner) -----------------------------------


@dataclass(frozen=True)
class Outgoing:
    """What one attempt sends: everything read inside the claiming transaction."""

    delivery_id: int
    event_id: str
    subscription_id: int | None
    url: str
    secret: str
    body: bytes


def claim_due(
    ctx: Context,
    worker: str,
    *,
    box: SecretBox,
    limit: int = 10,
    built_in: tuple[str, str] | None = None,
    only: list[int] | None = None,
) -> list[Outgoing]:
    """Lease up to ``limit`` due deliveries to ``worker``; another worker never gets the same.

    ``box`` opens the subscribers' sealed secrets (a secret that no longer opens, after a new
    SECRET_KEY, raises ``Unsealable``: register the receiver again).
    ``built_in`` is PTSB's (url, secret): without it, the built-in subscriber's deliveries wait.
    ``only`` restricts the claim to those delivery ids (a replay sends just what it queued).
    """
    free = or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < ctx.now)
    due = select(WebhookDelivery.id).where(
        WebhookDelivery.state == webhooks.PENDING,
        WebhookDelivery.next_attempt_at <= ctx.now,
        free,
    )
    if built_in is None:
        due = due.where(WebhookDelivery.subscription_id.is_not(None))
    if only is not None:
        due = due.where(WebhookDelivery.id.in_(only))
    ids = list(ctx.session.scalars(due.order_by(WebhookDelivery.next_attempt_at).limit(limit)))
    claimed: list[Outgoing] = []
    for delivery_id in ids:
        result = ctx.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id, WebhookDelivery.state == webhooks.PENDING, free
            )
            .values(claimed_by=worker, claimed_until=ctx.now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        delivery = ctx.get(WebhookDelivery, delivery_id)
        event = ctx.get(WebhookEvent, delivery.event_id)
        if delivery.subscription_id is None:
            assert built_in is not None  # noqa: S101 - filtered above
            url, secret = built_in
        else:
            subscription = ctx.get(WebhookSubscription, delivery.subscription_id)
            url = subscription.url
            secret = box.open(subscription.secret_sealed, secret_purpose(subscription.id))
        claimed.append(
            Outgoing(delivery.id, event.id, delivery.subscription_id, url, secret, event.body)
        )
    return claimed


@dataclass(frozen=True)
class AttemptResult:
    """The outcome of one request: an HTTP status, or an error when there was no answer."""

    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def record_attempt(
    ctx: Context,
    delivery_id: int,
    worker: str,
    result: AttemptResult,
    policy: webhooks.RetryPolicy,
) -> WebhookDelivery:
    """Log the attempt; then delivered, or retried after back-off, or failed past the limit.

    A runner whose lease ran out only logs its attempt (another runner owns the delivery now),
    unless it was delivered: a 2xx answer ends the delivery whoever holds it.
    """
    delivery = ctx.get(WebhookDelivery, delivery_id, lock=True)
    error = _attempt_error(result)
    ctx.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            at=result.started_at,
            status_code=result.status_code,
            error=error,
            duration_ms=result.duration_ms,
            worker=worker[:64],
        )
    )
    owner = delivery.claimed_by == worker and delivery.state == webhooks.PENDING
    if not owner and not (result.delivered and delivery.state == webhooks.PENDING):
        return delivery
    delivery.attempts += 1
    delivery.claimed_by = None
    delivery.claimed_until = None
    delivery.last_status = result.status_code
    if result.delivered:
        delivery.state = webhooks.DELIVERED
        delivery.delivered_at = ctx.now
        delivery.last_error = None
    elif policy.gives_up(delivery.attempts):
        delivery.state = webhooks.FAILED
        delivery.last_error = error
    else:
        delivery.last_error = error
        delivery.next_attempt_at = ctx.now + policy.delay(delivery.attempts)
    return delivery


def _attempt_error(result: AttemptResult) -> str | None:
    if result.error is not None:
        return result.error[:1000]
    if not result.delivered:
        return f"HTTP {result.status_code}"
    return None
