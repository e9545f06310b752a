"""Backpacks this service sends badges to: one client registration per backpack, one connection
(sealed tokens) per earner account and backpack.

A remote backpack's secrets must be sent back to it, so unlike our own tokens (hashed) they are
sealed (AES-GCM, ``issuer/signing/sealing.py``); columns ending in ``_sealed`` never hold clear text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db import Base
from issuer.models.types import UTCDateTime


class BackpackRegistration(Base):
    """Our client registration (RFC 7591) at one backpack, keyed by its discovery document URL."""

    __tablename__ = "backpack_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discovery_url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    api_url: Mapped[str] = mapped_column(Text)
    authorization_url: Mapped[str] = mapped_column(Text)
    token_url: Mapped[str] = mapped_column(Text)
    registration_url: Mapped[str] = mapped_column(Text)
    redirect_uri: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str] = mapped_column(Text)
    client_secret_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BackpackConnection(Base):
    """An earner account's tokens at one backpack (credential.upsert), kept for the next send."""

    __tablename__ = "backpack_connections"
    __table_args__ = (UniqueConstraint("account_id", "registration_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("backpack_registrations.id"), index=True
    )
    access_token_sealed: Mapped[str] = mapped_column(Text)
    refresh_token_sealed: Mapped[str | None] = mapped_column(Text, nullable=True)
    scope: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
