"""PTSB completion notices: one per award, acknowledged by PTSB when it records the license.

Their delivery to PTSB's license system is a webhook (``award.issued``, issuer/models/webhooks.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String
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
