"""Delivering PTSB notices to a webhook: claim (commit), send outside any transaction, record.

At least once: a notice leaves the outbox only after a 2xx answer; a worker that dies mid-send
loses its lease and another worker sends it again. Receivers de-duplicate on ``notice_id``.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from issuer.domain.actors import SYSTEM
from issuer.models import Notice
from issuer.runtime import Services
from issuer.workflow import notices

log = logging.getLogger(__name__)
SEND_TIMEOUT = 10.0

Send = Callable[[str, dict[str, object]], None]


@dataclass(frozen=True)
class DeliveryRun:
    delivered: int
    failed: int


def post_json(url: str, payload: dict[str, object]) -> None:
    """POST one notice; any non-2xx answer or network error raises."""
    request = urllib.request.Request(  # noqa: S310 - scheme checked in Settings (http/https only)
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "ptsb-badge-issuer"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        raise OSError(f"webhook answered HTTP {exc.code}") from None
    if not 200 <= status < 300:
        raise OSError(f"webhook answered HTTP {status}")


def deliver_due(
    services: Services, worker: str, send: Send = post_json, limit: int = 20
) -> DeliveryRun:
    """One pass over due notices; returns how many were delivered and how many failed."""
    url = services.settings.ptsb_webhook_url
    if not url:
        return DeliveryRun(0, 0)
    with services.db.transaction() as session:
        ctx = services.context(session, SYSTEM)
        claimed = [
            (n.id, notices.notice_payload(n, services.urls.ob2_assertion(n.award_id)))
            for n in notices.claim_due(ctx, worker, limit)
        ]
    delivered = failed = 0
    for notice_id, payload in claimed:
        error = _attempt(send, url, payload)
        with services.db.transaction() as session:
            ctx = services.context(session, SYSTEM)
            notices.record_delivery(ctx, ctx.get(Notice, notice_id), error)
        delivered, failed = (delivered + 1, failed) if error is None else (delivered, failed + 1)
    return DeliveryRun(delivered, failed)


def _attempt(send: Send, url: str, payload: dict[str, object]) -> str | None:
    try:
        send(url, payload)
    except (OSError, ValueError) as exc:
        log.warning("notice %s not delivered: %s", payload.get("notice_id"), exc)
        return str(exc) or type(exc).__name__
    return None
