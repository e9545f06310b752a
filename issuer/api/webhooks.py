"""Webhook subscriptions (issuer admins for their issuer, PTSB for any or all), their delivery
log, and replays."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request

from issuer.api.bodies import json_body
from issuer.api.context import read, services, write
from issuer.api.routing import QueryParam, area
from issuer.domain import webhooks as rules
from issuer.errors import ValidationFailed
from issuer.signing.sealing import SecretBox
from issuer.workflow import present
from issuer.workflow.context import Context
from issuer.workflow.integrations import webhooks

api = area("webhooks", "Webhooks")


@api.route(
    "/webhooks/subscriptions",
    "POST",
    "Register a webhook endpoint; the answer carries its signing secret, shown only this once",
    body="webhook_subscription_create",
    status=201,
    errors=(401, 403, 404, 422),
)
def create_subscription() -> tuple[dict[str, Any], int]:
    body = json_body("webhook_subscription_create")
    allow_private = services().settings.webhook_allow_private
    box = SecretBox(services().settings.secret_key)

    def create(ctx: Context) -> dict[str, Any]:
        created = webhooks.create_subscription(
            ctx,
            body["url"],
            body["event_types"],
            box,
            issuer_id=body.get("issuer_id"),
            description=body.get("description"),
            allow_private=allow_private,
        )
        return present.webhook_subscription(created.subscription, secret=created.secret)

    return write(create), 201


@api.route(
    "/webhooks/subscriptions",
    "GET",
    "Live webhook subscriptions: your issuer's, or every one (PTSB)",
    query=(
        QueryParam("issuer_id", {"type": "integer", "minimum": 1}, "only this issuer's"),
        QueryParam("include_deleted", {"type": "boolean"}, "deleted ones too"),
    ),
    errors=(401, 403, 422),
)
def list_subscriptions() -> dict[str, Any]:
    issuer_id = _int_arg("issuer_id")
    include_deleted = request.args.get("include_deleted", "false").lower() == "true"
    return read(
        lambda ctx: {
            "items": [
                present.webhook_subscription(s)
                for s in webhooks.list_subscriptions(ctx, issuer_id, include_deleted)
            ]
        }
    )


@api.route(
    "/webhooks/subscriptions/<int:subscription_id>",
    "GET",
    "Read a webhook subscription (without its secret)",
    errors=(401, 403, 404),
)
def get_subscription(subscription_id: int) -> dict[str, Any]:
    return read(
        lambda ctx: present.webhook_subscription(webhooks.get_subscription(ctx, subscription_id))
    )


@api.route(
    "/webhooks/subscriptions/<int:subscription_id>",
    "DELETE",
    "Delete a subscription: nothing more is sent to it; its delivery log stays readable",
    errors=(401, 403, 404),
)
def delete_subscription(subscription_id: int) -> dict[str, Any]:
    return write(
        lambda ctx: present.webhook_subscription(webhooks.delete_subscription(ctx, subscription_id))
    )


@api.route(
    "/webhooks/subscriptions/<int:subscription_id>/deliveries",
    "GET",
    "The subscription's deliveries, newest first, each with its log of attempts",
    query=(
        QueryParam("state", {"type": "string", "enum": list(rules.DELIVERY_STATES)}),
        QueryParam("event_id", {"type": "string"}, "one event's webhook-id"),
        QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
        QueryParam("offset", {"type": "integer", "minimum": 0}),
    ),
    errors=(401, 403, 404, 422),
)
def list_deliveries(subscription_id: int) -> dict[str, Any]:
    state = request.args.get("state") or None
    event_id = request.args.get("event_id") or None
    limit = min(max(_int_arg("limit") or 50, 1), 500)
    offset = _int_arg("offset") or 0
    return read(
        lambda ctx: {
            "items": [
                present.webhook_delivery(record)
                for record in webhooks.list_deliveries(
                    ctx, subscription_id, state=state, event_id=event_id, limit=limit, offset=offset
                )
            ]
        }
    )


@api.route(
    "/webhooks/subscriptions/<int:subscription_id>/replay",
    "POST",
    "Queue deliveries to be sent again with the same webhook-id (one event, or a time range)",
    body="webhook_replay",
    errors=(401, 403, 404, 422),
)
def replay(subscription_id: int) -> dict[str, Any]:
    body = json_body("webhook_replay")
    since, until = _time(body, "since"), _time(body, "until")
    ids = write(
        lambda ctx: webhooks.replay(
            ctx,
            subscription_id=subscription_id,
            event_id=body.get("event_id"),
            since=since,
            until=until,
        )
    )
    return {"queued": len(ids), "delivery_ids": ids}


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) > 2**31 - 1:
        raise ValidationFailed(fields={name: "must be a non-negative integer"})
    return int(raw)


def _time(body: dict[str, Any], name: str) -> datetime | None:
    raw = body.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(fields={name: "must be an RFC 3339 date-time"}) from None
    if moment.tzinfo is None:
        raise ValidationFailed(fields={name: "must include a time zone (Z or an offset)"})
    return moment
