"""Delivering the outbox (SPEC §9): claim (commit), send outside any transaction, record (commit);
and the delivery log, and bounced addresses, for staff.

At least once: a message leaves ``pending`` only when the server accepted it, a permanent answer
failed it, or it waited ``MailRetryPolicy.give_up_after``. Messages are claimed with an expiring
compare-and-set lease (the same on SQLite and PostgreSQL, as webhook deliveries), so any number of
runners may work at once; a runner killed mid-send leaves its lease to expire and another sends the
message again with the same ``Message-ID``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update

from issuer.domain.actors import SYSTEM
from issuer.domain.mail import MailState
from issuer.domain.states import Role
from issuer.errors import NotFound, ValidationFailed
from issuer.mail.mime import Envelope, build_message
from issuer.mail.outcomes import MailRetryPolicy, Outcome, Verdict
from issuer.mail.transport import Transport, transport_for
from issuer.models import MailAttempt, MailMessage, MailSuppression
from issuer.workflow import audit
from issuer.workflow.context import Context
from issuer.workflow.services import Services

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # longer than a batch can take (10 messages x SMTP_TIMEOUT phases)
BATCH = 10


# --- claiming, sending, recording ------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A leased message and everything needed to send it, read inside the claiming transaction."""

    id: int
    envelope: Envelope


@dataclass(frozen=True)
class MailRun:
    sent: int
    retried: int
    failed: int


def claim_due(ctx: Context, worker: str, limit: int = BATCH) -> list[Claimed]:
    """Lease up to ``limit`` due pending messages to ``worker``; another worker never gets the
    same one while the lease lasts. A message whose address bounced meanwhile is suppressed."""
    free = or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until < ctx.now)
    due = (
        select(MailMessage.id)
        .where(
            MailMessage.state == MailState.PENDING.value,
            MailMessage.next_attempt_at <= ctx.now,
            free,
        )
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(limit)
    )
    claimed: list[Claimed] = []
    for message_pk in list(ctx.session.scalars(due)):
        result = ctx.session.execute(
            update(MailMessage)
            .where(
                MailMessage.id == message_pk,
                MailMessage.state == MailState.PENDING.value,
                free,
            )
            .values(claimed_by=worker[:64], claimed_until=ctx.now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another runner was quicker
        message = ctx.get(MailMessage, message_pk)
        ctx.session.refresh(message)
        if ctx.session.get(MailSuppression, message.to_address) is not None:
            message.state = MailState.SUPPRESSED.value
            message.claimed_by = message.claimed_until = None
            continue
        claimed.append(Claimed(message.id, envelope_of(message)))
    return claimed


def envelope_of(message: MailMessage) -> Envelope:
    return Envelope(
        message_id=message.message_id,
        to=message.to_address,
        sender_name=message.sender_name,
        subject=message.subject,
        text=message.text_body,
        html=message.html_body,
        date=message.created_at,
        reply_to=message.reply_to,
        headers=dict(message.headers or {}),
    )


def record_attempt(
    ctx: Context,
    message_pk: int,
    worker: str,
    outcome: Outcome,
    *,
    started_at: datetime,
    duration_ms: int,
    policy: MailRetryPolicy,
) -> MailMessage:
    """Log the attempt, then: sent; failed (a 5xx, or waiting too long); the address suppressed
    (a recipient's permanent refusal); or retried after back-off. A runner whose lease ran out
    only logs its attempt, unless the server accepted the message (that ends it for everyone)."""
    message = ctx.get(MailMessage, message_pk, lock=True)
    ctx.session.add(
        MailAttempt(
            message_id=message.id,
            at=started_at,
            smtp_code=outcome.smtp_code,
            error=outcome.error[:1000] if outcome.error else None,
            duration_ms=duration_ms,
            worker=worker[:64],
        )
    )
    pending = message.state == MailState.PENDING.value
    owner = pending and message.claimed_by == worker[:64]
    if not owner and not (pending and outcome.verdict is Verdict.SENT):
        return message
    message.attempts += 1
    message.claimed_by = None
    message.claimed_until = None
    message.last_error = outcome.error[:1000] if outcome.error else None
    if outcome.verdict is Verdict.SENT:
        message.state = MailState.SENT.value
        message.sent_at = ctx.now
    elif outcome.verdict is Verdict.BOUNCED:
        message.state = MailState.FAILED.value
        suppress(ctx, message.to_address, f"{outcome.smtp_code} {outcome.error or ''}".strip())
    elif outcome.verdict is Verdict.FAILED or policy.gives_up(message.created_at, ctx.now):
        message.state = MailState.FAILED.value
    else:
        message.next_attempt_at = ctx.now + policy.delay(message.attempts)
    return message


def suppress(ctx: Context, address: str, reason: str) -> None:
    """Mark an address that bounced; its other waiting messages are not sent either."""
    if ctx.session.get(MailSuppression, address) is None:
        ctx.session.add(MailSuppression(address=address, reason=reason[:1000], created_at=ctx.now))
    ctx.session.execute(
        update(MailMessage)
        .where(MailMessage.to_address == address, MailMessage.state == MailState.PENDING.value)
        .values(state=MailState.SUPPRESSED.value, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def deliver_due(
    services: Services,
    worker: str,
    transport: Transport | None = None,
    *,
    limit: int = BATCH,
    policy: MailRetryPolicy | None = None,
) -> MailRun:
    """One pass over due messages with ``transport`` (by default the configured one)."""
    settings = services.settings
    transport = transport or transport_for(settings)
    policy = policy or MailRetryPolicy()
    with services.db.transaction() as session:
        claimed = claim_due(services.context(session, SYSTEM), worker, limit)
    sent = retried = failed = 0
    for item in claimed:
        started_at = services.clock()
        began = time.monotonic()
        outcome = _send(transport, item, settings.mail_from)
        elapsed = max(int((time.monotonic() - began) * 1000), 0)
        with services.db.transaction() as session:
            message = record_attempt(
                services.context(session, SYSTEM),
                item.id,
                worker,
                outcome,
                started_at=started_at,
                duration_ms=elapsed,
                policy=policy,
            )
            state = message.state
        if state == MailState.SENT.value:
            sent += 1
        elif state == MailState.PENDING.value:
            retried += 1
        else:
            failed += 1
        if outcome.verdict is not Verdict.SENT:
            log.warning("mail %s to %s: %s", item.envelope.message_id, item.envelope.to, outcome)
    return MailRun(sent, retried, failed)


def _send(transport: Transport, item: Claimed, mail_from: str) -> Outcome:
    try:
        message = build_message(item.envelope, mail_from)
    except ValueError as exc:  # a stored header that may not be sent: never sendable
        return Outcome(Verdict.FAILED, error=f"not sendable: {exc}")
    try:
        return transport.send(message)
    except Exception as exc:  # one bad message must not stop the runner
        log.exception("mail %s: unexpected error while sending", item.envelope.message_id)
        return Outcome(Verdict.RETRY, error=type(exc).__name__)


# --- the delivery log ------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageRecord:
    message: MailMessage
    attempts: list[MailAttempt]


@dataclass(frozen=True)
class MessageLog:
    items: list[MessageRecord]
    total: int


def list_messages(
    ctx: Context,
    *,
    state: str | None = None,
    to: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> MessageLog:
    """Messages newest first with their attempts: PTSB sees all, an issuer's admins their
    issuer's. Bodies (which carry people's one-time links) are never part of the log."""
    ctx.actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    if state is not None and state not in {s.value for s in MailState}:
        raise ValidationFailed(
            fields={"state": f"must be one of {', '.join(s.value for s in MailState)}"}
        )
    conditions: list[ColumnElement[bool]] = []
    if ctx.actor.role is Role.ISSUER_ADMIN:
        conditions.append(MailMessage.issuer_id == ctx.actor.issuer_id)
    if state is not None:
        conditions.append(MailMessage.state == state)
    if to:
        conditions.append(MailMessage.to_address == to.strip().lower())
    total = ctx.session.scalar(select(func.count(MailMessage.id)).where(*conditions)) or 0
    messages = list(
        ctx.session.scalars(
            select(MailMessage)
            .where(*conditions)
            .order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    attempts: dict[int, list[MailAttempt]] = {m.id: [] for m in messages}
    if attempts:
        for attempt in ctx.session.scalars(
            select(MailAttempt)
            .where(MailAttempt.message_id.in_(list(attempts)))
            .order_by(MailAttempt.id)
        ):
            attempts[attempt.message_id].append(attempt)
    return MessageLog([MessageRecord(m, attempts[m.id]) for m in messages], total)


def message_entry(record: MessageRecord) -> dict[str, Any]:
    """One log entry: who, what, when and how it went; never the body, nor headers with links."""
    message = record.message
    return {
        "id": message.id,
        "message_id": message.message_id,
        "kind": message.kind,
        "to": message.to_address,
        "issuer_id": message.issuer_id,
        "subject": message.subject,
        "state": message.state,
        "attempts": message.attempts,
        "created_at": _when(message.created_at),
        "next_attempt_at": _when(message.next_attempt_at)
        if message.state == MailState.PENDING.value
        else None,
        "sent_at": _when(message.sent_at),
        "last_error": message.last_error,
        "log": [
            {
                "at": _when(a.at),
                "smtp_code": a.smtp_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
                "worker": a.worker,
            }
            for a in record.attempts
        ],
    }


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


# --- bounced addresses -----------------------------------------------------------------------


def list_suppressions(ctx: Context) -> list[MailSuppression]:
    """Addresses that bounced: PTSB sees all; an issuer's admins those their issuer mailed."""
    ctx.actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    query = select(MailSuppression).order_by(MailSuppression.created_at.desc())
    if ctx.actor.role is Role.ISSUER_ADMIN:
        query = query.where(_mailed_by(ctx.actor.issuer_id))
    return list(ctx.session.scalars(query))


def clear_suppression(ctx: Context, address: str) -> MailSuppression:
    """Mail the address again (it was fixed, or the bounce was temporary after all)."""
    ctx.actor.require_role(Role.PTSB, Role.ISSUER_ADMIN)
    address = address.strip().lower()
    query = select(MailSuppression).where(MailSuppression.address == address)
    if ctx.actor.role is Role.ISSUER_ADMIN:
        query = query.where(_mailed_by(ctx.actor.issuer_id))
    found = ctx.session.scalar(query)
    if found is None:
        raise NotFound(f"No suppressed address {address}.", code="suppression_not_found")
    ctx.session.delete(found)
    audit.record(ctx, "mail.unsuppressed", "mail_suppression", address, reason=found.reason)
    ctx.session.flush()
    return found


def suppression_entry(suppression: MailSuppression) -> dict[str, Any]:
    return {
        "address": suppression.address,
        "reason": suppression.reason,
        "created_at": _when(suppression.created_at),
    }


def _mailed_by(issuer_id: int | None) -> ColumnElement[bool]:
    mailed = select(MailMessage.id).where(
        MailMessage.to_address == MailSuppression.address, MailMessage.issuer_id == issuer_id
    )
    return mailed.exists()
