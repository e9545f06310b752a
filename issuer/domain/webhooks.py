"""Webhook rules: event types, the Standard Webhooks signature, the body, and the retry schedule.

Standard Webhooks (https://www.standardwebhooks.com/): a message carries ``webhook-id`` (the
same on every retry and replay, so receivers de-duplicate on it), ``webhook-timestamp`` (Unix
seconds of this attempt) and ``webhook-signature`` = ``v1,`` + base64(HMAC-SHA256(key,
"{id}.{timestamp}.{body}")), where the key is the base64-decoded part of the ``whsec_`` secret.
The HMAC is the standard library's; nothing here is hand-made cryptography.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

AWARD_ISSUED = "award.issued"
AWARD_REVOKED = "award.revoked"
PROGRAM_APPROVED = "program.approved"
EVENT_TYPES = (AWARD_ISSUED, AWARD_REVOKED, PROGRAM_APPROVED)

# A delivery waits (pending) until a 2xx answer (delivered), until the retry policy gives up
# (failed), or until its subscription is deleted (cancelled). A replay makes it pending again.
PENDING, DELIVERED, FAILED, CANCELLED = "pending", "delivered", "failed", "cancelled"
DELIVERY_STATES = (PENDING, DELIVERED, FAILED, CANCELLED)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32
MIN_SECRET_BYTES, MAX_SECRET_BYTES = 24, 64  # the range Standard Webhooks allows


def secret_from_bytes(raw: bytes) -> str:
    """The ``whsec_`` form of a random key (the caller draws the bytes)."""
    return SECRET_PREFIX + base64.b64encode(raw).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a ``whsec_`` secret; ``ValueError`` when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is whsec_ followed by base64") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(
            f"a webhook secret holds {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, not {len(key)}"
        )
    return key


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value (one ``v1`` signature) for one attempt."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of one attempt: the three Standard Webhooks headers and the media type."""
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


def body(event_type: str, occurred_at: datetime, data: dict[str, object]) -> bytes:
    """The exact bytes sent (stored once, so retries and replays are byte-identical)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    envelope = {"type": event_type, "timestamp": iso(occurred_at), "data": data}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def iso(moment: datetime) -> str:
    """An aware UTC time as RFC 3339 with a ``Z``."""
    return moment.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off between attempts, and the attempt after which delivery gives up.

    The defaults wait 30 s, 1 min, 2 min, ... capped at 6 h, and give up after 15 attempts
    (about a day and a half after the first one).
    """

    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=6)
    max_attempts: int = 15

    def delay(self, attempts: int) -> timedelta:
        """How long to wait after the ``attempts``-th failed attempt."""
        return min(self.first_delay * (2 ** min(max(attempts - 1, 0), 32)), self.max_delay)

    def gives_up(self, attempts: int) -> bool:
        """Whether ``attempts`` failed attempts are the last ones."""
        return attempts >= self.max_attempts
