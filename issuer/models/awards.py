"""Awards and the public documents published for them (stored once, served as stored)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.models.types import DecimalText, UTCDateTime


class Award(Base):
    """One earned credential: a program award (one per enrollment) or a stack award."""

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("stack_id", "earner_id"),
        # OB 3.0 status list bits: one award per index of each of its issuer's lists, never reused.
        Index(
            "ix_awards_issuer_id_status_list_status_index",
            "issuer_id",
            "status_list",
            "status_index",
            unique=True,
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id"), unique=True, nullable=True
    )
    stack_id: Mapped[int | None] = mapped_column(ForeignKey("stacks.id"), nullable=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True)
    program_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_versions.id"), nullable=True
    )
    earner_id: Mapped[int] = mapped_column(ForeignKey("earners.id"), index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The earner's name as issued: the signed documents carry it, so the page and certificate do
    # too, whatever the earner's profile says later.
    earner_name: Mapped[str] = mapped_column(String(200))
    credit_hours: Mapped[Decimal] = mapped_column(DecimalText())
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(10))
    revocation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    recipient_salt: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Which of the issuer's Bitstring Status Lists holds ``status_index`` (1 = the first list).
    status_list: Mapped[int | None] = mapped_column(Integer, nullable=True)


class StatusList(Base):
    """One of an issuer's Bitstring Status Lists and how far its indexes are handed out.

    Indexes are handed out in the order of a keyed permutation of ``0..capacity-1`` (so the
    published index does not say in which order credentials were issued): position
    ``allocated`` is the next one. When every position is out the issuer's next list opens.
    ``legacy``: the list's first indexes were drawn at random before this table existed, so a
    permuted index is checked against the awards before it is handed out.
    """

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("issuer_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"))
    number: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    allocated: Mapped[int] = mapped_column(Integer)
    permutation_key: Mapped[str] = mapped_column(String(64))
    legacy: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PublishedDocument(Base):
    """A public document's exact bytes at its path: built and signed once, then served as is."""

    __tablename__ = "published_documents"

    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(80))
    award_id: Mapped[str | None] = mapped_column(ForeignKey("awards.id"), nullable=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class PublicationChange(Base):
    """The paths one committed transaction published, replaced or removed, in commit order as
    near as a sequence gives it: the feed ``publish export --follow`` reads on every machine."""

    __tablename__ = "publication_changes"
    __table_args__ = {"sqlite_autoincrement": True}  # a sequence number is never handed out twice

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paths: Mapped[str] = mapped_column(Text)  # one path a line
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
