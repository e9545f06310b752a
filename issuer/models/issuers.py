"""Issuers (institutions, districts, vendors, and the board itself) and their signing keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.models.types import UTCDateTime


class Issuer(Base):
    __tablename__ = "issuers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))
    email: Mapped[str] = mapped_column(String(320))
    description: Mapped[str] = mapped_column(Text, default="")
    image: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    image_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    is_board: Mapped[bool] = mapped_column(Boolean, default=False)
    status_method: Mapped[str] = mapped_column(String(40), default="BitstringStatusListEntry")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SigningKey(Base):
    """A key pair: the public half here, the private half in a 0600 file under KEYS_DIR."""

    __tablename__ = "signing_keys"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id"), index=True)
    algorithm: Mapped[str] = mapped_column(String(20))  # "Ed25519" or "RSA"
    public_pem: Mapped[str] = mapped_column(Text)
    private_file: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
