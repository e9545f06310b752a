"""The numbers behind /metrics that the database holds, read at scrape time: they are the same
whichever worker or machine answers the scrape, and survive restarts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from issuer.db import Database
from issuer.models import Award, MailMessage, WebhookDelivery


@dataclass(frozen=True)
class Outbox:
    """One outbox (``mail`` or ``webhook``): messages by state, how many of the waiting ones
    failed at least once, and how long past its due time the most overdue waiting one is."""

    name: str
    by_state: dict[str, int]
    retrying: int
    most_overdue_seconds: float


@dataclass(frozen=True)
class Gauges:
    awards_by_kind_and_status: dict[tuple[str, str], int]
    outboxes: list[Outbox]


def gauges(database: Database, now: datetime) -> Gauges:
    """Awards issued (by kind and status) and the mail and webhook outboxes, in one read."""
    with database.session() as session:
        awards = {
            (kind, status): count
            for kind, status, count in session.execute(
                select(Award.kind, Award.status, func.count()).group_by(Award.kind, Award.status)
            )
        }
        outboxes = []
        for name, table in (("mail", MailMessage), ("webhook", WebhookDelivery)):
            by_state = {
                state: count
                for state, count in session.execute(
                    select(table.state, func.count()).group_by(table.state)
                )
            }
            pending = table.state == "pending"
            retrying = session.scalar(
                select(func.count()).select_from(table).where(pending, table.attempts > 0)
            )
            oldest = session.scalar(select(func.min(table.next_attempt_at)).where(pending))
            waited = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
            outboxes.append(Outbox(name, by_state, retrying or 0, waited))
    return Gauges(awards, outboxes)
