"""PTSB completion notices: an outbox written with the award, delivered at least once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.models.types import DecimalText, UTCDateTime


class Notice(Base):
    __tablename__ = "ptsb_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"), unique=True)
    earner_id: Mapped[int] = mapped_column(ForeignKey("earners.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True)
    stack_id: Mapped[int | None] = mapped_column(ForeignKey("stacks.id"), nullable=True)
    credit_hours: Mapped[Decimal] = mapped_column(DecimalText())
    status: Mapped[str] = mapped_column(String(20), index=True)
    license_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    certificate_reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    acknowledged_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivery_state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
