"""Delivering webhooks: claim (commit), sign and send outside any transaction, record (commit).

At least once: a delivery leaves the outbox only after a 2xx answer; a runner that dies mid-send
loses its lease and another runner sends it again, with the same ``webhook-id``. Each attempt is
signed afresh (its own ``webhook-timestamp``) over the stored body, and logged.

Requests go through the SSRF-safe fetcher: http(s) only, a short timeout, no redirect followed,
and subscribers' hosts must resolve to public addresses unless ``WEBHOOK_ALLOW_PRIVATE`` is set.
PTSB's own ``PTSB_WEBHOOK_URL`` is configured by the operator, not registered over the API, so it
may be on a private network.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from issuer.config import Settings
from issuer.domain import webhooks as rules
from issuer.domain.actors import SYSTEM, Actor
from issuer.errors import IssuerError
from issuer.signing.sealing import SecretBox
from issuer.verify.fetch import SafeHttpFetcher
from issuer.workflow.integrations import webhooks
from issuer.workflow.integrations.webhooks import AttemptResult, Outgoing
from issuer.workflow.services import Services

log = logging.getLogger(__name__)
SEND_TIMEOUT = 5.0
MAX_ANSWER_BYTES = 64 * 1024  # receivers' answers are read (to reuse nothing) and discarded
BATCH = 10

Send = Callable[[str, bytes, dict[str, str], bool], int]
"""POST (url, body, headers, trusted) and answer the HTTP status; raise when there is no answer."""


@dataclass(frozen=True)
class DeliveryRun:
    delivered: int
    failed: int


def http_sender(settings: Settings) -> Send:
    """The real sender: subscribers under the address rules, PTSB's configured URL trusted."""
    checked = SafeHttpFetcher(
        allow_private=settings.webhook_allow_private,
        timeout=SEND_TIMEOUT,
        max_redirects=0,
        max_bytes=MAX_ANSWER_BYTES,
    )
    trusted = SafeHttpFetcher(
        allow_private=True, timeout=SEND_TIMEOUT, max_redirects=0, max_bytes=MAX_ANSWER_BYTES
    )

    def send(url: str, body: bytes, headers: dict[str, str], is_trusted: bool) -> int:
        return (trusted if is_trusted else checked).post(url, body, headers).status

    return send


def deliver_due(
    services: Services,
    worker: str,
    send: Send | None = None,
    limit: int = BATCH,
    only: list[int] | None = None,
) -> DeliveryRun:
    """One pass over due deliveries; returns how many were delivered and how many failed."""
    settings = services.settings
    built_in = None
    if settings.ptsb_webhook_url and settings.ptsb_webhook_secret:
        built_in = (settings.ptsb_webhook_url, settings.ptsb_webhook_secret)
    sender = send or http_sender(settings)
    with services.db.transaction() as session:
        ctx = services.context(session, SYSTEM)
        claimed = webhooks.claim_due(
            ctx,
            worker,
            box=SecretBox(settings.secret_key),
            limit=limit,
            built_in=built_in,
            only=only,
        )
    delivered = failed = 0
    for outgoing in claimed:
        result = _attempt(services, sender, outgoing)
        with services.db.transaction() as session:
            ctx = services.context(session, SYSTEM)
            webhooks.record_attempt(
                ctx, outgoing.delivery_id, worker, result, services.webhook_retry
            )
        if result.delivered:
            delivered += 1
        else:
            failed += 1
            log.warning(
                "webhook %s (delivery %s) not delivered: %s",
                outgoing.event_id,
                outgoing.delivery_id,
                result.error or f"HTTP {result.status_code}",
            )
    return DeliveryRun(delivered, failed)


def replay(
    services: Services,
    worker: str,
    send: Send | None = None,
    actor: Actor = SYSTEM,
    **which: object,
) -> tuple[list[int], DeliveryRun]:
    """Queue the chosen deliveries again (same ``webhook-id``) and send them now; those that fail
    stay queued with back-off for the runners. ``which`` as for ``webhooks.replay``."""
    with services.db.transaction() as session:
        ids = webhooks.replay(services.context(session, actor), **which)  # type: ignore[arg-type]
    delivered = failed = 0
    for start in range(0, len(ids), BATCH):  # each one attempted once here, in leased batches
        batch = ids[start : start + BATCH]
        run = deliver_due(services, worker, send, limit=len(batch), only=batch)
        delivered, failed = delivered + run.delivered, failed + run.failed
    return ids, DeliveryRun(delivered, failed)


def _attempt(services: Services, send: Send, outgoing: Outgoing) -> AttemptResult:
    started_at = services.clock()
    timestamp = int(started_at.timestamp())
    headers = rules.headers(outgoing.secret, outgoing.event_id, timestamp, outgoing.body)
    began = time.monotonic()
    try:
        status = send(outgoing.url, outgoing.body, headers, outgoing.subscription_id is None)
    except (IssuerError, OSError, ValueError) as exc:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        return AttemptResult(started_at, _elapsed_ms(began), error=message)
    except Exception as exc:  # one bad request must not stop the runner
        log.exception("webhook %s: unexpected error while sending", outgoing.event_id)
        return AttemptResult(started_at, _elapsed_ms(began), error=type(exc).__name__)
    return AttemptResult(started_at, _elapsed_ms(began), status_code=status)


def _elapsed_ms(began: float) -> int:
    return max(int((time.monotonic() - began) * 1000), 0)
