"""Programs (micro-credentials) with their versions, and stacks of programs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from issuer.db import Base
from issuer.models.types import DecimalText, UTCDateTime


class Program(Base):
    """The stable identity of a micro-credential across its versions."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    versions: Mapped[list[ProgramVersion]] = relationship(
        back_populates="program", order_by="ProgramVersion.version"
    )


class ProgramVersion(Base):
    """One version of a program; each approved version is its own published badge."""

    __tablename__ = "program_versions"
    __table_args__ = (UniqueConstraint("program_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)
    competencies: Mapped[list[str]] = mapped_column(JSON)
    estimated_hours: Mapped[Decimal] = mapped_column(DecimalText())
    credit_hours: Mapped[Decimal] = mapped_column(DecimalText())
    learning_methods: Mapped[list[str]] = mapped_column(JSON)
    image: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    image_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    alignments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    prerequisites: Mapped[list[int]] = mapped_column(JSON)
    validity_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prior_training_eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    # The issuer's "how it works / next steps" text per learning method, sent on enrolment.
    next_steps: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    # The rubric's levels 1-4 with their descriptors; None means the Task Neutral Rubric default.
    rubric: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    review_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    program: Mapped[Program] = relationship(back_populates="versions")


class Stack(Base):
    """An ordered set of programs that earns its own credential when complete."""

    __tablename__ = "stacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    required: Mapped[int | None] = mapped_column(Integer, nullable=True)
    credit_hours: Mapped[Decimal] = mapped_column(DecimalText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    members: Mapped[list[StackProgram]] = relationship(order_by="StackProgram.position")


class StackProgram(Base):
    __tablename__ = "stack_programs"
    __table_args__ = (UniqueConstraint("stack_id", "program_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stack_id: Mapped[int] = mapped_column(ForeignKey("stacks.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
