"""The educator's Comprehensive Learner Records (CLR 2.0): one row per record PTSB signed.

The signed documents themselves are published documents (``/ob3/clr/<id>`` and ``.jwt``), so an
old record stays verifiable at its own id after a newer one is made.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.models.types import UTCDateTime


class LearnerRecord(Base):
    """One signed ClrCredential for one educator, made on request and never changed."""

    __tablename__ = "learner_records"
    __table_args__ = (UniqueConstraint("earner_id", "contents_hash"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    earner_id: Mapped[int] = mapped_column(ForeignKey("earners.id"), index=True)
    # SHA-256 of which awards the record holds and leaves out (and why): the same contents are
    # answered with the same record.
    contents_hash: Mapped[str] = mapped_column(String(64))
    partial: Mapped[bool] = mapped_column(Boolean)
    # What was left out, in words ("PL Foundations (revoked)"), empty when nothing was.
    left_out: Mapped[str] = mapped_column(Text, default="")
    recipient_salt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
