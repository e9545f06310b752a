"""Review cycles (the monthly review) and the reviewers assigned to each submission in one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.models.types import UTCDateTime


class ReviewCycle(Base):
    """An issuer's review cycle: submissions made on or before ``closes_on`` are reviewed in it.
    One open cycle per issuer and closing date."""

    __tablename__ = "review_cycles"
    __table_args__ = (UniqueConstraint("issuer_id", "closes_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"), index=True)
    closes_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReviewAssignment(Base):
    """One reviewer given one submission in a cycle; once a submission has assignments only its
    assigned reviewers may score it."""

    __tablename__ = "review_assignments"
    __table_args__ = (UniqueConstraint("submission_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycles.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())
